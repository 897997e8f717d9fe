/** The gap-to-dense table the experiment notebooks show: one checked row per trained sparse point. */
import assert from "node:assert/strict";
import { gapRows } from "../../lib/experiments/report.ts";
import { curveSeries } from "../support/summary_series.ts";

const seeds = (mean: number) => [-0.02, -0.01, 0, 0.01, 0.02].map((d) => mean + d);

Deno.test("gap rows: one per trained sparse point, signed so that worse is positive", () => {
  const dense = curveSeries("dense", "dense", [{ x: 0, values: seeds(5.0) }]);
  const strided = curveSeries("strided sequential", "strided", [
    { x: 0.6, values: seeds(5.1) },
    { x: 0.8, values: seeds(5.5) },
  ]);
  // perplexity: lower is better, so a family above dense has a positive gap
  const table = gapRows("language-modeling", [dense, strided]);
  assert.deepEqual(table.rows.map((r) => [r.family, r.sparsity, r["gap to dense"], r.seeds]), [
    ["strided sequential", "0.6000", "0.100", 5],
    ["strided sequential", "0.8000", "0.500", 5],
  ]);
  assert.match(table.title, /^language-modeling: each family's gap to dense \(test perplexity/);
  // no dense reference yet: no rows, and the title says why
  const none = gapRows("language-modeling", [strided]);
  assert.equal(none.rows.length, 0);
  assert.match(none.title, /no committed runs yet$/);
});
