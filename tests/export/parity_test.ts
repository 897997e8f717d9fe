/**
 * Exported ONNX graphs against TensorFlow.js: every zoo pattern, every model kind and norm
 * placement, per-head patterns, GELU, the committed character model — max |diff| ≤ 1e-4 — and
 * the official ONNX checker with strict shape inference on every kind.
 */
import assert from "node:assert/strict";
import { initTf } from "../../lib/attention/tf/backend.ts";
import {
  checkParity,
  EXPORTED_KINDS,
  exportToOnnx,
  loadSavedModel,
  officialOnnxCheck,
  OnnxRunner,
  randomModel,
  SERVED_CHAR_MODEL,
} from "../../lib/export/mod.ts";
import { servedModelRecord } from "../../lib/export/served_model.ts";
import { buildPattern, ZOO } from "../../lib/pattern/mod.ts";

await initTf();

const TOLERANCE = 1e-4;
const n = 16;

async function parityOf(model: Parameters<typeof checkParity>[0], options = { n }) {
  const exported = exportToOnnx(model, options);
  const runner = await OnnxRunner.create(exported.bytes);
  const report = await checkParity(model, runner);
  await runner.release();
  model.dispose();
  return { ...report, exported };
}

Deno.test("every zoo pattern: ONNX matches TensorFlow.js to 1e-4", async () => {
  for (const name of Object.keys(ZOO)) {
    const model = randomModel({ kind: "encoder", pattern: buildPattern(name, { n }), n, seed: 3 });
    const { maxAbsDiff } = await parityOf(model);
    assert.ok(maxAbsDiff <= TOLERANCE, `${name}: max |diff| = ${maxAbsDiff}`);
  }
});

Deno.test("every model kind and norm placement, GELU, per-head patterns: parity to 1e-4", async () => {
  const pattern = (length: number) => buildPattern("bigbird", { n: length, seed: 2 });
  for (const kind of EXPORTED_KINDS) {
    for (const norm of ["pre", "post", "none"] as const) {
      const model = randomModel({ kind, pattern, n, norm, seed: 5 });
      const { maxAbsDiff, output, dims } = await parityOf(model);
      assert.ok(maxAbsDiff <= TOLERANCE, `${kind}/${norm}: ${output} max |diff| = ${maxAbsDiff}`);
      assert.equal(dims[0], 2, "batch of two");
    }
  }
  const variants = {
    "vector inputs": randomModel({ kind: "encoder-classifier", pattern, n, vocabSize: 0 }),
    "GELU": randomModel({ kind: "encoder", pattern, n, activation: "gelu", seed: 7 }),
    // strided's two patterns on the two heads of every layer: a [heads, n, n] mask
    "per-head patterns": randomModel({
      kind: "causal-decoder",
      pattern: (length) => buildPattern("strided", { n: length }),
      patternMode: "heads",
      n,
      seed: 8,
    }),
  };
  for (const [label, model] of Object.entries(variants)) {
    const { maxAbsDiff } = await parityOf(model);
    assert.ok(maxAbsDiff <= TOLERANCE, `${label}: max |diff| = ${maxAbsDiff}`);
  }
});

Deno.test("the served character model exports with its attention maps at parity", async () => {
  for (const length of [32, 128]) {
    const saved = await loadSavedModel(SERVED_CHAR_MODEL); // parityOf disposes the model
    const spec = saved.patternSpec!;
    const { maxAbsDiff, exported } = await parityOf(saved.model, { n: length });
    assert.ok(maxAbsDiff <= TOLERANCE, `n = ${length}: max |diff| = ${maxAbsDiff}`);
    // the exported mask is the recorded pattern rebuilt at this length
    const expected = buildPattern(spec.name, { ...spec.params, n: length }).name;
    assert.deepEqual(exported.metadata.patterns, { decoder: expected });
  }
  assert.equal(servedModelRecord()?.metric, "valid perplexity");
});

Deno.test("the official ONNX checker passes every model kind (full check, strict shapes)", async () => {
  const dir = await Deno.makeTempDir();
  for (const kind of EXPORTED_KINDS) {
    const model = randomModel({ kind, pattern: buildPattern("star", { n }), n });
    const exported = exportToOnnx(model, { n, attentionOutputs: true });
    model.dispose();
    const path = `${dir}/${kind}.onnx`;
    await Deno.writeFile(path, exported.bytes);
    const check = await officialOnnxCheck(path);
    assert.ok(check.ok, `${kind}: ${check.error}`);
    for (const output of exported.metadata.outputs) {
      assert.deepEqual(check.outputs![output.name], output.dims, `${kind} ${output.name}`);
    }
  }
  await Deno.remove(dir, { recursive: true });
});
