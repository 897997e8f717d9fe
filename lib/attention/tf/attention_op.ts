/**
 * Multi-head attention cores in TensorFlow.js behind one signature: given projected queries,
 * keys and values (heads concatenated; see Projections), return the heads' outputs
 * concatenated (batch × numQueries × heads·m).
 *
 * - "dense": the reference formulation, O(n²): every score is computed, the pattern enters as
 *   an additive −1e9 bias, ρ runs over whole rows. tfjs's autodiff gives the gradient.
 * - "sparse": the O(connections · m) kernel of ../sparse_kernel/ inside tf.customGrad: only the
 *   pattern's query–key pairs are ever touched, in forward and backward. The fused projection
 *   is read out of tfjs once, the core reads q, k and v in place, and the gradient comes back
 *   as one tensor of the same fused shape. For softmax the core is the float32 WebAssembly SIMD
 *   one (../sparse_kernel/simd/; on the wasm backend its copy compiled for tfjs's memory,
 *   ./heap_kernels/, which reads the projections where they lie and copies nothing) unless
 *   `sparseCore` (or setDefaultSparseCore) asks for the float64 JavaScript one, which computes
 *   every probability map and is the reference.
 */
import { tf } from "./backend.ts";
import {
  type AttentionGraph,
  coreBackwardInto,
  coreForwardInto,
  type CoreLayout,
  coreProbabilityCount,
  type CoreSpec,
  fusedQkvLayout,
  queryKeyValueLayout,
  validateGraphs,
} from "../sparse_kernel/mod.ts";
import {
  simdCoreBackwardInto,
  simdCoreForwardInto,
  simdSupports,
} from "../sparse_kernel/simd/mod.ts";
import { entmaxAlpha } from "../probability_maps.ts";
import { give, outputArray, readTensor, takeFloat32, takeFloat64, tensorFrom } from "./buffers.ts";
import { type RhoSpec, tfProbabilityMap } from "./probability_maps.ts";
import { InputError } from "../../util/errors.ts";
import { recording, view } from "./fused_ops.ts";
import {
  denseAttentionBackward,
  denseAttentionForward,
  denseAttentionSuits,
  emptyTensor,
  heapKernelsAvailable,
  sparseAttentionBackward,
  sparseAttentionForward,
} from "./heap_kernels/mod.ts";

export type AttentionImpl = "dense" | "sparse";
export const ATTENTION_IMPLS: readonly AttentionImpl[] = ["dense", "sparse"];

/**
 * Which sparse core the "sparse" implementation runs: "simd", the float32 WebAssembly SIMD core
 * (softmax only; other probability maps fall back to "js"), or "js", the float64 JavaScript core.
 */
export type SparseCoreKind = "simd" | "js";
export const SPARSE_CORE_KINDS: readonly SparseCoreKind[] = ["simd", "js"];

let defaultSparseCore: SparseCoreKind = "simd";

/** Sets the sparse core used when a config names none; returns the previous setting. */
export function setDefaultSparseCore(kind: SparseCoreKind): SparseCoreKind {
  if (!SPARSE_CORE_KINDS.includes(kind)) {
    throw new InputError("sparseCore", kind, `expected one of ${SPARSE_CORE_KINDS.join(", ")}`);
  }
  const previous = defaultSparseCore;
  defaultSparseCore = kind;
  return previous;
}

export interface AttentionCoreConfig {
  heads: number;
  headSize: number;
  /** One graph per head (the same object for a shared pattern). */
  graphs: readonly AttentionGraph[];
  rho: RhoSpec;
  /** Scores are scale · q·k (1/√m is the usual choice; the paper's is 1). */
  scale: number;
  /** The sparse core to run (default: setDefaultSparseCore's setting, "simd" at start). */
  sparseCore?: SparseCoreKind;
}

export function requireImpl(impl: unknown): AttentionImpl {
  if (!ATTENTION_IMPLS.includes(impl as AttentionImpl)) {
    throw new InputError("impl", impl, `expected one of ${ATTENTION_IMPLS.join(", ")}`);
  }
  return impl as AttentionImpl;
}

/**
 * Projected queries, keys and values, heads concatenated: one [batch, n, 3·width] tensor with
 * columns q | k | v (self-attention: one fused projection), or queries [batch, nq, width] and
 * keys|values [batch, nk, 2·width] (cross-attention). The sparse core reads them in place.
 */
export type Projections = { qkv: tf.Tensor3D } | { q: tf.Tensor3D; kv: tf.Tensor3D };

function checkShapes(projections: Projections, config: AttentionCoreConfig) {
  const width = config.heads * config.headSize;
  const { numQueries, numKeys } = config.graphs[0];
  const pattern = `the pattern is ${numQueries}×${numKeys}`;
  const expect = (name: string, tensor: tf.Tensor3D, batch: number, n: number, w: number) => {
    const [b, tokens, columns] = tensor.shape;
    if (b !== batch || tokens !== n || columns !== w) {
      throw new InputError(
        `${name}.shape`,
        tensor.shape,
        `expected [${batch}, ${n}, ${w}] (${pattern})`,
      );
    }
  };
  if ("qkv" in projections) {
    if (numQueries !== numKeys) {
      throw new InputError("qkv", "fused", `self-attention needs a square pattern (${pattern})`);
    }
    const { qkv } = projections;
    expect("qkv", qkv, qkv.shape[0], numQueries, 3 * width);
  } else {
    const { q, kv } = projections;
    expect("queries", q, q.shape[0], numQueries, width);
    expect("keysValues", kv, q.shape[0], numKeys, 2 * width);
  }
}

export function attentionCore(
  impl: AttentionImpl,
  projections: Projections,
  config: AttentionCoreConfig,
): tf.Tensor3D {
  validateGraphs(config.graphs, config.heads); // dense and sparse refuse the same bad graphs
  checkShapes(projections, config);
  return requireImpl(impl) === "dense"
    ? denseMaskedCore(projections, config)
    : sparseCore(projections, config);
}

function sparseCore(projections: Projections, config: AttentionCoreConfig): tf.Tensor3D {
  const { heads, headSize } = config;
  const width = heads * headSize;
  const queries = "qkv" in projections ? projections.qkv : projections.q;
  const [batch, numQueries] = queries.shape;
  const spec: CoreSpec = {
    batch,
    heads,
    headSize,
    graphs: config.graphs,
    alpha: entmaxAlpha(config.rho),
    scale: config.scale,
  };
  const probCount = coreProbabilityCount(spec);
  const kind = config.sparseCore ?? defaultSparseCore;
  if (!SPARSE_CORE_KINDS.includes(kind)) {
    throw new InputError("sparseCore", kind, `expected one of ${SPARSE_CORE_KINDS.join(", ")}`);
  }
  const simd = kind === "simd" && simdSupports(spec);
  if (simd && heapKernelsAvailable()) return sparseCoreOnHeap(projections, spec, width);
  const newCoreCall = () => sparseCoreCall(simd, probCount);
  return sparseCoreOnArrays(projections, spec, [batch, numQueries, width], newCoreCall);
}

/** The layout the core reads the projections with: one fused q|k|v, or q beside k|v. */
function projectionLayout(fused: boolean, width: number): CoreLayout {
  return fused ? fusedQkvLayout(width) : queryKeyValueLayout(width);
}

/** What serves as q and what as k and v among the projections' items ([qkv] or [q, kv]). */
function queryAndKeyValue<T>(fused: boolean, items: readonly T[]): [T, T] {
  return fused ? [items[0], items[0]] : [items[0], items[1]];
}

/**
 * A custom-gradient op on the projections' tensors: `body` gets [qkv] (fused) or [q, kv] and
 * returns the heads' outputs with a gradient function giving one gradient per tensor.
 */
function opOnProjections(
  projections: Projections,
  body: (
    tensors: tf.Tensor3D[],
  ) => { value: tf.Tensor3D; gradFunc: (dy: tf.Tensor) => tf.Tensor[] },
): tf.Tensor3D {
  const fused = "qkv" in projections;
  const run = tf.customGrad((...inputs) => body(inputs.slice(0, fused ? 1 : 2) as tf.Tensor3D[]));
  return (fused ? run(projections.qkv) : run(projections.q, projections.kv)) as tf.Tensor3D;
}

/**
 * A sparse core on JavaScript arrays: the projections are read out of tfjs once, the core reads
 * q, k and v in place, and the gradients come back as tensors of the projections' shapes.
 */
function sparseCoreOnArrays(
  projections: Projections,
  spec: CoreSpec,
  shape: [number, number, number],
  newCoreCall: () => SparseCoreCall,
): tf.Tensor3D {
  const fused = "qkv" in projections;
  const layout = projectionLayout(fused, shape[2]);
  return opOnProjections(projections, (tensors) => {
    const reads = tensors.map((tensor) => readTensor(tensor));
    const [qData, kvData] = queryAndKeyValue(fused, reads.map((read) => read.values));
    const out = outputArray(shape[0] * shape[1] * shape[2]);
    const core = newCoreCall();
    core.forward(qData, kvData, kvData, layout, spec, out);
    const gradFunc = (dy: tf.Tensor) => {
      const upstream = readTensor(dy);
      const grads = reads.map((read) => outputArray(read.values.length));
      const [dq, dkv] = queryAndKeyValue(fused, grads);
      core.backward(qData, kvData, kvData, layout, upstream.values, spec, { dq, dk: dkv, dv: dkv });
      release(...reads, upstream);
      return grads.map((grad, i) => tensorFrom(grad, tensors[i].shape));
    };
    return { value: tensorFrom<tf.Rank.R3>(out, shape), gradFunc };
  });
}

/**
 * The SIMD core on the wasm backend, run where the projections lie (heap_kernels/): no copy of
 * q, k or v in or out, outputs and gradients written into new tensors. A pattern that connects
 * most pairs (a dense or causal one) runs as matrix products instead of gathers
 * (heap_kernels/dense_attention.ts). While the tape records,
 * the forward keeps a view of each projection and the probabilities for the backward pass, which
 * releases them.
 */
function sparseCoreOnHeap(
  projections: Projections,
  spec: CoreSpec,
  width: number,
): tf.Tensor3D {
  const fused = "qkv" in projections;
  const layout = projectionLayout(fused, width);
  const asProducts = denseAttentionSuits(spec);
  const forward = asProducts ? denseAttentionForward : sparseAttentionForward;
  const backward = asProducts ? denseAttentionBackward : sparseAttentionBackward;
  return opOnProjections(projections, (tensors) => {
    const [q, kv] = queryAndKeyValue(fused, tensors);
    const { out, probs } = forward(q, kv, kv, layout, spec);
    const kept = recording()
      ? {
        tensors: tensors.map((t) => tf.keep(view(t, t.shape))),
        probs: tf.keep(probs),
      }
      : undefined;
    if (!kept) probs.dispose();
    const gradFunc = (dy: tf.Tensor) => {
      if (!kept) throw new InputError("sparse attention", "backward", "no tape was recording");
      const [keptQ, keptKv] = queryAndKeyValue(fused, kept.tensors);
      const grads = kept.tensors.map((t) => emptyTensor(t.shape));
      const [dq, dkv] = queryAndKeyValue(fused, grads);
      backward(keptQ, keptKv, keptKv, layout, kept.probs, dy, spec, {
        dq,
        dk: dkv,
        dv: dkv,
      });
      tf.dispose([...kept.tensors, kept.probs]);
      return grads;
    };
    return { value: out, gradFunc };
  });
}

type Targets = { dq: Float32Array; dk: Float32Array; dv: Float32Array };

/**
 * One call of a sparse core: the forward pass keeps its probabilities (pooled) for the backward
 * pass, which gives them back.
 */
interface SparseCoreCall {
  forward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    layout: CoreLayout,
    spec: CoreSpec,
    out: Float32Array,
  ): void;
  backward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    layout: CoreLayout,
    dOut: Float32Array,
    spec: CoreSpec,
    targets: Targets,
  ): void;
}

function sparseCoreCall(simd: boolean, probCount: number): SparseCoreCall {
  if (simd) {
    const probs = takeFloat32(probCount);
    return {
      forward: (q, k, v, layout, spec, out) =>
        simdCoreForwardInto(q, k, v, layout, spec, out, probs),
      backward: (q, k, v, layout, dOut, spec, targets) => {
        simdCoreBackwardInto(q, k, v, layout, probs, dOut, spec, targets);
        give(probs);
      },
    };
  }
  const probs = takeFloat64(probCount);
  return {
    forward: (q, k, v, layout, spec, out) => coreForwardInto(q, k, v, layout, spec, out, probs),
    backward: (q, k, v, layout, dOut, spec, targets) => {
      coreBackwardInto(q, k, v, layout, probs, dOut, spec, targets);
      give(probs);
    },
  };
}

/** Gives back the pooled copies among tensor reads. */
function release(...reads: { values: Float32Array; pooled: boolean }[]): void {
  for (const read of reads) if (read.pooled) give(read.values);
}

/** Additive mask bias: 0 where a query may attend, −1e9 elsewhere; [heads or 1, nq, nk]. */
function maskBias(graphs: readonly AttentionGraph[]): tf.Tensor3D {
  const shared = graphs.every((graph) => graph === graphs[0]);
  const used = shared ? [graphs[0]] : graphs;
  const { numQueries, numKeys } = graphs[0];
  const bias = new Float32Array(used.length * numQueries * numKeys).fill(-1e9);
  used.forEach((graph, h) => {
    for (let i = 0; i < numQueries; i++) {
      for (let a = graph.rowStart[i]; a < graph.rowStart[i + 1]; a++) {
        bias[(h * numQueries + i) * numKeys + graph.keys[a]] = 0;
      }
    }
  });
  return tf.tensor3d(bias, [used.length, numQueries, numKeys]);
}

/** [batch, n, heads·m] → [batch·heads, n, m]. */
function splitHeads(x: tf.Tensor3D, heads: number, headSize: number): tf.Tensor3D {
  const [batch, n] = x.shape;
  return tf.reshape(
    tf.transpose(tf.reshape(x, [batch, n, heads, headSize]), [0, 2, 1, 3]),
    [batch * heads, n, headSize],
  );
}

function denseMaskedCore(projections: Projections, config: AttentionCoreConfig): tf.Tensor3D {
  const { heads, headSize, scale } = config;
  return tf.tidy(() => {
    const [q, k, v] = "qkv" in projections
      ? tf.split(projections.qkv, 3, 2) as tf.Tensor3D[]
      : [projections.q, ...tf.split(projections.kv, 2, 2) as tf.Tensor3D[]];
    const [batch, numQueries] = q.shape;
    const numKeys = k.shape[1];
    const scores = tf.reshape(
      tf.matMul(splitHeads(q, heads, headSize), splitHeads(k, heads, headSize), false, true),
      [batch, heads, numQueries, numKeys],
    );
    const masked = tf.add(tf.mul(scores, scale), maskBias(config.graphs));
    const probs = tfProbabilityMap(config.rho)(masked);
    const out = tf.matMul(
      tf.reshape(probs, [batch * heads, numQueries, numKeys]),
      splitHeads(v, heads, headSize),
    );
    return tf.reshape(
      tf.transpose(tf.reshape(out, [batch, heads, numQueries, headSize]), [0, 2, 1, 3]),
      [batch, numQueries, heads * headSize],
    );
  });
}
