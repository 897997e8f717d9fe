/**
 * Steps 2a, 2c and 3 on small cases: quantization snaps to the grid, ḡ = f̄ exactly on every
 * grid cell, and the softmax/ReLU network g converges to ḡ as t grows and η shrinks.
 */
import assert from "node:assert/strict";
import {
  buildTheorem1Network,
  checkValueMapping,
  constructionMargin,
  perLayerDeviation,
  smoothingDistance,
} from "../../lib/construction/mod.ts";
import { referenceLayers } from "../../lib/construction/network.ts";
import { runNetwork } from "../../lib/attention/reference.ts";
import { slidingWindow, star } from "../../lib/pattern/mod.ts";
import { seededRng } from "../../lib/util/random.ts";

/** A smooth target with cross-token interaction. */
const target = (x: Float64Array) => {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  return x.map((v) => Math.sin(3 * v) + mean * mean);
};

Deno.test("quantization layers snap X + E to the grid (float64 reference)", () => {
  const network = buildTheorem1Network(target, slidingWindow({ n: 3, w: 1 }), { d: 2, delta: 0.5 });
  const { grid, embedding } = network.mapping;
  const layers = referenceLayers(network).slice(0, network.counts.quantization);
  const rng = seededRng(3);
  for (let trial = 0; trial < 200; trial++) {
    const x = Float64Array.from({ length: grid.n * grid.d }, () => rng.next());
    const snapped = runNetwork(x, grid.n, grid.d, layers, { positional: embedding.matrix });
    const cell = grid.cellLevels(x);
    snapped.forEach((value, i) => assert.equal(value, cell[i] * grid.delta + embedding.matrix[i]));
  }
  assert.equal(network.counts.quantization, (grid.n + grid.d - 1) * grid.levels);
});

Deno.test("step 2c: ḡ = f̄ exactly on every grid cell, and in float64 within rounding", () => {
  for (const schedule of [slidingWindow({ n: 3, w: 1 }), star({ n: 3 })]) {
    const network = buildTheorem1Network(target, schedule, { d: 1, delta: 0.25 });
    assert.equal(network.counts.valueMapping, 3 * 64);
    const check = checkValueMapping(network);
    assert.ok(check.exact);
    assert.equal(check.exactMismatches, 0);
    assert.ok(
      check.referenceWithinTolerance,
      `${check.referenceMaxError} > ${check.referenceTolerance}`,
    );
  }
});

Deno.test("step 3: d_p(ḡ, g) decreases as t grows and η shrinks (toy n=2, d=1, δ=1/2)", () => {
  const network = buildTheorem1Network(target, slidingWindow({ n: 2, w: 1 }), { d: 1, delta: 0.5 });
  const zeta = constructionMargin(0.5);
  const errors = [1, 4, 16, 64].map((k) =>
    smoothingDistance(network, { rho: "softmax", t: (8 * k) / zeta, eta: 0.25 / k }, {
      samples: 800,
      seed: 11,
      lp: 1,
    })
      .estimate
  );
  for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1], `errors ${errors}`);
  assert.ok(errors[3] < errors[0] / 8, `errors ${errors}`);
});

Deno.test("step 3 per layer: softmax deviation shrinks with t; sparsemax is exact past 1/ζ; where naive logits overflow the shifted softmax is hardmax", () => {
  const network = buildTheorem1Network(target, slidingWindow({ n: 3, w: 1 }), {
    d: 1,
    delta: 0.25,
  });
  const zeta = constructionMargin(0.25);
  const worst = (rows: { deviation: number }[]) => Math.max(...rows.map((r) => r.deviation));
  const deviations = [2, 8, 32].map((k) => worst(perLayerDeviation(network, "softmax", k / zeta)));
  assert.ok(deviations[0] > deviations[1] && deviations[1] > deviations[2], `${deviations}`);
  assert.equal(worst(perLayerDeviation(network, "sparsemax", 1 / zeta)), 0);
  const huge = Number.MAX_VALUE / 10;
  const rows = perLayerDeviation(network, "softmax", huge);
  const overflowing = rows.filter((row) => row.overflowScale < huge);
  assert.ok(overflowing.length > 0);
  assert.ok(rows.every((row) => !row.nonFinite && row.deviation === 0), JSON.stringify(rows));
});
