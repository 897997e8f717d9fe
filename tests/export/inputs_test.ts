/**
 * Bad input to the export side says what is wrong in one line: bytes that are not ONNX, an
 * ONNX model of another origin, a model run at another n, what ONNX export cannot express.
 * Also the character-model helpers the page and Deno share.
 */
import assert from "node:assert/strict";
import { initTf } from "../../lib/attention/tf/backend.ts";
import { SparseEncoder } from "../../lib/attention/tf/models.ts";
import {
  encodeText,
  exportToOnnx,
  OnnxRunner,
  randomModel,
  topCharacters,
} from "../../lib/export/mod.ts";
import { readLabMetadata } from "../../lib/export/metadata.ts";
import { OnnxGraphBuilder } from "../../lib/export/onnx_graph.ts";
import { randomFeeds } from "../../lib/export/parity.ts";
import { SparsityPattern } from "../../lib/pattern/pattern.ts";
import { buildPattern } from "../../lib/pattern/zoo.ts";
import { InputError } from "../../lib/util/errors.ts";

await initTf();

const window16 = buildPattern("window", { n: 16 });

Deno.test("bytes that are not ONNX, and ONNX not exported by the lab, are named as such", () => {
  assert.throws(
    () => readLabMetadata(new TextEncoder().encode('{"not": "onnx"}'), "notes.json"),
    (error: Error) =>
      error instanceof InputError && /notes\.json.*not an ONNX model/.test(error.message),
  );
  const foreign = new OnnxGraphBuilder("foreign");
  foreign.output(foreign.node("Relu", [foreign.input("x", "float32", [2])]), "y", "float32", [2]);
  assert.throws(
    () => readLabMetadata(foreign.build(), "foreign.onnx"),
    /not one exported by this lab/,
  );
});

Deno.test("a model exported for one n refuses inputs of another n, naming both", async () => {
  const model = randomModel({ kind: "causal-decoder", pattern: window16, n: 16 });
  const runner = await OnnxRunner.create(exportToOnnx(model, { n: 16 }).bytes);
  model.dispose();
  const feeds = randomFeeds({
    ...runner.metadata,
    inputs: [{ ...runner.metadata.inputs[0], dims: ["batch", 32] }],
  });
  await assert.rejects(() => runner.run(feeds), /exported for sequences of length 16, not 32/);
  await runner.release();
});

Deno.test("export refuses what the graph cannot express: entmax, empty rows, n beyond the table", () => {
  const entmax = new SparseEncoder({
    width: 8,
    heads: 2,
    ffHidden: 8,
    layers: 1,
    pattern: window16,
    impl: "dense",
    rho: "sparsemax",
    norm: "pre",
    maxLength: 16,
    input: { kind: "vectors" },
  });
  assert.throws(() => exportToOnnx(entmax, { n: 16 }), /softmax attention only/);
  entmax.dispose();

  // token 3 attends only to token 5: causal masking leaves its row empty
  const lists = Array.from({ length: 8 }, (_, k) => (k === 3 ? [5] : [k]));
  const gappy = randomModel({
    kind: "causal-decoder",
    pattern: SparsityPattern.fromLists("gappy", lists),
    n: 8,
  });
  assert.throws(() => exportToOnnx(gappy, { n: 8 }), /query = 3: attends to no key/);
  gappy.dispose();

  const short = randomModel({ kind: "encoder", pattern: window16, n: 16 });
  assert.throws(() => exportToOnnx(short, { n: 32 }), /positional embedding holds 16/);
  short.dispose();
});

Deno.test("text encoding keeps the last n known characters; predictions are a distribution", () => {
  const vocabulary = [" ", "a", "b", "c"];
  const encoded = encodeText("Abc?ab a", vocabulary, 5);
  assert.deepEqual(Array.from(encoded.ids), [3, 1, 2, 0, 1]);
  assert.equal(encoded.length, 5);
  assert.equal(encoded.cut, 2);
  assert.deepEqual(encoded.unknown, ["?"]);
  const short = encodeText("ab", vocabulary, 5);
  assert.deepEqual(Array.from(short.ids), [1, 2, 0, 0, 0]);
  assert.throws(() => encodeText("???", vocabulary, 5), /no character of the model's vocabulary/);

  const logits = {
    type: "float32" as const,
    dims: [1, 2, 4],
    data: Float32Array.from([0, 0, 0, 0, 1, 3, 2, 0]),
  };
  const top = topCharacters(logits, 1, vocabulary, 4);
  assert.deepEqual(top.map((p) => p.char), ["a", "b", " ", "c"]);
  assert.ok(Math.abs(top.reduce((sum, p) => sum + p.probability, 0) - 1) < 1e-12);
});
