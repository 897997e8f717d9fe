/**
 * Step 1 and the activations: grid order, cells, f̄, the Monte-Carlo d_p, Φ and ReLU ramps,
 * each against an independent formula.
 */
import assert from "node:assert/strict";
import {
  DeltaGrid,
  evaluateRamp,
  levelsFromDelta,
  lpDistance,
  piecewiseConstant,
  quantizerPhi,
  reluRamp,
} from "../../lib/construction/mod.ts";
import { indicatorPhi } from "../../lib/construction/phi.ts";
import { InputError } from "../../lib/util/errors.ts";

Deno.test("grid: δ parsing, size and grid order (last entry fastest)", () => {
  assert.equal(levelsFromDelta(0.25), 4);
  assert.equal(levelsFromDelta(4), 4);
  assert.throws(() => levelsFromDelta(0.3), InputError);
  assert.throws(() => levelsFromDelta(1), InputError);
  const grid = new DeltaGrid(3, 1, 0.25);
  assert.equal(grid.size, 64);
  assert.deepEqual(Array.from(grid.levelsAt(2 * 16 + 1 * 4 + 3)), [2, 1, 3]);
  for (let index = 0; index < grid.size; index++) {
    assert.equal(grid.indexOf(grid.levelsAt(index)), index);
  }
  assert.deepEqual(Array.from(grid.cellLevels(Float64Array.of(0.5, 0.2499, 1))), [2, 0, 3]);
  assert.throws(() => new DeltaGrid(4, 2, 0.125).requireEnumerable(), InputError);
});

Deno.test("f̄ is f at the cell's corner and constant on the cell", () => {
  const f = (x: Float64Array) => x.map((v, i) => v * v + i);
  const fbar = piecewiseConstant(f, { n: 2, d: 1, delta: 0.5 });
  assert.deepEqual(Array.from(fbar.evaluate(Float64Array.of(0.7, 0.2))), [0.25, 1]);
  assert.deepEqual(Array.from(fbar.evaluate(Float64Array.of(0.99, 0.49))), [0.25, 1]);
  assert.throws(
    () => piecewiseConstant(() => [1], { n: 2, d: 1, delta: 0.5 }).valueAt(0),
    InputError,
  );
});

Deno.test("d_p: exact for a constant gap; shrinks like δ for a Lipschitz f; CI covers", () => {
  const zero = (x: Float64Array) => new Float64Array(x.length);
  const half = (x: Float64Array) => x.map(() => 0.5);
  // ‖f1 − f2‖_p^p = n·d·0.5^p everywhere, so d_p = (4·0.5^p)^{1/p}.
  for (const lp of [1, 2]) {
    const estimate = lpDistance(zero, half, { n: 2, d: 2, lp, samples: 50 });
    assert.ok(Math.abs(estimate.estimate - (4 * 0.5 ** lp) ** (1 / lp)) < 1e-12);
  }
  const f = (x: Float64Array) => x.map((v) => Math.sin(3 * v));
  const errors = [0.5, 0.25, 0.125].map((delta) => {
    const fbar = piecewiseConstant(f, { n: 2, d: 1, delta });
    const e = lpDistance(f, fbar.evaluate, { n: 2, d: 1, lp: 2, samples: 4000, seed: 7 });
    assert.ok(e.low <= e.estimate && e.estimate <= e.high);
    return e.estimate;
  });
  assert.ok(errors[0] > 1.6 * errors[1] && errors[1] > 1.6 * errors[2], `errors ${errors}`);
});

Deno.test("Φ members and their ReLU ramps (paper.md §2.8 formula, at most 4 ReLUs)", () => {
  const delta = 0.25;
  const eta = 0.05;
  const quantizer = quantizerPhi(delta);
  assert.equal(quantizer.apply(0.1), -0.1);
  assert.equal(quantizer.apply(0.25), 0);
  assert.equal(quantizer.applyExact(0n), 0n);
  const ramp = reluRamp(quantizer, eta);
  assert.equal(ramp.terms.length, 3);
  const formula = (t: number) =>
    -Math.max(0, t) + (delta / eta) * Math.max(0, t - delta + eta) -
    ((delta - eta) / eta) * Math.max(0, t - delta);
  for (let t = -0.5; t <= 0.5; t += 0.01) {
    assert.ok(Math.abs(evaluateRamp(ramp, t) - formula(t)) < 1e-12);
    if (t < delta - eta || t >= delta) {
      assert.ok(Math.abs(evaluateRamp(ramp, t) - quantizer.apply(t)) < 1e-12);
    }
  }
  const indicator = reluRamp(indicatorPhi(delta), eta);
  assert.equal(indicator.terms.length, 4);
  assert.equal(evaluateRamp(indicator, 0), 1);
  assert.ok(Math.abs(evaluateRamp(indicator, 0.2)) < 1e-12);
  assert.equal(evaluateRamp(reluRamp(indicatorPhi(delta), delta / 2), 0), 1);
  assert.throws(() => reluRamp(indicatorPhi(delta), delta), InputError);
});
