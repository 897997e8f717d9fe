/** The TensorFlow.js models: causality, training without leaks, save/load, LayerNorm variants. */
import assert from "node:assert/strict";
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import {
  CausalDecoder,
  crossEntropy,
  EncoderClassifier,
  EncoderDecoder,
  SparseEncoder,
  type StackConfig,
  trainStep,
} from "../../lib/attention/tf/models.ts";
import {
  bigbird,
  dense,
  fixedCausal,
  slidingWindow,
  star,
  strided,
} from "../../lib/pattern/zoo.ts";
import { causalGraph, causalPrefix } from "../../lib/attention/tf/layers.ts";
import { graphOfPattern } from "../../lib/attention/sparse_kernel/mod.ts";
import { maxAbsDifference, randomizeParameters, randomTensor } from "./support.ts";

await initTf();

const n = 12;
const vocabSize = 7;
const base: StackConfig = {
  width: 8,
  heads: 2,
  ffHidden: 16,
  layers: 2,
  pattern: slidingWindow({ n, w: 2 }),
  impl: "sparse",
  norm: "pre",
  maxLength: n,
  input: { kind: "tokens", vocabSize },
};

const ids = (seed: number, batch = 2) =>
  tf.tensor2d(
    Array.from({ length: batch }, (_, b) =>
      Array.from({ length: n }, (_, i) => (seed * 3 + b + i * i) % vocabSize)),
    [batch, n],
    "int32",
  );

Deno.test("causal decoder: logits at position i ignore tokens after i", () => {
  const model = new CausalDecoder({
    ...base,
    pattern: fixedCausal({ n, c: 4 }),
    input: { kind: "tokens", vocabSize },
  });
  randomizeParameters(model.params, 1);
  const a = ids(1, 1);
  const changed = a.arraySync() as number[][];
  changed[0][n - 1] = (changed[0][n - 1] + 1) % vocabSize;
  changed[0][n - 2] = (changed[0][n - 2] + 2) % vocabSize;
  const b = tf.tensor2d(changed, [1, n], "int32");
  const [logitsA, logitsB] = [model.logits(a), model.logits(b)].map((t) =>
    t.arraySync() as number[][][]
  );
  for (let i = 0; i < n - 2; i++) {
    assert.ok(
      maxAbsDifference(logitsA[0][i], logitsB[0][i]) < 1e-6,
      `position ${i} saw the future`,
    );
  }
  assert.ok(maxAbsDifference(logitsA[0][n - 1], logitsB[0][n - 1]) > 1e-4, "last position changed");
  tf.dispose([a, b]);
  model.dispose();
});

Deno.test("a training step lowers the loss and leaks no tensor (every model kind)", () => {
  const optimizerFor = () => tf.train.adam(0.01);
  const decoder = new CausalDecoder({
    ...base,
    input: { kind: "tokens", vocabSize },
    norm: "post",
  });
  const seq2seq = new EncoderDecoder({
    ...base,
    input: { kind: "tokens", vocabSize },
    pattern: star({ n }),
  });
  const classifier = new EncoderClassifier({
    ...base,
    pattern: bigbird({ n, w: 1, g: 1, r: 1 }),
    input: { kind: "vectors" },
    norm: "none",
    classes: 3,
  });
  const source = ids(2);
  const target = ids(3);
  const vectors = randomTensor([2, n, base.width], 4);
  const labels = tf.tensor1d([0, 2], "int32");
  const cases = [
    { model: decoder, loss: () => crossEntropy(decoder.logits(source), target) },
    { model: seq2seq, loss: () => crossEntropy(seq2seq.logits(source, target), target) },
    { model: classifier, loss: () => crossEntropy(classifier.logits(vectors), labels) },
  ];
  for (const { model, loss } of cases) {
    const optimizer = optimizerFor();
    const first = trainStep(optimizer, model.params, loss); // creates the optimizer's slots
    const before = tf.memory().numTensors;
    let last = first;
    for (let step = 0; step < 15; step++) last = trainStep(optimizer, model.params, loss);
    assert.equal(tf.memory().numTensors, before, `${model.kind}: tensors leaked`);
    assert.ok(last < first, `${model.kind}: loss ${first} → ${last}`);
    optimizer.dispose();
    model.dispose();
  }
  tf.dispose([source, target, vectors, labels]);
});

Deno.test("save and load round-trip the weights exactly (JSON + binary)", async () => {
  const dir = await Deno.makeTempDir();
  const config = { ...base, pattern: strided({ n, c: 3 }), norm: "post" as const };
  const saved = new SparseEncoder({ ...config, seed: 1 });
  const loaded = new SparseEncoder({ ...config, seed: 2 });
  const input = ids(5);
  const before = loaded.apply(input).dataSync();
  await saved.save(`${dir}/encoder`);
  await loaded.load(`${dir}/encoder`);
  const expected = saved.apply(input).dataSync();
  assert.ok(maxAbsDifference(before, expected) > 1e-3, "different seeds differ before loading");
  assert.deepEqual(Array.from(loaded.apply(input).dataSync()), Array.from(expected));
  const manifest = JSON.parse(await Deno.readTextFile(`${dir}/encoder.json`));
  assert.equal(manifest.metadata.kind, "encoder");
  assert.equal((await Deno.stat(`${dir}/encoder.bin`)).size, 4 * saved.params.count);
  const classifier = new EncoderClassifier({ ...config, classes: 2 });
  await assert.rejects(() => classifier.load(`${dir}/encoder`), /weights file/);
  [saved, loaded, classifier].forEach((model) => model.dispose());
  input.dispose();
  await Deno.remove(dir, { recursive: true });
});

Deno.test("dense and sparse implementations agree on a whole model, per-head patterns too", () => {
  for (const patternMode of ["layers", "heads"] as const) {
    for (const norm of ["pre", "post", "none"] as const) {
      const model = new SparseEncoder({
        ...base,
        pattern: strided({ n, c: 3 }),
        patternMode,
        norm,
      });
      randomizeParameters(model.params, 3);
      const input = ids(6);
      const sparse = model.apply(input).dataSync();
      model.impl = "dense";
      const dense = model.apply(input).dataSync();
      assert.ok(maxAbsDifference(sparse, dense) < 1e-5, `${patternMode}/${norm}`);
      input.dispose();
      model.dispose();
    }
  }
});

Deno.test("fused ops compute the same logits and loss gradients as tfjs's chains (every model kind)", () => {
  const decoder = new CausalDecoder({ ...base, input: { kind: "tokens", vocabSize } });
  const seq2seq = new EncoderDecoder({
    ...base,
    input: { kind: "tokens", vocabSize },
    pattern: star({ n }),
    norm: "post",
  });
  const classifier = new EncoderClassifier({
    ...base,
    input: { kind: "vectors" },
    activation: "gelu",
    classes: 3,
  });
  const source = ids(5);
  const target = ids(6);
  const vectors = randomTensor([2, n, base.width], 7);
  const labels = tf.tensor1d([1, 2], "int32");
  const cases = [
    { model: decoder, loss: () => crossEntropy(decoder.logits(source), target) },
    { model: seq2seq, loss: () => crossEntropy(seq2seq.logits(source, target), target) },
    { model: classifier, loss: () => crossEntropy(classifier.logits(vectors), labels) },
  ];
  for (const { model, loss } of cases) {
    randomizeParameters(model.params, 2);
    const run = (fused: boolean) => {
      model.fused = fused;
      assert.equal(model.fused, fused);
      const { value, grads } = tf.variableGrads(loss, model.params.list());
      const out = {
        loss: value.dataSync()[0],
        grads: model.params.list().map((v) => Array.from(grads[v.name].dataSync())),
      };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    const before = tf.memory().numTensors;
    const fused = run(true);
    assert.equal(tf.memory().numTensors, before, `${model.kind}: the fused pass leaked`);
    const plain = run(false);
    assert.ok(Math.abs(fused.loss - plain.loss) < 1e-5, `${model.kind}: loss`);
    fused.grads.forEach((g, i) => {
      const error = maxAbsDifference(g, plain.grads[i]);
      assert.ok(error < 1e-4, `${model.kind}: gradient ${i} differs by ${error}`);
    });
    model.dispose();
  }
  tf.dispose([source, target, vectors, labels]);
});

Deno.test("a causal stack run on a prefix gives the first rows of the whole sequence", () => {
  // long enough that the dense causal graph takes the dense path
  const length = 48;
  const tokens = (seed: number) =>
    tf.tensor2d(
      Array.from({ length: 3 }, (_, b) =>
        Array.from({ length }, (_, i) => (seed * 5 + b * 3 + i * i) % vocabSize)),
      [3, length],
      "int32",
    );
  for (const pattern of [strided({ n: length, c: 7 }), dense({ n: length })]) {
    for (const fused of [false, true]) {
      const model = new EncoderDecoder({
        ...base,
        input: { kind: "tokens", vocabSize },
        pattern,
        maxLength: length,
        fused,
      });
      randomizeParameters(model.params, 5);
      const source = tokens(4);
      const target = tokens(5);
      const memory = model.encoder.apply(source);
      const whole = model.decoder.apply(target, memory);
      for (const prefixLength of [1, 5, 17, length]) {
        const input = tf.slice(target, [0, 0], [-1, prefixLength]);
        const prefix = model.decoder.applyPrefix(input, length, memory);
        assert.deepEqual(prefix.shape, [3, prefixLength, base.width]);
        const rows = tf.slice(whole, [0, 0, 0], [-1, prefixLength, -1]);
        const gap = maxAbsDifference(prefix.dataSync(), rows.dataSync());
        assert.ok(gap <= 1e-5, `${pattern.name}, fused ${fused}, ${prefixLength}: ${gap}`);
        tf.dispose([input, prefix, rows]);
      }
      tf.dispose([source, target, memory, whole]);
      model.dispose();
    }
  }
});

Deno.test("a prefix of a graph whose queries attend past it is refused", () => {
  const graph = graphOfPattern(strided({ n, c: 3 }).patternAt(0));
  assert.throws(() => causalPrefix(graph, 4), /prefix length = 4: .*attends past it/);
  assert.equal(causalPrefix(causalGraph(graph), 4).numKeys, 4);
});

Deno.test("only a causal stack runs on a prefix, and no longer than its pattern", () => {
  const model = new EncoderDecoder({ ...base, input: { kind: "tokens", vocabSize } });
  const source = ids(1);
  const memory = model.encoder.apply(source);
  assert.throws(
    () => model.encoder.applyPrefix(tf.slice(source, [0, 0], [-1, 4]), n),
    /causal = false/,
  );
  assert.throws(() => model.decoder.plan.prefixAt(n, n + 1), /prefix length = 13/);
  assert.throws(() => model.decoder.plan.prefixAt(n, 0), /prefix length = 0/);
  tf.dispose([source, memory]);
  model.dispose();
});
