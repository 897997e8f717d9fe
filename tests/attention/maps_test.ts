import assert from "node:assert/strict";
import { assertClose } from "./support.ts";
import {
  assumption2Threshold,
  entmax,
  entmax15,
  entmaxBisect,
  hardmax,
  PROBABILITY_MAP_NAMES,
  probabilityMap,
  softmax,
  sparsemax,
} from "../../lib/attention/probability_maps.ts";
import { InputError } from "../../lib/util/errors.ts";
import { seededRng } from "../../lib/util/random.ts";

const vec = (...values: number[]) => Float64Array.from(values);

Deno.test("softmax matches hand-computed values and honours the scale t", () => {
  assertClose(softmax(vec(0, Math.log(3))), [0.25, 0.75]);
  // t = 2 squares the odds: 1 : 9
  assertClose(softmax(vec(0, Math.log(3)), 2), [0.1, 0.9]);
  // huge scores do not overflow
  assertClose(softmax(vec(1000, 1000)), [0.5, 0.5]);
});

Deno.test("hardmax is one-hot at the argmax and averages exact ties, reporting them", () => {
  assert.deepEqual(Array.from(hardmax(vec(1, 5, 3))), [0, 1, 0]);
  const ties: number[][] = [];
  const p = hardmax(vec(1, 3, 3), 1, (tied) => ties.push(tied));
  assert.deepEqual(Array.from(p), [0, 0.5, 0.5]);
  assert.deepEqual(ties, [[1, 2]]);
  const viaName = probabilityMap("hardmax", { onTie: (tied) => ties.push(tied) });
  viaName(vec(2, 2, 2));
  assert.deepEqual(ties[1], [0, 1, 2]);
});

Deno.test("sparsemax: hand-computed projections onto the simplex", () => {
  assertClose(sparsemax(vec(0.5, 0)), [0.75, 0.25]); // τ = −0.25
  assertClose(sparsemax(vec(0, 0, 0)), [1 / 3, 1 / 3, 1 / 3]);
  assert.deepEqual(Array.from(sparsemax(vec(1, 0))), [1, 0]); // margin 1 = threshold
  assertClose(sparsemax(vec(3, 2.5, -4)), [0.75, 0.25, 0]); // third entry cut off exactly
});

Deno.test("1.5-entmax: hand-computed values", () => {
  assertClose(entmax15(vec(0, 0)), [0.5, 0.5]);
  // x = [0.5, 0], τ = 0.25 − √0.4375 solves (0.5−τ)² + τ² = 1
  const tau = 0.25 - Math.sqrt(0.4375);
  assertClose(entmax15(vec(1, 0)), [(0.5 - tau) ** 2, tau ** 2]);
  assert.deepEqual(Array.from(entmax15(vec(2, 0))), [1, 0]); // margin 2 = threshold
});

Deno.test("entmax by bisection agrees with the closed forms at α = 1.5 and α = 2", () => {
  const rng = seededRng(7);
  for (let trial = 0; trial < 50; trial++) {
    const size = 1 + rng.int(12);
    const scores = Float64Array.from({ length: size }, () => 4 * rng.next() - 2);
    const t = 0.2 + 3 * rng.next();
    assertClose(entmaxBisect(1.5)(scores, t), entmax15(scores, t), 1e-9);
    assertClose(entmaxBisect(2)(scores, t), sparsemax(scores, t), 1e-9);
  }
  assert.equal(entmax(1), softmax);
  assert.equal(entmax(2), sparsemax);
});

Deno.test("every map returns a probability vector", () => {
  const rng = seededRng(3);
  const maps = [...PROBABILITY_MAP_NAMES.map((name) => probabilityMap(name)), entmax(1.3)];
  for (const map of maps) {
    for (let trial = 0; trial < 20; trial++) {
      const scores = Float64Array.from({ length: 1 + rng.int(9) }, () => 6 * rng.next() - 3);
      const p = map(scores, 0.5 + rng.next() * 4);
      const sum = p.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-12, `sum ${sum}`);
      assert.ok(p.every((value) => value >= 0));
    }
  }
});

/** Worst case for a margin ζ: the winner at ζ and N − 1 runners-up all tied just below it. */
function worstCase(size: number, margin: number): Float64Array {
  const scores = new Float64Array(size);
  scores[0] = margin;
  return scores;
}

Deno.test("Assumption 2 thresholds: sparse maps become exactly one-hot at 1/((α−1)ζ)", () => {
  for (const margin of [0.1, 0.5, 2]) {
    for (const [map, alpha] of [[sparsemax, 2], [entmax15, 1.5], [entmax(1.7), 1.7]] as const) {
      const t = assumption2Threshold({ alpha }, margin);
      assert.equal(map(worstCase(8, margin), t)[0], 1, `α=${alpha} at threshold`);
      assert.ok(map(worstCase(8, margin), t * 0.95)[0] < 1, `α=${alpha} below threshold`);
    }
    assert.equal(assumption2Threshold("sparsemax", margin), 1 / margin);
    assert.equal(assumption2Threshold("entmax15", margin), 2 / margin);
  }
});

Deno.test("Assumption 2 threshold for softmax is tight at the worst case", () => {
  for (const size of [2, 8, 64]) {
    const margin = 0.3;
    const eta = 0.01;
    const t = assumption2Threshold("softmax", margin, { eta, size });
    const top = softmax(worstCase(size, margin), t)[0];
    assert.ok(Math.abs(top - (1 - eta)) < 1e-9, `N=${size}: ${top}`);
    assert.ok(softmax(worstCase(size, margin), t * 0.9)[0] < 1 - eta);
  }
});

Deno.test("bad input: unknown map names and bad scales throw InputError naming them", () => {
  assert.throws(
    () => probabilityMap("softermax" as never),
    (error: unknown) =>
      error instanceof InputError && error.parameter === "rho" &&
      error.message.includes('"softermax"'),
  );
  assert.throws(() => softmax(vec(1, 2), Number.NaN), InputError);
  assert.throws(() => sparsemax(new Float64Array(0)), InputError);
  assert.throws(() => entmax(0.5), InputError);
});

Deno.test("every map stays finite at t = 1e300: sums to 1 and matches the analytic limit", () => {
  const maps = [
    softmax,
    sparsemax,
    entmax15,
    entmax(1.3),
    (v: Float64Array, t?: number) => hardmax(v, t),
  ];
  for (const map of maps) {
    for (const v of [vec(10, 3, -7), vec(-1e300, 5, 5), vec(1e308, -1e308, 0)]) {
      const p = map(v, 1e300);
      assert.ok(p.every(Number.isFinite), `${map.name}: ${p}`);
      assertClose([p.reduce((a, b) => a + b, 0)], [1]);
      assertClose(Array.from(p), Array.from(hardmax(v))); // the t → ∞ limit is hardmax
    }
  }
  // t·(v_1 − v_0) = −1 exactly: softmax is 1/(1 + e^−1), e^−1/(1 + e^−1).
  const e = Math.exp(-1);
  assertClose(softmax(vec(0, -1e-300), 1e300), [1 / (1 + e), e / (1 + e)]);
  // +Infinity scores are the winners of the limit; NaN is refused by index.
  assertClose(softmax(vec(Infinity, 2, Infinity)), [0.5, 0, 0.5]);
  assert.throws(() => softmax(vec(1, NaN)), /scores\[1\] = NaN/);
  // t = 0 is uniform for every map.
  assertClose(softmax(vec(1e308, -1e308), 0), [0.5, 0.5]);
});
