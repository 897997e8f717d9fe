/** The recent window: each row's unbroken run of keys k, k − 1, …, checked against a walk on the mask. */
import assert from "node:assert/strict";
import {
  fixed,
  meanRecentWindow,
  recentWindowOfRow,
  sequential,
  SparsityPattern,
  strided,
  union,
  widestRecentWindow,
} from "../../lib/pattern/mod.ts";

/** The independent definition: walk back from k on the dense mask until a key is missing. */
function walkBack(pattern: SparsityPattern, k: number): number {
  const mask = pattern.toDenseMask();
  let run = 0;
  for (let j = k; j >= 0 && mask[k * pattern.n + j] === 1; j--) run++;
  return run;
}

Deno.test("a row's recent window is its unbroken run of keys ending at itself", () => {
  const lists = [[0], [0, 1], [0, 2], [1, 2, 3, 5], [3], [0, 4, 5]];
  const pattern = SparsityPattern.fromLists("hand-made", lists, 6);
  // row 2 skips key 1; row 4 lacks itself (no window); row 5 stops at the missing key 3
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((k) => recentWindowOfRow(pattern, k)),
    [1, 2, 1, 3, 0, 2],
  );
  assert.equal(meanRecentWindow(pattern), 9 / 6);
});

Deno.test("recent windows of the zoo agree with a walk on the mask", () => {
  for (const n of [7, 16, 33]) {
    for (const schedule of [strided({ n, c: 3 }), fixed({ n, c: 4, summary: 1 })]) {
      for (let layer = 0; layer < schedule.numPatterns; layer++) {
        const pattern = schedule.patternAt(layer);
        for (let k = 0; k < n; k++) {
          assert.equal(recentWindowOfRow(pattern, k), walkBack(pattern, k), `${pattern.name} ${k}`);
        }
      }
    }
  }
});

Deno.test("STRIDED's local layer is the widest: min(k, c) + 1 tokens, its stride layer 1", () => {
  const n = 16;
  const c = 3;
  const schedule = strided({ n, c });
  const local = Array.from({ length: n }, (_, k) => Math.min(k, c) + 1);
  const localMean = local.reduce((a, b) => a + b, 0) / n;
  assert.equal(meanRecentWindow(schedule.patternAt(0)), localMean);
  assert.equal(meanRecentWindow(schedule.patternAt(1)), 1);
  assert.equal(widestRecentWindow(sequential(schedule)), localMean);
  // the union adds k − c from the stride, already in the window: nothing changes
  assert.equal(widestRecentWindow(union(schedule)), localMean);
});
