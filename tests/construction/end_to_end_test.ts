/** Theorem 1 end to end: the distances from f to f̄, ḡ and g (lib/construction/end_to_end.ts). */
import assert from "node:assert/strict";
import { buildTheorem1Network } from "../../lib/construction/mod.ts";
import { smoothingSetting, theorem1Errors } from "../../lib/construction/end_to_end.ts";
import { star } from "../../lib/pattern/mod.ts";

/** Notebook 10's target: a smooth map with cross-token interaction. */
const target = (x: Float64Array) => {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return x.map((v, k) => Math.sin(3 * v) + mean * mean + 0.2 * k);
};

Deno.test("smoothingSetting: t = tFactor/ζ with ζ = δ²/2, η = δ/etaDivisor", () => {
  assert.deepEqual(smoothingSetting("softmax", 1 / 2, 64, 64), {
    rho: "softmax",
    t: 512,
    eta: 1 / 128,
  });
  assert.deepEqual(smoothingSetting("sparsemax", 1 / 4, 1, 4).t, 32);
});

Deno.test("theorem1Errors: ḡ = f̄, fine g adds < 0.01, coarse g is ruined (star, n = 3, δ = 1/2)", () => {
  const network = buildTheorem1Network(target, star({ n: 3 }), { d: 1, delta: 1 / 2 });
  const errors = theorem1Errors(target, network, [
    smoothingSetting("softmax", 1 / 2, 2 ** 20, 2 ** 16),
    smoothingSetting("softmax", 1 / 2, 64, 64),
  ], { samples: 300, seed: 9 });
  const step1 = errors.fToFbar.estimate;
  assert.ok(step1 > 0.1 && step1 < 2, `d₁(f, f̄) = ${step1}`);
  assert.ok(
    Math.abs(errors.fToGbar.estimate - step1) < 1e-9,
    `d₁(f, ḡ) = ${errors.fToGbar.estimate}`,
  );
  const [fine, coarse] = errors.fToG;
  assert.ok(Math.abs(fine.estimate - step1) < 0.01, `fine d₁(f, g) = ${fine.estimate}`);
  assert.ok(coarse.estimate > 2 * step1, `coarse d₁(f, g) = ${coarse.estimate}`);
  for (const estimate of [errors.fToFbar, errors.fToGbar, fine, coarse]) {
    assert.equal(estimate.samples, 300);
    assert.equal(estimate.lp, 1);
  }
});
