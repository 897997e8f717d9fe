import assert from "node:assert/strict";
import { assertClose } from "./support.ts";
import {
  blockLayers,
  feedForwardLayer,
  type FeedForwardWeights,
  type HeadWeights,
  type LayerSpec,
  relu,
  runNetwork,
  sparseAttentionLayer,
  sparseTransformer,
} from "../../lib/attention/reference.ts";
import { softmax } from "../../lib/attention/probability_maps.ts";
import { SparsityPattern } from "../../lib/pattern/pattern.ts";
import { dense, random, slidingWindow, strided } from "../../lib/pattern/zoo.ts";
import { InputError } from "../../lib/util/errors.ts";
import { seededRng } from "../../lib/util/random.ts";

const f64 = (...values: number[]) => Float64Array.from(values);

/** A 1×1 head (d = m = 1): every weight a scalar. */
function scalarHead(wq: number, wk: number, wv: number, wo: number, bq?: number): HeadWeights {
  return {
    m: 1,
    wq: f64(wq),
    wk: f64(wk),
    wv: f64(wv),
    wo: f64(wo),
    bq: bq === undefined ? undefined : f64(bq),
  };
}

function randomHead(d: number, m: number, seed: number): HeadWeights {
  const rng = seededRng(seed);
  const matrix = (size: number) => Float64Array.from({ length: size }, () => rng.next() - 0.5);
  return {
    m,
    wq: matrix(m * d),
    bq: matrix(m),
    wk: matrix(m * d),
    bk: matrix(m),
    wv: matrix(m * d),
    bv: matrix(m),
    wo: matrix(d * m),
  };
}

function randomFeedForward(d: number, r: number, seed: number): FeedForwardWeights {
  const rng = seededRng(seed);
  const matrix = (size: number) => Float64Array.from({ length: size }, () => rng.next() - 0.5);
  return { r, w1: matrix(r * d), b1: matrix(r), w2: matrix(d * r), b2: matrix(d) };
}

const window3 = slidingWindow({ n: 3, w: 1 }).patterns[0];

Deno.test("hardmax head on a window picks each neighbourhood's largest value (by hand)", () => {
  // x = (1, 2, 3), q = k = v = x: token k's scores are x_k·x_j, so hardmax selects max_{A_k} x.
  const out = sparseAttentionLayer(
    f64(1, 2, 3),
    3,
    1,
    window3,
    [scalarHead(1, 1, 1, 1)],
    "hardmax",
  );
  assert.deepEqual(Array.from(out), [1 + 2, 2 + 3, 3 + 3]);
  // A negative query selects the minimum instead (the selective shift's mechanism).
  const low = sparseAttentionLayer(
    f64(1, 2, 3),
    3,
    1,
    window3,
    [scalarHead(1, 1, 1, 1, -10)],
    "hardmax",
  );
  assert.deepEqual(Array.from(low), [1 + 1, 2 + 1, 3 + 2]);
});

Deno.test("two heads with opposite W_O cancel, and residual: false drops X", () => {
  const heads = [scalarHead(1, 1, 1, 2), scalarHead(1, 1, 1, -2)];
  assert.deepEqual(
    Array.from(sparseAttentionLayer(f64(1, 2, 3), 3, 1, window3, heads, "softmax")),
    [1, 2, 3],
  );
  const noResidual = sparseAttentionLayer(f64(1, 2, 3), 3, 1, window3, [heads[0]], "hardmax", {
    residual: false,
  });
  assert.deepEqual(Array.from(noResidual), [4, 6, 6]);
});

Deno.test("softmax head with biases, d = 2, m = 1 (by hand)", () => {
  // x_0 = (0, 5), x_1 = (1, 7); q = 0·x + 1 (bias), k = x[0], v = x[0]; W_O = (1, 1)^T.
  const head: HeadWeights = {
    m: 1,
    wq: f64(0, 0),
    bq: f64(1),
    wk: f64(1, 0),
    wv: f64(1, 0),
    wo: f64(1, 1),
  };
  const x = f64(0, 5, 1, 7);
  const pattern = dense({ n: 2 }).patterns[0];
  const out = sparseAttentionLayer(x, 2, 2, pattern, [head], "softmax");
  const mixed = Math.E / (1 + Math.E); // scores (0, 1) → p = (1, e)/(1 + e); values (0, 1)
  assertClose(out, [mixed, 5 + mixed, 1 + mixed, 7 + mixed]);
});

Deno.test("onScores sees A_k, raw scores and probabilities", () => {
  const seen: { head: number; k: number; keys: number[]; probs: number[] }[] = [];
  sparseAttentionLayer(f64(1, 2, 3), 3, 1, window3, [scalarHead(1, 1, 1, 1)], "hardmax", {
    onScores: (head, k, keys, scores, probs) => {
      assert.equal(scores.length, keys.length);
      seen.push({ head, k, keys: Array.from(keys), probs: Array.from(probs) });
    },
  });
  assert.deepEqual(seen.map((s) => s.keys), [[0, 1], [0, 1, 2], [1, 2]]);
  assert.deepEqual(seen[1].probs, [0, 0, 1]);
});

/** Independent formulation: full n×n score matrix, −∞ outside the mask, row softmax. */
function denseMaskedAttention(
  x: Float64Array,
  n: number,
  d: number,
  pattern: SparsityPattern,
  heads: HeadWeights[],
): Float64Array {
  const mask = pattern.toDenseMask();
  const out = Float64Array.from(x);
  for (const head of heads) {
    const { m } = head;
    const project = (w: Float64Array, b: Float64Array | undefined) =>
      Float64Array.from({ length: n * m }, (_, index) => {
        const token = Math.floor(index / m);
        const row = index % m;
        let sum = b?.[row] ?? 0;
        for (let c = 0; c < d; c++) sum += w[row * d + c] * x[token * d + c];
        return sum;
      });
    const q = project(head.wq, head.bq);
    const k = project(head.wk, head.bk);
    const v = project(head.wv, head.bv);
    for (let query = 0; query < n; query++) {
      const scores = new Float64Array(n).fill(-Infinity);
      for (let key = 0; key < n; key++) {
        if (!mask[query * n + key]) continue;
        scores[key] = 0;
        for (let c = 0; c < m; c++) scores[key] += q[query * m + c] * k[key * m + c];
      }
      const max = Math.max(...scores);
      const weights = scores.map((s) => Math.exp(s - max));
      const total = weights.reduce((a, b) => a + b, 0);
      for (let row = 0; row < d; row++) {
        for (let key = 0; key < n; key++) {
          let headValue = 0;
          for (let c = 0; c < m; c++) headValue += head.wo[row * m + c] * v[key * m + c];
          out[query * d + row] += (weights[key] / total) * headValue;
        }
      }
    }
  }
  return out;
}

Deno.test("sparse layer equals a dense −∞-masked softmax layer on random patterns", () => {
  const rng = seededRng(11);
  for (const [n, d, m, heads] of [[5, 3, 2, 1], [9, 4, 2, 3], [16, 6, 3, 2]]) {
    const pattern = random({ n, sparsity: 0.6, seed: n }).patterns[0];
    const weights = Array.from({ length: heads }, (_, i) => randomHead(d, m, 100 * n + i));
    const x = Float64Array.from({ length: n * d }, () => 2 * rng.next() - 1);
    assertClose(
      sparseAttentionLayer(x, n, d, pattern, weights, "softmax"),
      denseMaskedAttention(x, n, d, pattern, weights),
      1e-12,
    );
  }
});

Deno.test("dense attention is permutation-equivariant: f(XP) = f(X)P", () => {
  const n = 6;
  const d = 3;
  const rng = seededRng(5);
  const x = Float64Array.from({ length: n * d }, () => rng.next());
  const heads = [randomHead(d, 2, 1), randomHead(d, 2, 2)];
  const pattern = dense({ n }).patterns[0];
  const permutation = [3, 0, 5, 1, 4, 2];
  const permute = (y: Float64Array) =>
    Float64Array.from({ length: n * d }, (_, i) => y[permutation[Math.floor(i / d)] * d + (i % d)]);
  assertClose(
    sparseAttentionLayer(permute(x), n, d, pattern, heads, "softmax"),
    permute(sparseAttentionLayer(x, n, d, pattern, heads, "softmax")),
    1e-12,
  );
});

Deno.test("feed-forward layer by hand: X + W2 relu(W1 X + b1) + b2", () => {
  const weights: FeedForwardWeights = { r: 1, w1: f64(1), b1: f64(-1), w2: f64(2), b2: f64(0.5) };
  assert.deepEqual(Array.from(feedForwardLayer(f64(0, 3), 2, 1, weights, relu)), [0.5, 7.5]);
  assert.deepEqual(
    Array.from(feedForwardLayer(f64(0, 3), 2, 1, weights, relu, { residual: false })),
    [0.5, 4.5],
  );
});

Deno.test("network: positional embedding, patterns cycled over attention layers", () => {
  const n = 6;
  const schedule = strided({ n, c: 2 });
  const head = scalarHead(0, 0, 0, 0);
  const keysSeen: number[][][] = [[], [], []];
  const feedForward = randomFeedForward(1, 2, 1);
  const layers: LayerSpec[] = [
    { kind: "attention", heads: [head] },
    { kind: "feedforward", weights: feedForward, activation: relu },
    { kind: "attention", heads: [head] },
    { kind: "attention", heads: [head] },
  ];
  const outputs: number[] = [];
  const out = runNetwork(f64(0, 0, 0, 0, 0, 0), n, 1, layers, {
    schedule,
    positional: f64(1, 2, 3, 4, 5, 6),
    onScores: (layer, _head, k, keys) => {
      if (k === 0) keysSeen[layer === 0 ? 0 : layer - 1].push(Array.from(keys));
    },
    onLayer: (index) => outputs.push(index),
  });
  assert.deepEqual(outputs, [0, 1, 2, 3]);
  // attention layers 0, 1, 2 use patterns 0, 1, 0 (local, stride, local)
  assert.deepEqual(keysSeen[0][0], Array.from(schedule.patterns[0].row(0)));
  assert.deepEqual(keysSeen[1][0], Array.from(schedule.patterns[1].row(0)));
  assert.deepEqual(keysSeen[2][0], Array.from(schedule.patterns[0].row(0)));
  // zero-weight attention is the identity, so out = FF(X + E)
  const ff = feedForwardLayer(f64(1, 2, 3, 4, 5, 6), n, 1, feedForward, relu);
  assertClose(out, ff);
});

Deno.test("sparseTransformer equals block-by-block evaluation", () => {
  const n = 8;
  const d = 4;
  const rng = seededRng(9);
  const schedule = strided({ n, c: 3 });
  const blocks = [0, 1, 2].map((i) => ({
    heads: [randomHead(d, 2, 10 + i), randomHead(d, 2, 20 + i)],
    feedForward: randomFeedForward(d, 5, 30 + i),
  }));
  const x = Float64Array.from({ length: n * d }, () => rng.next());
  let expected: Float64Array = x;
  blocks.forEach((block, l) => {
    const pattern = schedule.patternAt(l);
    expected = sparseAttentionLayer(expected, n, d, pattern, block.heads, softmax);
    expected = feedForwardLayer(expected, n, d, block.feedForward, relu);
  });
  assertClose(sparseTransformer(x, n, d, blocks, { schedule }), expected, 1e-12);
  assert.equal(blockLayers(blocks).length, 6);
});

function assertInputError(run: () => unknown, parameter: string | RegExp) {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected InputError, got ${error}`);
    if (typeof parameter === "string") assert.equal(error.parameter, parameter);
    else assert.match(error.parameter, parameter);
    return true;
  });
}

Deno.test("bad input throws InputError naming the parameter and value", () => {
  const head = scalarHead(1, 1, 1, 1);
  const x = f64(1, 2, 3);
  assertInputError(
    () =>
      sparseAttentionLayer(x, 3, 1, slidingWindow({ n: 4, w: 1 }).patterns[0], [head], "softmax"),
    "pattern.n",
  );
  assertInputError(
    () => sparseAttentionLayer(f64(1, Number.NaN, 3), 3, 1, window3, [head], "softmax"),
    "x[token 1, dim 0]",
  );
  assertInputError(
    () => sparseAttentionLayer(f64(1, 2, Infinity), 3, 1, window3, [head], "softmax"),
    "x[token 2, dim 0]",
  );
  assertInputError(() => sparseAttentionLayer(x, 3, 1, window3, [head], "nope" as never), "rho");
  assertInputError(
    () => sparseAttentionLayer(x, 3, 1, window3, [{ ...head, wo: f64(1, 2) }], "softmax"),
    "heads[0].wo.length",
  );
  assertInputError(() => sparseAttentionLayer(x, 4, 1, window3, [head], "softmax"), "x.length");
  assertInputError(
    () =>
      runNetwork(x, 3, 1, [
        { kind: "attention", heads: [head], pattern: window3 },
        { kind: "feedforward", weights: randomFeedForward(2, 2, 0), activation: relu },
      ]),
    "layers[1].weights.w1.length",
  );
  assertInputError(() => runNetwork(x, 3, 1, [{ kind: "attention", heads: [head] }]), /pattern/);
  const message = (() => {
    try {
      sparseAttentionLayer(f64(1, Number.NaN, 3), 3, 1, window3, [head], "softmax");
    } catch (error) {
      return (error as Error).message;
    }
  })();
  assert.match(message!, /NaN/);
});
