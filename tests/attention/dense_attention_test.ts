/**
 * Attention as matrix products (lib/attention/tf/heap_kernels/dense_attention.ts) against the
 * float64 JavaScript core: outputs and the gradients of every projection, for a complete
 * pattern, a causal one (a lane mask), per-head patterns of different fill, the fused q|k|v
 * and the q beside k|v layouts, odd sizes that leave SIMD tails; on the machine's BLAS and on
 * the WASM SIMD matmul. Which patterns take the products path, and that the op uses it.
 */
import assert from "node:assert/strict";
import { relativeError } from "./support.ts";
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import {
  attentionCore,
  type AttentionCoreConfig,
  type Projections,
  type SparseCoreKind,
} from "../../lib/attention/tf/attention_op.ts";
import {
  denseAttentionBackward,
  denseAttentionForward,
  denseAttentionSuits,
  emptyTensor,
  gathersCost,
  productsCost,
  rowTiles,
} from "../../lib/attention/tf/heap_kernels/mod.ts";
import {
  nativeBlasActive,
  setNativeBlas,
} from "../../lib/attention/tf/heap_kernels/native_blas.ts";
import {
  type AttentionGraph,
  completeGraph,
  fusedQkvLayout,
  graphOfPattern,
} from "../../lib/attention/sparse_kernel/mod.ts";
import { causalGraph } from "../../lib/attention/tf/layers.ts";
import { buildPattern } from "../../lib/pattern/zoo.ts";
import { seededRng } from "../../lib/util/random.ts";

await initTf();

const uniform = (length: number, seed: number) => {
  const rng = seededRng(seed);
  return Float32Array.from({ length }, () => 2 * rng.next() - 1);
};

/** The op's output and the gradients of its projections, with one core. */
function opRun(
  kind: SparseCoreKind,
  projections: Projections,
  config: AttentionCoreConfig,
  upstream: tf.Tensor3D,
): Float32Array[] {
  return tf.tidy(() => {
    const inputs = "qkv" in projections ? [projections.qkv] : [projections.q, projections.kv];
    const rebuild = (xs: tf.Tensor[]): Projections =>
      xs.length === 1
        ? { qkv: xs[0] as tf.Tensor3D }
        : { q: xs[0] as tf.Tensor3D, kv: xs[1] as tf.Tensor3D };
    const run = (...xs: tf.Tensor[]) =>
      attentionCore("sparse", rebuild(xs), { ...config, sparseCore: kind });
    const out = run(...inputs);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(run(...xs), upstream)))(inputs);
    return [out, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

/** A graph keeping about `share` of each row's keys (at least one), chosen by a seed. */
function randomGraph(n: number, share: number, seed: number): AttentionGraph {
  const rng = seededRng(seed);
  const rowStart = new Int32Array(n + 1);
  const keys: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: n }, (_, j) => j).filter((j) => j === i || rng.next() < share);
    keys.push(...row);
    rowStart[i + 1] = keys.length;
  }
  return { numQueries: n, numKeys: n, rowStart, keys: Int32Array.from(keys) };
}

interface Case {
  label: string;
  graphs: AttentionGraph[];
  projections: () => Projections;
  heads: number;
  headSize: number;
  batch: number;
}

function cases(): Case[] {
  const n = 23;
  const heads = 3;
  const headSize = 5; // width 15: every row of every product leaves a SIMD tail
  const batch = 2;
  const width = heads * headSize;
  const fused = () => ({
    qkv: tf.tensor3d(uniform(batch * n * 3 * width, 1), [batch, n, 3 * width]),
  });
  const complete = completeGraph(n, n);
  const causal = causalGraph(complete);
  const nq = 9;
  const cross = completeGraph(nq, n);
  return [
    {
      label: "complete, fused q|k|v",
      graphs: [complete, complete, complete],
      projections: fused,
      heads,
      headSize,
      batch,
    },
    {
      label: "causal, fused q|k|v",
      graphs: [causal, causal, causal],
      projections: fused,
      heads,
      headSize,
      batch,
    },
    {
      label: "per-head graphs of different fill",
      graphs: [complete, causal, randomGraph(n, 0.6, 3)],
      projections: fused,
      heads,
      headSize,
      batch,
    },
    {
      label: "cross-attention, queries beside keys|values",
      graphs: [cross, cross, cross],
      projections: () => ({
        q: tf.tensor3d(uniform(batch * nq * width, 4), [batch, nq, width]),
        kv: tf.tensor3d(uniform(batch * n * 2 * width, 5), [batch, n, 2 * width]),
      }),
      heads,
      headSize,
      batch,
    },
    {
      // long enough for a causal head to be cut into row tiles beside a whole complete one:
      // gradients of keys several tiles reach are summed
      label: "row tiles (causal, n 128) beside one tile (complete)",
      graphs: [causalGraph(completeGraph(128, 128)), completeGraph(128, 128)],
      projections: () => ({ qkv: tf.tensor3d(uniform(128 * 3 * 10, 7), [1, 128, 30]) }),
      heads: 2,
      headSize: 5,
      batch: 1,
    },
  ];
}

function checkEveryCase(path: string) {
  for (const c of cases()) {
    const config: AttentionCoreConfig = {
      heads: c.heads,
      headSize: c.headSize,
      graphs: c.graphs,
      rho: "softmax",
      scale: 1 / Math.sqrt(c.headSize),
    };
    const spec = {
      batch: c.batch,
      heads: c.heads,
      headSize: c.headSize,
      graphs: c.graphs,
      alpha: 1,
      scale: config.scale,
    };
    assert.ok(denseAttentionSuits(spec), `${c.label}: takes the products path`);
    if (c.graphs[0].numQueries === 128) assert.equal(rowTiles(c.graphs[0]).length, 4);
    const projections = c.projections();
    const queries = "qkv" in projections ? projections.qkv : projections.q;
    const shape: [number, number, number] = [c.batch, queries.shape[1], c.heads * c.headSize];
    const upstream = tf.tensor3d(uniform(shape[0] * shape[1] * shape[2], 6), shape);
    const reference = opRun("js", projections, config, upstream);
    const products = opRun("simd", projections, config, upstream);
    reference.forEach((want, i) => {
      const error = relativeError(products[i], want);
      assert.ok(
        error < 2e-6,
        `${path}, ${c.label}, ${i === 0 ? "output" : `gradient ${i}`}: ${error}`,
      );
    });
    // rounding differs from float64 (the comparison is not of one path with itself)
    assert.ok(reference.some((want, i) => want.some((x, j) => x !== products[i][j])), c.label);
    tf.dispose([upstream, ...Object.values(projections)]);
  }
}

Deno.test("attention as products on the WASM SIMD matmul matches the float64 core", () => {
  const setting = setNativeBlas(false);
  try {
    checkEveryCase("wasm");
  } finally {
    setNativeBlas(setting);
  }
});

Deno.test({
  name: "attention as products on the machine's BLAS matches the float64 core",
  ignore: !nativeBlasActive(),
  fn: () => checkEveryCase("native"),
});

Deno.test("the products path is taken where its modelled cost is lower, and for softmax only", () => {
  const spec = (graphs: AttentionGraph[], alpha = 1) => ({
    batch: 1,
    heads: graphs.length,
    headSize: 4,
    graphs,
    alpha,
    scale: 1,
  });
  const n = 128;
  const complete = completeGraph(n, n);
  assert.ok(denseAttentionSuits(spec([complete])));
  assert.ok(denseAttentionSuits(spec([causalGraph(complete)])));
  assert.ok(!denseAttentionSuits(spec([complete], 2)), "sparsemax stays on the sparse core");
  // a causal pattern is cheaper cut into tiles than as its whole square
  assert.ok(productsCost(causalGraph(complete)) < productsCost(complete));
  const window = graphOfPattern(buildPattern("window", { n, w: 2 }).patterns[0]);
  assert.ok(gathersCost(window) < productsCost(window));
  assert.ok(!denseAttentionSuits(spec([window])));
  assert.ok(!denseAttentionSuits(spec([complete, window])), "every head must be cheaper");
  // the products' fixed cost weighs more at small n: half-filled, they win at 128, not at 16
  const half = (size: number) => randomGraph(size, 0.5, 11);
  assert.ok(denseAttentionSuits(spec([half(128)])));
  assert.ok(!denseAttentionSuits(spec([half(16)])));
  assert.ok(denseAttentionSuits(spec([completeGraph(16, 16)])));
});
Deno.test("a causal pattern is cut into row tiles; within them, probabilities are 0 where the pattern has no connection and rows sum to 1", () => {
  const n = 128;
  const graph = causalGraph(completeGraph(n, n));
  const tiles = rowTiles(graph);
  // four bands of rows, each reaching the keys up to its last row
  assert.deepEqual(tiles.map((t) => [t.row0, t.rows, t.lo, t.span]), [
    [0, 32, 0, 32],
    [32, 32, 0, 64],
    [64, 32, 0, 96],
    [96, 32, 0, 128],
  ]);
  assert.equal(rowTiles(completeGraph(n, n)).length, 1, "a complete pattern is one tile");
  assert.equal(rowTiles(causalGraph(completeGraph(13, 13))).length, 1, "too small to pay");
  const spec = { batch: 1, heads: 1, headSize: 4, graphs: [graph], alpha: 1, scale: 0.5 };
  const qkv = tf.tensor3d(uniform(n * 12, 9), [1, n, 12]);
  const { out, probs } = denseAttentionForward(qkv, qkv, qkv, fusedQkvLayout(4), spec);
  const p = probs.dataSync();
  for (const { row0, rows, span } of tiles) {
    for (let i = row0; i < row0 + rows; i++) {
      let sum = 0;
      for (let j = 0; j < span; j++) {
        if (j > i) assert.equal(p[i * n + j], 0, `p[${i}][${j}]`);
        sum += p[i * n + j];
      }
      assert.ok(Math.abs(sum - 1) < 1e-6, `row ${i} sums to ${sum}`);
    }
  }
  // the first query sees only itself: its output is its own value
  const values = qkv.dataSync().slice(8, 12);
  assert.deepEqual(Array.from(out.dataSync().slice(0, 4)), Array.from(values));
  tf.dispose([qkv, out, probs]);
});

Deno.test("bad calls are refused with the parameter named", () => {
  const n = 6;
  const graph = completeGraph(n, n);
  const spec = { batch: 1, heads: 1, headSize: 2, graphs: [graph], alpha: 1, scale: 1 };
  const qkv = tf.tensor3d(uniform(n * 6, 2), [1, n, 6]);
  const layout = fusedQkvLayout(2);
  assert.throws(
    () => denseAttentionForward(qkv, qkv, qkv, layout, { ...spec, alpha: 2 }),
    /alpha/,
  );
  const { out, probs } = denseAttentionForward(qkv, qkv, qkv, layout, spec);
  const grad = emptyTensor(qkv.shape);
  const short = tf.zeros([n]);
  assert.throws(
    () =>
      denseAttentionBackward(qkv, qkv, qkv, layout, short, out, spec, {
        dq: grad,
        dk: grad,
        dv: grad,
      }),
    /probs\.size/,
  );
  assert.throws(
    () =>
      denseAttentionBackward(qkv, qkv, qkv, layout, probs, short, spec, {
        dq: grad,
        dk: grad,
        dv: grad,
      }),
    /dOut\.size/,
  );
  tf.dispose([qkv, out, probs, grad, short]);
});
