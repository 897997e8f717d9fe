/**
 * The float32 SIMD sparse core (lib/attention/sparse_kernel/simd/) against the float64 core it
 * reimplements, and its committed binary against its source.
 *
 * Tolerances: both cores read the same float32 inputs; the SIMD core rounds every product and
 * sum to float32 (unit roundoff u = 2⁻²⁴ ≈ 6e-8). A dot product or weighted sum of L terms is
 * off by at most about L·u times the sum of the magnitudes, in practice √L·u: measured errors
 * are ≈ 1e-7 of the largest entry at these sizes (rows of up to 67 keys, m ≤ 12). The tests
 * allow 1e-5 of the largest reference entry for outputs and gradients (probabilities: 1e-6
 * absolute, as they lie in [0, 1]), room for longer sums while far below any real mistake: a
 * wrong key, head or stride moves entries by O(1) of that scale.
 */
import assert from "node:assert/strict";
import {
  type AttentionGraph,
  compactLayout,
  coreBackward,
  coreBackwardInto,
  coreForward,
  coreForwardInto,
  coreProbabilityCount,
  type CoreSpec,
  fusedQkvLayout,
  graphOfPattern,
  queryKeyValueLayout,
} from "../../lib/attention/sparse_kernel/mod.ts";
import {
  simdCoreBackward,
  simdCoreBackwardInto,
  simdCoreForward,
  simdCoreForwardInto,
  simdSupports,
} from "../../lib/attention/sparse_kernel/simd/mod.ts";
import { LONG_ROW } from "../../lib/attention/sparse_kernel/long_rows.ts";
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import {
  attentionCore,
  type AttentionCoreConfig,
  type Projections,
  setDefaultSparseCore,
  type SparseCoreKind,
} from "../../lib/attention/tf/attention_op.ts";
import {
  sparseAttentionBackward,
  sparseAttentionForward,
} from "../../lib/attention/tf/heap_kernels/mod.ts";
import { causalGraph } from "../../lib/attention/tf/layers.ts";
import { buildPattern } from "../../lib/pattern/zoo.ts";
import { seededRng } from "../../lib/util/random.ts";
import { sha256 } from "../../lib/util/system.ts";
import { InputError } from "../../lib/util/errors.ts";
import { buildModule, manifestText, SPARSE_CORE } from "../../tools/build_wasm.ts";

await initTf();

const ZOO_CASES: [string, Record<string, number>][] = [
  ["window", { w: 2 }],
  ["strided", { c: 5 }],
  ["strided-causal", { c: 5 }],
  ["fixed", { c: 5 }],
  ["fixed-causal", { c: 5 }],
  ["star", {}],
  ["window-relay", { w: 2 }],
  ["longformer", { w: 2, g: 2 }],
  ["bigbird", { w: 1, g: 1, r: 3 }],
  ["random", { sparsity: 0.7, seed: 3 }],
  ["dense", {}],
];

function uniform(length: number, seed: number): Float32Array {
  const rng = seededRng(seed);
  return Float32Array.from({ length }, () => 2 * rng.next() - 1);
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/** Asserts |actual − expected| ≤ tolerance · max(1, max|expected|), naming the first bad entry. */
function assertNear(
  label: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = 1e-5,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const bound = tolerance * Math.max(1, maxAbs(expected));
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      throw new Error(`${label}[${i}]: ${actual[i]} vs ${expected[i]} (bound ${bound})`);
    }
  }
}

/** Matches an InputError whose message names `parameter`. */
function refusal(parameter: string) {
  return (error: unknown) => error instanceof InputError && error.message.includes(parameter);
}

function specOf(graphs: AttentionGraph[], batch: number, headSize: number): CoreSpec {
  return {
    batch,
    heads: graphs.length,
    headSize,
    graphs,
    alpha: 1,
    scale: 1 / Math.sqrt(headSize),
  };
}

/** Forward and backward of both cores on compact arrays, compared entry by entry. */
function checkCompact(label: string, spec: CoreSpec, seed: number): void {
  const { batch, heads, headSize } = spec;
  const { numQueries, numKeys } = spec.graphs[0];
  const width = heads * headSize;
  const q = uniform(batch * numQueries * width, seed);
  const k = uniform(batch * numKeys * width, seed + 1);
  const v = uniform(batch * numKeys * width, seed + 2);
  const dOut = uniform(batch * numQueries * width, seed + 3);
  const reference = coreForward(q, k, v, spec);
  const simd = simdCoreForward(q, k, v, spec);
  assertNear(`${label} out`, simd.out, reference.out);
  assertNear(`${label} probs`, simd.probs, reference.probs, 1e-6);
  const expected = coreBackward(q, k, v, reference.probs, dOut, spec);
  const got = simdCoreBackward(q, k, v, simd.probs, dOut, spec);
  assertNear(`${label} dq`, got.dq, expected.dq);
  assertNear(`${label} dk`, got.dk, expected.dk);
  assertNear(`${label} dv`, got.dv, expected.dv);
  assert(maxAbs(expected.dk) > 0.01, `${label}: the key gradients are not all ≈ 0`);
}

Deno.test("the committed core.wasm is what its source compiles to", async () => {
  const manifest = Deno.readTextFileSync(SPARSE_CORE.manifestPath);
  assert.equal(
    JSON.parse(manifest).sourceSha256,
    sha256(Deno.readTextFileSync(SPARSE_CORE.sourcePath)),
  );
  const committed = Deno.readFileSync(SPARSE_CORE.wasmPath);
  assert.equal(JSON.parse(manifest).wasmSha256, sha256(committed));
  const fresh = await buildModule(SPARSE_CORE);
  assert.equal(manifestText(fresh.manifest), manifest);
  assert.deepEqual(new Uint8Array(fresh.wasm), committed);
});

Deno.test("SIMD core matches the float64 core on every zoo pattern, heads sharing one graph", () => {
  for (const [name, params] of ZOO_CASES) {
    for (const n of [13, 67]) {
      const schedule = buildPattern(name, { n, ...params });
      schedule.patterns.forEach((pattern, p) => {
        const graph = graphOfPattern(pattern);
        for (const headSize of [8, 5]) {
          const spec = specOf([graph, graph, graph], 2, headSize);
          checkCompact(`${name} n=${n} pattern ${p} m=${headSize}`, spec, 10 * n + headSize);
        }
      });
    }
  }
});

Deno.test("SIMD core covers the star's relay row, longer than the float64 core's long-row limit", () => {
  const n = 2 * LONG_ROW + 3;
  const graph = graphOfPattern(buildPattern("star", { n }).patterns[0]);
  let longest = 0;
  for (let i = 0; i < n; i++) {
    longest = Math.max(longest, graph.rowStart[i + 1] - graph.rowStart[i]);
  }
  assert.equal(longest, n); // the relay token attends to every token
  checkCompact("star relay", specOf([graph, graph, graph, graph], 2, 12), 5);
});

Deno.test("SIMD core matches the float64 core when each head has its own graph", () => {
  for (const n of [13, 67]) {
    const strided = buildPattern("strided", { n, c: 4 }).patterns.map(graphOfPattern);
    const star = graphOfPattern(buildPattern("star", { n }).patterns[0]);
    const causal = graphOfPattern(buildPattern("fixed-causal", { n, c: 4 }).patterns[0]);
    for (const headSize of [4, 7]) {
      const spec = specOf([strided[0], strided[1], star, causal], 3, headSize);
      checkCompact(`per-head n=${n} m=${headSize}`, spec, n + headSize);
    }
  }
});

Deno.test("SIMD core reads a fused q|k|v array in place and writes one fused gradient", () => {
  const n = 29;
  const heads = 2;
  const graph = graphOfPattern(buildPattern("strided", { n, c: 5 }).patterns[1]);
  const spec = specOf([graph, graph], 3, 6);
  const width = heads * spec.headSize;
  const layout = fusedQkvLayout(width);
  const qkv = uniform(spec.batch * n * 3 * width, 1);
  const dOut = uniform(spec.batch * n * width, 2);
  const out64 = new Float32Array(dOut.length);
  const probs64 = new Float64Array(coreProbabilityCount(spec));
  coreForwardInto(qkv, qkv, qkv, layout, spec, out64, probs64);
  const out32 = new Float32Array(dOut.length);
  const probs32 = new Float32Array(probs64.length);
  simdCoreForwardInto(qkv, qkv, qkv, layout, spec, out32, probs32);
  assertNear("fused out", out32, out64);
  assertNear("fused probs", probs32, probs64, 1e-6);
  const grad64 = new Float32Array(qkv.length);
  coreBackwardInto(qkv, qkv, qkv, layout, probs64, dOut, spec, {
    dq: grad64,
    dk: grad64,
    dv: grad64,
  });
  const grad32 = new Float32Array(qkv.length).fill(Number.NaN);
  simdCoreBackwardInto(qkv, qkv, qkv, layout, probs32, dOut, spec, {
    dq: grad32,
    dk: grad32,
    dv: grad32,
  });
  assertNear("fused gradient", grad32, grad64);
});

Deno.test("SIMD core refuses what it cannot compute, naming the parameter", () => {
  const graph = graphOfPattern(buildPattern("window", { n: 8, w: 1 }).patterns[0]);
  const spec = specOf([graph], 1, 4);
  const x = uniform(32, 1);
  assert(simdSupports(spec));
  const sparsemax = { ...spec, alpha: 2 };
  assert(!simdSupports(sparsemax));
  assert.throws(() => simdCoreForward(x, x, x, sparsemax), refusal("alpha"));
  assert.throws(() => simdCoreForward(new Float64Array(32) as never, x, x, spec), refusal("q"));
  assert.throws(() => simdCoreForward(x, x, x.subarray(0, 31), spec), refusal("v.length"));
  // dk and dv accumulate in place: one array for both at the same columns is refused
  const { probs } = simdCoreForward(x, x, x, spec);
  const shared = new Float32Array(32);
  const targets = { dq: new Float32Array(32), dk: shared, dv: shared };
  const layout = compactLayout(spec);
  assert.throws(
    () => simdCoreBackwardInto(x, x, x, layout, probs, x, spec, targets),
    refusal("dk and dv"),
  );
});

/** The op's output and its gradients with respect to every projection, for one sparse core. */
function opRun(
  kind: SparseCoreKind | undefined,
  projections: Projections,
  config: AttentionCoreConfig,
  upstream: tf.Tensor3D,
): Float32Array[] {
  return tf.tidy(() => {
    const inputs = "qkv" in projections ? [projections.qkv] : [projections.q, projections.kv];
    const rebuild = (xs: tf.Tensor3D[]): Projections =>
      xs.length === 1 ? { qkv: xs[0] } : { q: xs[0], kv: xs[1] };
    const run = (...xs: tf.Tensor[]) =>
      attentionCore("sparse", rebuild(xs as tf.Tensor3D[]), { ...config, sparseCore: kind });
    const out = run(...inputs);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(run(...xs), upstream)))(inputs);
    return [out, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

Deno.test("the TF.js op gives the same outputs and gradients with the SIMD and the JS core", () => {
  const n = 37;
  const heads = 3;
  const headSize = 6;
  const width = heads * headSize;
  const batch = 2;
  const strided = buildPattern("strided", { n, c: 6 }).patterns.map(graphOfPattern);
  const star = graphOfPattern(buildPattern("star", { n }).patterns[0]);
  const upstream = tf.tensor3d(uniform(batch * n * width, 7), [batch, n, width]);
  const qkv = tf.tensor3d(uniform(batch * n * 3 * width, 8), [batch, n, 3 * width]);
  const q = tf.tensor3d(uniform(batch * n * width, 9), [batch, n, width]);
  const kv = tf.tensor3d(uniform(batch * n * 2 * width, 10), [batch, n, 2 * width]);
  const cases: [string, readonly AttentionGraph[], Projections][] = [
    ["fused, one graph", [strided[0], strided[0], strided[0]], { qkv }],
    ["fused, per-head graphs", [strided[0], strided[1], star], { qkv }],
    ["queries and keys|values, star", [star, star, star], { q, kv }],
  ];
  for (const [label, graphs, projections] of cases) {
    const config: AttentionCoreConfig = {
      heads,
      headSize,
      graphs,
      rho: "softmax",
      scale: 1 / Math.sqrt(headSize),
    };
    const js = opRun("js", projections, config, upstream);
    const simd = opRun("simd", projections, config, upstream);
    js.forEach((expected, i) => assertNear(`${label} #${i}`, simd[i], expected));
    // the default is the SIMD core: bit for bit what "simd" gives
    opRun(undefined, projections, config, upstream).forEach((got, i) =>
      assert.deepEqual(got, simd[i], `${label} default #${i}`)
    );
    // and it differs from the float64 core by rounding only, not by nothing
    assert(js.some((expected, i) => expected.some((x, j) => x !== simd[i][j])), label);
  }
  tf.dispose([upstream, qkv, q, kv]);
});

Deno.test("the TF.js op falls back to the JS core for maps other than softmax", () => {
  const n = 21;
  const graph = graphOfPattern(buildPattern("window", { n, w: 3 }).patterns[0]);
  const qkv = tf.tensor3d(uniform(n * 3 * 8, 11), [1, n, 24]);
  const upstream = tf.tensor3d(uniform(n * 8, 12), [1, n, 8]);
  const config: AttentionCoreConfig = {
    heads: 2,
    headSize: 4,
    graphs: [graph, graph],
    rho: "sparsemax",
    scale: 1,
  };
  const js = opRun("js", { qkv }, config, upstream);
  const simd = opRun("simd", { qkv }, config, upstream);
  js.forEach((expected, i) => assert.deepEqual(simd[i], expected));
  tf.dispose([qkv, upstream]);
});

Deno.test("setDefaultSparseCore switches the default and refuses an unknown core", () => {
  const previous = setDefaultSparseCore("js");
  try {
    assert.equal(previous, "simd");
    assert.equal(setDefaultSparseCore("simd"), "js");
    assert.throws(() => setDefaultSparseCore("gpu" as SparseCoreKind), refusal("sparseCore"));
  } finally {
    setDefaultSparseCore(previous);
  }
});

Deno.test("the core on the tfjs heap equals the SIMD core bit for bit (fused q|k|v and q with k|v)", () => {
  const n = 80; // star's relay row is longer than LONG_ROW: the all-heads path runs too
  assert.ok(n - 1 > LONG_ROW);
  for (
    const [name, params] of [["star", {}], ["window", { w: 3 }], ["random", {
      sparsity: 0.6,
      seed: 1,
    }]] as const
  ) {
    const graph = graphOfPattern(buildPattern(name, { n, ...params }).patterns[0]);
    for (const shared of [true, false]) {
      const heads = 2;
      const graphs = shared ? [graph, graph] : [graph, causalGraph(graph)];
      const spec = specOf(graphs, 2, 8);
      const width = heads * 8;
      const label = `${name} ${shared ? "shared" : "per head"}`;
      // fused: one [batch, n, 3·width] array read through the q|k|v layout
      const qkv = uniform(2 * n * 3 * width, 40);
      const dOut = uniform(2 * n * width, 41);
      const layout = fusedQkvLayout(width);
      const out = new Float32Array(2 * n * width);
      const probs = new Float32Array(coreProbabilityCount(spec));
      simdCoreForwardInto(qkv, qkv, qkv, layout, spec, out, probs);
      const grad = new Float32Array(qkv.length);
      simdCoreBackwardInto(qkv, qkv, qkv, layout, probs, dOut, spec, {
        dq: grad,
        dk: grad,
        dv: grad,
      });
      const qkvT = tf.tensor(qkv, [2, n, 3 * width]);
      const dOutT = tf.tensor(dOut, [2, n, width]);
      const heap = sparseAttentionForward(qkvT, qkvT, qkvT, layout, spec);
      assert.deepEqual(heap.out.dataSync(), out, `${label}: out`);
      assert.deepEqual(heap.probs.dataSync(), probs, `${label}: probs`);
      const gradT = tf.zeros([2, n, 3 * width]);
      sparseAttentionBackward(qkvT, qkvT, qkvT, layout, heap.probs, dOutT, spec, {
        dq: gradT,
        dk: gradT,
        dv: gradT,
      });
      assert.deepEqual(gradT.dataSync(), grad, `${label}: dq|dk|dv`);
      // cross: queries in one array, keys and values side by side in another
      const cross = queryKeyValueLayout(width);
      const q = uniform(2 * n * width, 42);
      const kv = uniform(2 * n * 2 * width, 43);
      simdCoreForwardInto(q, kv, kv, cross, spec, out, probs);
      const dq = new Float32Array(q.length);
      const dkv = new Float32Array(kv.length);
      simdCoreBackwardInto(q, kv, kv, cross, probs, dOut, spec, { dq, dk: dkv, dv: dkv });
      const qT = tf.tensor(q, [2, n, width]);
      const kvT = tf.tensor(kv, [2, n, 2 * width]);
      const heapCross = sparseAttentionForward(qT, kvT, kvT, cross, spec);
      assert.deepEqual(heapCross.out.dataSync(), out, `${label}: cross out`);
      const dqT = tf.zeros([2, n, width]);
      const dkvT = tf.zeros([2, n, 2 * width]);
      sparseAttentionBackward(qT, kvT, kvT, cross, heapCross.probs, dOutT, spec, {
        dq: dqT,
        dk: dkvT,
        dv: dkvT,
      });
      assert.deepEqual(dqT.dataSync(), dq, `${label}: cross dq`);
      assert.deepEqual(dkvT.dataSync(), dkv, `${label}: cross dk|dv`);
      tf.dispose([qkvT, dOutT, heap.out, heap.probs, gradT, qT, kvT, heapCross.out]);
      tf.dispose([heapCross.probs, dqT, dkvT]);
    }
  }
});
