/** What an exported file contains, read back from its bytes (lib/export/graph_summary.ts). */
import assert from "node:assert/strict";
import { initTf } from "../../lib/attention/tf/backend.ts";
import { exportToOnnx, randomModel } from "../../lib/export/mod.ts";
import { STANDARD_OPERATORS, summarizeOnnxGraph } from "../../lib/export/graph_summary.ts";
import { buildPattern } from "../../lib/pattern/mod.ts";

await initTf();

Deno.test("a 2-layer star encoder at n = 8: standard operators, opset 17, one shared 8×8 mask", () => {
  const n = 8;
  const model = randomModel({ kind: "encoder", pattern: buildPattern("star", { n }), n, seed: 1 });
  const summary = summarizeOnnxGraph(exportToOnnx(model, { n }).bytes);
  model.dispose();
  assert.deepEqual(summary.nonStandard, []);
  assert.deepEqual(summary.opsets, ["@17"]);
  // one Softmax and one mask Add per attention layer; both layers share the star mask
  assert.equal(summary.operatorCounts.get("Softmax"), 2);
  assert.equal(summary.masks.length, 1);
  assert.deepEqual(summary.masks[0].dims, [1, n, n]);
  assert.equal(summary.masks[0].bytes, n * n * Float32Array.BYTES_PER_ELEMENT);
});

Deno.test("two patterns in one model store two masks; the set of standard operators is fixed", () => {
  const n = 8;
  const model = randomModel({
    kind: "encoder",
    pattern: buildPattern("strided", { n, c: 3 }),
    n,
    seed: 1,
  });
  const summary = summarizeOnnxGraph(exportToOnnx(model, { n }).bytes);
  model.dispose();
  // strided cycles two patterns over the two layers
  assert.equal(summary.masks.length, 2);
  assert.ok(STANDARD_OPERATORS.has("MatMul") && !STANDARD_OPERATORS.has("Where"));
  for (const op of summary.operatorCounts.keys()) assert.ok(STANDARD_OPERATORS.has(op), op);
});
