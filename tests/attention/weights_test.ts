/** One head's n×n attention weights and the row check (lib/attention/weights.ts). */
import assert from "node:assert/strict";
import type { HeadWeights } from "../../lib/attention/reference.ts";
import {
  attentionRowViolation,
  attentionWeightMatrix,
  rowsAreOneHot,
} from "../../lib/attention/weights.ts";
import { SparsityPattern } from "../../lib/pattern/pattern.ts";
import { slidingWindow } from "../../lib/pattern/zoo.ts";

// d = 1, m = 1: the score of query k on key j is (w x_j)(w x_k) = x_j x_k.
const x = Float64Array.of(1, 2, 3);
const head: HeadWeights = {
  m: 1,
  wq: Float64Array.of(1),
  wk: Float64Array.of(1),
  wv: Float64Array.of(1),
  wo: Float64Array.of(1),
};
const window = slidingWindow({ n: 3, w: 1 }).patterns[0];

Deno.test("softmax weights of a window: row 0 over keys 0, 1 is softmax(1, 2)", () => {
  const weights = attentionWeightMatrix(x, 3, 1, window, head, "softmax");
  const e = Math.exp(1);
  assert.ok(Math.abs(weights[0] - 1 / (1 + e)) < 1e-15);
  assert.ok(Math.abs(weights[1] - e / (1 + e)) < 1e-15);
  assert.equal(weights[2], 0); // key 2 is outside A_0
  assert.equal(attentionRowViolation(weights, window), null);
  assert.equal(rowsAreOneHot(weights, 3), false);
});

Deno.test("hardmax weights are one-hot on the largest score in A_k", () => {
  const weights = attentionWeightMatrix(x, 3, 1, window, head, "hardmax");
  assert.deepEqual(Array.from(weights), [0, 1, 0, 0, 0, 1, 0, 0, 1]);
  assert.equal(rowsAreOneHot(weights, 3), true);
});

Deno.test("attentionRowViolation names the row and the reason", () => {
  const weights = Float64Array.of(0.5, 0.5, 0, 0, 1, 0, 0.25, 0, 0.75);
  assert.equal(
    attentionRowViolation(weights, window),
    "window(w=1), row 2: weight 0.25 on key 0 outside A_k",
  );
  const diagonal = SparsityPattern.fromLists("diagonal", [[0], [1], [2]]);
  assert.equal(
    attentionRowViolation(Float64Array.of(1, 0, 0, 0, 0.9, 0, 0, 0, 1), diagonal),
    "diagonal, row 1: weights sum to 0.9",
  );
});
