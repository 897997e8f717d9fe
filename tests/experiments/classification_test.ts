/**
 * The rhyme pairs every classification run is scored on: fixed, balanced, and as many as the
 * experiment states; written out, each pair is two lines, each ending in its capitalised word.
 */
import assert from "node:assert/strict";
import {
  classification,
  RHYME_TEST_PAIRS,
  rhymeEvaluationPairs,
} from "../../lib/experiments/classification.ts";
import { LINE_SEPARATOR, pairText } from "../../lib/train/pair_tasks.ts";

const { n } = classification.budgets.full.size;

Deno.test("the evaluation pairs are the same on every call, half of them rhyming", () => {
  const first = rhymeEvaluationPairs(n);
  const again = rhymeEvaluationPairs(n);
  assert.deepEqual(again, first);
  assert.equal(first.test.length, RHYME_TEST_PAIRS);
  assert.equal(first.test.filter((example) => example.label === 1).length, RHYME_TEST_PAIRS / 2);
  assert.ok(first.test.every((example) => example.ids.length === n));
});

Deno.test("a pair written out is two lines, each ending in its capitalised word", () => {
  for (const example of rhymeEvaluationPairs(n).test.slice(0, 50)) {
    const lines = pairText(example).split(LINE_SEPARATOR);
    assert.equal(lines.length, 2);
    for (const line of lines) {
      const words = line.split(" ");
      assert.match(words.at(-1)!, /^[A-Z]+$/, line);
      assert.ok(words.slice(0, -1).every((word) => /^[a-z]+$/.test(word)), line);
    }
    assert.ok(pairText(example).length <= n);
  }
});
