/** Assumption 2's test vectors: the worst case and random vectors with margin ≥ ζ. */
import assert from "node:assert/strict";
import { lowestWinnerWeights, worstCaseScores } from "../../lib/attention/assumption2.ts";
import {
  assumption2Threshold,
  hardmax,
  softmax,
  sparsemax,
} from "../../lib/attention/probability_maps.ts";
import { InputError } from "../../lib/util/errors.ts";

Deno.test("worstCaseScores: winner at ζ, the rest tied at zero; bad sizes refused", () => {
  assert.deepEqual([...worstCaseScores(4, 0.5)], [0.5, 0, 0, 0]);
  assert.throws(() => worstCaseScores(0, 0.5), InputError);
  assert.throws(() => worstCaseScores(3, -1), /margin = -1/);
});

Deno.test("lowestWinnerWeights: hardmax always 1, a uniform map 1/N, softmax above the worst case", () => {
  const uniform = (v: Float64Array) => new Float64Array(v.length).fill(1 / v.length);
  const margin = 0.5;
  const t = assumption2Threshold("softmax", margin, { eta: 0.01, size: 6 });
  const options = { trials: 300, maxSize: 6, margin, seed: 1 };
  const lowest = lowestWinnerWeights([
    { name: "hardmax", map: hardmax, t: 1 },
    { name: "uniform", map: uniform, t: 1 },
    { name: "softmax", map: softmax, t },
    { name: "sparsemax", map: sparsemax, t: 1 / margin },
  ], options);
  assert.equal(lowest.hardmax, 1);
  assert.ok(Math.abs(lowest.uniform - 1 / 6) < 1e-12, "some draw has the largest size");
  assert.equal(lowest.sparsemax, 1);
  assert.ok(lowest.softmax >= softmax(worstCaseScores(6, margin), t)[0] - 1e-12);
  assert.ok(lowest.softmax < 1);
  // Seeded: the same draws again; a scale below the sparsemax threshold leaves weight elsewhere.
  assert.deepEqual(lowestWinnerWeights([{ name: "softmax", map: softmax, t }], options), {
    softmax: lowest.softmax,
  });
  const below = lowestWinnerWeights([{ name: "s", map: sparsemax, t: 0.5 / margin }], options);
  assert.ok(below.s < 1);
  assert.throws(() => lowestWinnerWeights([], { ...options, maxSize: 1 }), /maxSize = 1/);
});
