/**
 * Parity of the TensorFlow.js attention: the O(n·k) implementation against
 * the dense-masked one and both against the float64 reference, forward and gradients, for
 * every pattern of the zoo; the core's gradients against finite differences; no tensor leak.
 */
import assert from "node:assert/strict";
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import { MultiHeadAttention } from "../../lib/attention/tf/layers.ts";
import { ParameterSet } from "../../lib/attention/tf/parameters.ts";
import {
  type AttentionGraph,
  coreBackward,
  coreForward,
  graphOfPattern,
} from "../../lib/attention/sparse_kernel/mod.ts";
import { runNetwork, sparseAttentionLayer } from "../../lib/attention/reference.ts";
import type { RhoSpec } from "../../lib/attention/tf/probability_maps.ts";
import { tfProbabilityMap } from "../../lib/attention/tf/probability_maps.ts";
import { SparseEncoder } from "../../lib/attention/tf/models.ts";
import { buildPattern, slidingWindow, star, strided, ZOO } from "../../lib/pattern/zoo.ts";
import type { SparsityPattern } from "../../lib/pattern/pattern.ts";
import { InputError } from "../../lib/util/errors.ts";
import { seededRng } from "../../lib/util/random.ts";
import { maxAbsDifference, randomizeParameters, randomTensor } from "./support.ts";

await initTf();

const TOLERANCE = 1e-5;

/** Forward output and gradients (w.r.t. input and every weight) of Σ R ⊙ layer(x). */
function outputAndGradients(
  layer: MultiHeadAttention,
  params: ParameterSet,
  x: tf.Tensor3D,
  graphs: AttentionGraph[],
  weights: tf.Tensor3D,
) {
  return tf.tidy(() => {
    const output = layer.apply(x, graphs);
    const gradX = tf.grad((input: tf.Tensor) =>
      tf.sum(tf.mul(layer.apply(input as tf.Tensor3D, graphs), weights))
    )(x);
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(layer.apply(x, graphs), weights)) as tf.Scalar,
      params.list(),
    );
    return {
      output: output.dataSync(),
      gradients: [gradX, ...params.list().map((v) => grads[v.name])].map((g) => g.dataSync()),
    };
  });
}

/** The float64 reference layer (no residual) plus the tf layer's output bias. */
function referenceOutput(layer: MultiHeadAttention, x: tf.Tensor3D, pattern: SparsityPattern) {
  const [, n, d] = x.shape;
  const { heads, outputBias } = layer.referenceHeads();
  const out = sparseAttentionLayer(
    Float64Array.from(x.dataSync()),
    n,
    d,
    pattern,
    heads,
    layer.rho as "softmax",
    { residual: false },
  );
  return out.map((value, i) => value + (outputBias?.[i % d] ?? 0));
}

/** Every pattern of every zoo family at length n (two-pattern families give both). */
function zooPatterns(n: number): SparsityPattern[] {
  return Object.keys(ZOO).flatMap((name) => [...buildPattern(name, { n }).patterns]);
}

Deno.test("sparse vs dense-masked vs float64 reference: every zoo pattern, forward and gradients", () => {
  const before = tf.memory().numTensors;
  let worst = 0;
  for (const [n, width, heads] of [[7, 4, 1], [16, 8, 2], [33, 12, 3]]) {
    for (const [index, pattern] of zooPatterns(n).entries()) {
      const params = new ParameterSet(index);
      const layer = new MultiHeadAttention(params, "attention", {
        width,
        heads,
        impl: "sparse",
      });
      randomizeParameters(params, 1000 + index);
      const graph = graphOfPattern(pattern);
      const graphs = Array.from({ length: heads }, () => graph);
      const x = randomTensor([2, n, width], index);
      const weights = randomTensor([2, n, width], 7 * index + 1);
      const sparse = outputAndGradients(layer, params, x, graphs, weights);
      layer.impl = "dense";
      const dense = outputAndGradients(layer, params, x, graphs, weights);
      const label = `${pattern.name} n=${n} d=${width} h=${heads}`;
      const forward = maxAbsDifference(sparse.output, dense.output);
      assert.ok(forward <= TOLERANCE, `${label}: forward differs by ${forward}`);
      sparse.gradients.forEach((gradient, i) => {
        const difference = maxAbsDifference(gradient, dense.gradients[i]);
        worst = Math.max(worst, difference);
        assert.ok(difference <= TOLERANCE, `${label}: gradient ${i} differs by ${difference}`);
      });
      // float64 reference, one batch item at a time
      for (let b = 0; b < 2; b++) {
        const item = tf.slice(x, [b, 0, 0], [1, n, width]);
        const reference = referenceOutput(layer, item, pattern);
        const slice = sparse.output.subarray(b * n * width, (b + 1) * n * width);
        const difference = maxAbsDifference(slice, reference);
        assert.ok(difference <= TOLERANCE, `${label}: reference differs by ${difference}`);
        item.dispose();
      }
      tf.dispose([x, weights]);
      params.dispose();
    }
  }
  assert.ok(worst > 0, "gradients were compared"); // guards against comparing empty arrays
  assert.equal(tf.memory().numTensors, before, "tensors leaked");
});

Deno.test("sparse vs dense-masked parity for sparsemax, 1.5-entmax and per-head patterns", () => {
  const n = 20;
  const width = 8;
  const schedule = strided({ n, c: 4 });
  const perHead = [schedule.patterns[0], schedule.patterns[1]].map(graphOfPattern);
  for (const rho of ["sparsemax", "entmax15", { alpha: 1.3 }] as RhoSpec[]) {
    const params = new ParameterSet(3);
    const layer = new MultiHeadAttention(params, "a", { width, heads: 2, impl: "sparse", rho });
    randomizeParameters(params, 17, 2);
    const x = randomTensor([1, n, width], 5);
    const weights = randomTensor([1, n, width], 6);
    const sparse = outputAndGradients(layer, params, x, perHead, weights);
    layer.impl = "dense";
    const dense = outputAndGradients(layer, params, x, perHead, weights);
    const label = JSON.stringify(rho);
    assert.ok(maxAbsDifference(sparse.output, dense.output) <= TOLERANCE, label);
    sparse.gradients.forEach((g, i) => {
      const difference = maxAbsDifference(g, dense.gradients[i]);
      assert.ok(difference <= TOLERANCE, `${label} gradient ${i}: ${difference}`);
    });
    tf.dispose([x, weights]);
    params.dispose();
  }
});

/** Σ R ⊙ core(q, k, v) in float64, for finite differences. */
function coreLoss(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  weights: Float64Array,
  spec: Parameters<typeof coreForward>[3],
): number {
  return coreForward(q, k, v, spec).out.reduce((sum, value, i) => sum + value * weights[i], 0);
}

Deno.test("float64 core gradients match central finite differences (softmax, entmax, sparsemax)", () => {
  const rng = seededRng(21);
  const n = 9;
  const heads = 2;
  const m = 3;
  const graph = graphOfPattern(buildPattern("bigbird", { n, w: 1, g: 1, r: 2 }).patterns[0]);
  const random = () => Float64Array.from({ length: n * heads * m }, () => 2 * rng.next() - 1);
  for (const alpha of [1, 1.5, 2]) {
    const spec = { batch: 1, heads, headSize: m, graphs: [graph, graph], alpha, scale: 0.7 };
    const [q, k, v, weights] = [random(), random(), random(), random()];
    const { probs } = coreForward(q, k, v, spec);
    const grads = coreBackward(q, k, v, probs, weights, spec);
    const step = 1e-6;
    for (
      const [name, input, gradient] of [["q", q, grads.dq], ["k", k, grads.dk], [
        "v",
        v,
        grads.dv,
      ]] as const
    ) {
      for (let i = 0; i < input.length; i++) {
        const saved = input[i];
        input[i] = saved + step;
        const plus = coreLoss(q, k, v, weights, spec);
        input[i] = saved - step;
        const minus = coreLoss(q, k, v, weights, spec);
        input[i] = saved;
        const numeric = (plus - minus) / (2 * step);
        // sparse maps are piecewise smooth: allow the rare kink crossed by ±step
        assert.ok(
          Math.abs(numeric - gradient[i]) < 1e-6,
          `α=${alpha} d${name}[${i}]: analytic ${gradient[i]} vs numeric ${numeric}`,
        );
      }
    }
  }
});

Deno.test("core: heads sharing one graph (long rows handled for all heads at once) equal per-head graphs", () => {
  const rng = seededRng(5);
  const heads = 3;
  const m = 4;
  // rows longer than the core's long-row threshold: star's relay query, longformer's globals
  for (const pattern of [star({ n: 150 }), buildPattern("longformer", { n: 140, w: 2, g: 2 })]) {
    const graph = graphOfPattern(pattern.patterns[0]);
    // equal copies are different graphs to the core: they take the per-head path
    const copies = Array.from({ length: heads }, () => ({
      ...graph,
      rowStart: graph.rowStart.slice(),
      keys: graph.keys.slice(),
    }));
    for (const alpha of [1, 1.5, 2]) {
      for (const batch of [1, 2]) {
        const length = batch * graph.numQueries * heads * m;
        const random = () => Float64Array.from({ length }, () => 2 * rng.next() - 1);
        const [q, k, v, weights] = [random(), random(), random(), random()];
        const common = { batch, heads, headSize: m, alpha, scale: 0.9 };
        const shared = { ...common, graphs: Array.from({ length: heads }, () => graph) };
        const separate = { ...common, graphs: copies };
        const a = coreForward(q, k, v, shared);
        const b = coreForward(q, k, v, separate);
        assert.ok(maxAbsDifference(a.out, b.out) < 1e-12, `forward α=${alpha}`);
        assert.ok(maxAbsDifference(a.probs, b.probs) < 1e-12, `probabilities α=${alpha}`);
        const ga = coreBackward(q, k, v, a.probs, weights, shared);
        const gb = coreBackward(q, k, v, b.probs, weights, separate);
        for (const name of ["dq", "dk", "dv"] as const) {
          const difference = maxAbsDifference(ga[name], gb[name]);
          assert.ok(difference < 1e-12, `${pattern.name} α=${alpha} ${name}: ${difference}`);
        }
      }
    }
  }
});

Deno.test("tf layer gradient w.r.t. x matches finite differences of the float64 reference", () => {
  const n = 10;
  const width = 6;
  const pattern = slidingWindow({ n, w: 2 }).patterns[0];
  const params = new ParameterSet(4);
  const layer = new MultiHeadAttention(params, "a", { width, heads: 2, impl: "sparse" });
  randomizeParameters(params, 8);
  const x = randomTensor([1, n, width], 9);
  const weights = Float64Array.from(randomTensor([1, n, width], 10).dataSync());
  const graph = graphOfPattern(pattern);
  const tfGradient = tf.grad((input: tf.Tensor) =>
    tf.sum(
      tf.mul(
        layer.apply(input as tf.Tensor3D, [graph, graph]),
        tf.tensor(Float32Array.from(weights), x.shape),
      ),
    )
  )(x).dataSync();
  const { heads } = layer.referenceHeads();
  const x64 = Float64Array.from(x.dataSync());
  const loss = () =>
    sparseAttentionLayer(x64, n, width, pattern, heads, "softmax", { residual: false })
      .reduce((sum, value, i) => sum + value * weights[i], 0);
  const step = 1e-6;
  for (let i = 0; i < x64.length; i++) {
    const saved = x64[i];
    x64[i] = saved + step;
    const plus = loss();
    x64[i] = saved - step;
    const minus = loss();
    x64[i] = saved;
    const numeric = (plus - minus) / (2 * step);
    assert.ok(
      Math.abs(numeric - tfGradient[i]) <= TOLERANCE,
      `dx[${i}]: ${tfGradient[i]} vs ${numeric}`,
    );
  }
  params.dispose();
});

Deno.test("tf probability maps: forward equals the float64 maps; hardmax refuses a gradient", () => {
  const scores = tf.tensor2d([[0.5, 0, -1], [3, 2.5, -4]]);
  const sparse = tfProbabilityMap("sparsemax")(scores).arraySync() as number[][];
  assert.ok(maxAbsDifference(sparse[0], [0.75, 0.25, 0]) < 1e-7);
  assert.ok(maxAbsDifference(sparse[1], [0.75, 0.25, 0]) < 1e-7);
  const hard = tfProbabilityMap("hardmax")(scores).arraySync() as number[][];
  assert.deepEqual(hard, [[1, 0, 0], [1, 0, 0]]);
  assert.throws(
    () => tf.grad((s: tf.Tensor) => tf.sum(tfProbabilityMap("hardmax")(s)))(scores),
    (error: unknown) => error instanceof InputError && /no gradient/.test(error.message),
  );
  scores.dispose();
});

Deno.test("encoder without LayerNorm equals the float64 reference network (X + E, cycled patterns)", () => {
  const n = 12;
  const width = 8;
  const schedule = strided({ n, c: 3 });
  for (const impl of ["sparse", "dense"] as const) {
    const model = new SparseEncoder({
      width,
      heads: 2,
      ffHidden: 10,
      layers: 3,
      pattern: schedule,
      impl,
      norm: "none",
      maxLength: n,
      input: { kind: "vectors" },
      bias: false,
      seed: 1,
    });
    randomizeParameters(model.params, 2);
    const x = randomTensor([1, n, width], 3);
    const output = model.apply(x).dataSync();
    const layers = model.stack.blocks.flatMap((block) => [
      { kind: "attention" as const, heads: block.attention.referenceHeads().heads },
      {
        kind: "feedforward" as const,
        weights: block.feedForward.referenceWeights(),
        activation: (z: number) => Math.max(0, z),
      },
    ]);
    const reference = runNetwork(Float64Array.from(x.dataSync()), n, width, layers, {
      schedule,
      positional: Float64Array.from(model.stack.positional.table.dataSync()),
    });
    const difference = maxAbsDifference(output, reference);
    assert.ok(difference <= TOLERANCE, `${impl}: ${difference}`);
    x.dispose();
    model.dispose();
  }
});

Deno.test("bad input to the tf layers throws InputError naming the parameter", () => {
  const params = new ParameterSet(0);
  assert.throws(
    () => new MultiHeadAttention(params, "a", { width: 10, heads: 3, impl: "sparse" }),
    (error: unknown) => error instanceof InputError && error.parameter === "heads",
  );
  assert.throws(
    () =>
      new MultiHeadAttention(params, "b", {
        width: 8,
        heads: 2,
        impl: "sparse",
        rho: "soft" as never,
      }),
    (error: unknown) => error instanceof InputError && error.parameter === "rho",
  );
  assert.throws(
    () => new MultiHeadAttention(params, "c", { width: 8, heads: 2, impl: "fast" as never }),
    (error: unknown) => error instanceof InputError && error.parameter === "impl",
  );
  const model = new SparseEncoder({
    width: 4,
    heads: 2,
    ffHidden: 4,
    layers: 1,
    pattern: slidingWindow({ n: 6, w: 1 }),
    impl: "sparse",
    norm: "pre",
    maxLength: 8,
    input: { kind: "vectors" },
  });
  const wrongLength = tf.zeros([1, 5, 4]);
  assert.throws(
    () => model.apply(wrongLength),
    (error: unknown) => error instanceof InputError && error.parameter === "pattern n",
  );
  const withNaN = tf.fill([1, 6, 4], Number.NaN);
  assert.throws(
    () => model.apply(withNaN),
    (error: unknown) => error instanceof InputError && error.parameter === "input",
  );
  tf.dispose([wrongLength, withNaN]);
  model.dispose();
  params.dispose();
});
