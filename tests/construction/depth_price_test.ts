/** The price of sparsity in depth: rows, and the bounds a row must meet (lib/construction/depth_price.ts). */
import assert from "node:assert/strict";
import { layerCounts } from "../../lib/construction/counts.ts";
import { depthPriceTable, depthPriceViolations } from "../../lib/construction/depth_price.ts";
import { star } from "../../lib/pattern/zoo.ts";

Deno.test("depth price at n = 4, d = 1, δ = 1/4: dense Lemma 6 needs 5 layers, star 14", () => {
  const rows = depthPriceTable({ sizes: [4], ds: [1], deltas: [1 / 4] });
  assert.deepEqual(rows.length, 6);
  assert.deepEqual(rows[0].construction, "dense Lemma 6 (built, no E)");
  assert.deepEqual(rows[0].contextualMapping, 5);
  const starRow = rows.find((row) => row.construction.startsWith("star"))!;
  // (n−1)δ^(−d) shifts, p = 1 so no waiting, then s = 2 all-max shifts
  assert.deepEqual(starRow.contextualMapping, 3 * 4 + 2);
  assert.deepEqual(starRow.timesDenseLemma6, 14 / 5);
  assert.deepEqual(rows.flatMap((row) => row.broken), []);
});

Deno.test("depthPriceViolations names each bound a row breaks", () => {
  const row = layerCounts(star({ n: 4 }), { d: 1, delta: 1 / 4 });
  assert.deepEqual(depthPriceViolations(row, 5), []);
  assert.deepEqual(depthPriceViolations({ ...row, contextualMapping: 11 }, 5), [
    "11 layers < (n−1)δ^(−d) = 12",
  ]);
  assert.deepEqual(depthPriceViolations({ ...row, contextualMapping: 15 }, 6), [
    "dense count 5 ≠ built plan's 6",
    "15 layers > p(n−1)δ^(−d) + s = 14",
  ]);
});
