/**
 * Attention as matrix products, for patterns that connect most query–key pairs (dense, or a
 * causal prefix): per batch item and head, S = Q·Kᵀ, P = softmax(scale·S) over the pattern's
 * entries (row softmax in kernels.wasm, a lane mask dropping the rest), O = P·V; backward
 * dV = Pᵀ·dO, dP = dO·Vᵀ, dS = scale·P ⊙ (dP − rowsum(P ⊙ dP)), dQ = dS·K, dK = dSᵀ·Q. The
 * products are multiplyInto's (the machine's BLAS where it has one, else the WASM SIMD matmul),
 * on strided views of the projections where they lie: nothing is gathered or copied.
 *
 * Same inputs, layout and gradient targets as sparse_attention.ts, so the caller chooses by the
 * pattern's fill (`denseAttentionSuits`); the probabilities it keeps are a [batch, heads, nq, nk]
 * tensor, 0 where the pattern has no connection. Softmax only (α = 1).
 */
import { tf } from "../backend.ts";
import type { CoreLayout, CoreSpec } from "../../sparse_kernel/spec.ts";
import { checkGradientTargets, prepareCall } from "../../sparse_kernel/simd/core_call.ts";
import type { AttentionGraph } from "../../sparse_kernel/graph.ts";
import { InputError } from "../../../util/errors.ts";
import { addressOf, type Bound, emptyTensor, requireBound } from "./binding.ts";
import { type MatrixView, multiplyInto, transposed } from "./dense_kernels.ts";

/**
 * The least share of query–key pairs a pattern connects for attention to run as matrix products:
 * below it, the sparse kernel's gathers cost less than the products' whole blocks. Timed at the
 * sweeps' shape (n 128, head size 16, 4 heads, batch 16, forward and backward on random
 * patterns): the sparse kernel was faster at fill 0.2, the products at 0.3 and above (about
 * 6× at fill 1).
 */
export const DENSE_PRODUCTS_MIN_FILL = 0.25;

/** Whether this call runs as matrix products: softmax, and a pattern at least that full. */
export function denseAttentionSuits(spec: CoreSpec): boolean {
  if (spec.alpha !== 1) return false;
  const { numQueries, numKeys } = spec.graphs[0];
  const pairs = numQueries * numKeys;
  return spec.graphs.every((graph) => graph.keys.length >= DENSE_PRODUCTS_MIN_FILL * pairs);
}

/** The tensors a call reads q, k and v from (possibly one tensor for all three). */
interface Inputs {
  q: tf.Tensor;
  k: tf.Tensor;
  v: tf.Tensor;
}

/** Shapes of one call, checked as the sparse kernel checks them. */
function prepare(inputs: Inputs, layout: CoreLayout, spec: CoreSpec) {
  if (spec.alpha !== 1) {
    throw new InputError(
      "alpha",
      spec.alpha,
      "attention as products computes softmax only (α = 1)",
    );
  }
  const { q, k, v } = inputs;
  const p = prepareCall({ q: q.size, k: k.size, v: v.size }, layout, spec);
  return { bound: requireBound(), p };
}

/** Rows × cols view of a tensor at a flat offset, rows `rowStride` apart. */
function rowsOf(tensor: tf.Tensor, offset: number, rows: number, cols: number, rowStride: number) {
  return { tensor, rows, cols, offset, rowStride, colStride: 1 } as MatrixView;
}

/** The per-(batch item, head) blocks of one call, as views. */
function blocks(layout: CoreLayout, spec: CoreSpec) {
  const { numQueries: nq, numKeys: nk } = spec.graphs[0];
  const m = spec.headSize;
  const width = spec.heads * m;
  return {
    nq,
    nk,
    query: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, b * nq * layout.qStride + layout.qOffset + h * m, nq, m, layout.qStride),
    key: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, b * nk * layout.kStride + layout.kOffset + h * m, nk, m, layout.kStride),
    value: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, b * nk * layout.vStride + layout.vOffset + h * m, nk, m, layout.vStride),
    output: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, b * nq * width + h * m, nq, m, width),
    probabilities: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, (b * spec.heads + h) * nq * nk, nq, nk, nk),
  };
}

/**
 * The lane masks of the graphs that leave pairs out (int32 −1 kept, 0 dropped; nq × nk each)
 * written into a new block, or none when every graph connects every pair; `use` gets each
 * head's mask address (0: no mask). The block is freed afterwards.
 */
function withMasks<T>(bound: Bound, spec: CoreSpec, use: (maskOf: (h: number) => number) => T): T {
  const { numQueries: nq, numKeys: nk } = spec.graphs[0];
  const partial = [...new Set(spec.graphs)].filter((graph) => graph.keys.length < nq * nk);
  if (partial.length === 0) return use(() => 0);
  const block = bound.backend.wasm._malloc(4 * nq * nk * partial.length);
  try {
    const where = new Map<AttentionGraph, number>();
    partial.forEach((graph, index) => {
      const address = block + 4 * nq * nk * index;
      const lanes = new Int32Array(bound.memory.buffer, address, nq * nk).fill(0);
      for (let i = 0; i < nq; i++) {
        for (let a = graph.rowStart[i]; a < graph.rowStart[i + 1]; a++) {
          lanes[i * nk + graph.keys[a]] = -1;
        }
      }
      where.set(graph, address);
    });
    return use((h) => where.get(spec.graphs[h]) ?? 0);
  } finally {
    bound.backend.wasm._free(block);
  }
}

/**
 * The forward pass: the heads' outputs as a new [batch, numQueries, heads·m] tensor and the
 * probabilities as a new [batch, heads, numQueries, numKeys] tensor (keep it for
 * denseAttentionBackward).
 */
export function denseAttentionForward(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  layout: CoreLayout,
  spec: CoreSpec,
): { out: tf.Tensor3D; probs: tf.Tensor4D } {
  const inputs = { q, k, v };
  const { bound, p } = prepare(inputs, layout, spec);
  const at = blocks(layout, spec);
  const out = emptyTensor([spec.batch, at.nq, p.width]) as tf.Tensor3D;
  const probs = emptyTensor([spec.batch, spec.heads, at.nq, at.nk]) as tf.Tensor4D;
  withMasks(bound, spec, (maskOf) => {
    for (let b = 0; b < spec.batch; b++) {
      for (let h = 0; h < spec.heads; h++) {
        const scores = at.probabilities(probs, b, h);
        multiplyInto(scores, at.query(q, b, h), transposed(at.key(k, b, h)));
        bound.exports.softmaxRows(
          addressOf(bound, probs) + 4 * scores.offset,
          at.nq,
          at.nk,
          at.nk,
          spec.scale,
          maskOf(h),
          at.nk,
        );
        multiplyInto(at.output(out, b, h), scores, at.value(v, b, h));
      }
    }
  });
  return { out, probs };
}

/**
 * Whether the q, k and v column groups of the layout cover every element of their gradient
 * targets (the fused q|k|v projection, q beside k|v), so writing each block once leaves nothing
 * unset; other layouts have their targets zeroed first.
 */
function blocksCoverTargets(layout: CoreLayout, width: number, targets: Inputs): boolean {
  const groups = new Map<tf.Tensor, { stride: number; offsets: number[] }>();
  const add = (tensor: tf.Tensor, offset: number, stride: number) => {
    const group = groups.get(tensor) ?? { stride, offsets: [] };
    if (group.stride !== stride) group.stride = -1;
    group.offsets.push(offset);
    groups.set(tensor, group);
  };
  add(targets.q, layout.qOffset, layout.qStride);
  add(targets.k, layout.kOffset, layout.kStride);
  add(targets.v, layout.vOffset, layout.vStride);
  return [...groups.values()].every(({ stride, offsets }) => {
    const sorted = [...offsets].sort((x, y) => x - y);
    return stride === width * sorted.length && sorted.every((offset, i) => offset === i * width);
  });
}

/**
 * The backward pass from denseAttentionForward's probabilities and the upstream dOut: the
 * gradients of q, k and v written into the target tensors (one tensor may take all three, in
 * disjoint columns of the layout).
 */
export function denseAttentionBackward(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  layout: CoreLayout,
  probs: tf.Tensor,
  dOut: tf.Tensor,
  spec: CoreSpec,
  targets: { dq: tf.Tensor; dk: tf.Tensor; dv: tf.Tensor },
): void {
  const inputs = { q, k, v };
  const { bound, p } = prepare(inputs, layout, spec);
  const at = blocks(layout, spec);
  const expectedProbs = spec.batch * spec.heads * at.nq * at.nk;
  if (probs.size !== expectedProbs) {
    throw new InputError("probs.size", probs.size, `expected ${expectedProbs}`);
  }
  if (dOut.size !== spec.batch * at.nq * p.width) {
    throw new InputError("dOut.size", dOut.size, `expected ${spec.batch * at.nq * p.width}`);
  }
  const { dq, dk, dv } = targets;
  checkGradientTargets({ dq: dq.size, dk: dk.size, dv: dv.size }, targets, layout, p);
  if (!blocksCoverTargets(layout, p.width, { q: dq, k: dk, v: dv })) {
    for (const target of new Set([dq, dk, dv])) {
      new Float32Array(bound.memory.buffer, addressOf(bound, target), target.size).fill(0);
    }
  }
  const scoreGrad = emptyTensor([at.nq, at.nk]);
  try {
    const dScores = rowsOf(scoreGrad, 0, at.nq, at.nk, at.nk);
    for (let b = 0; b < spec.batch; b++) {
      for (let h = 0; h < spec.heads; h++) {
        const probabilities = at.probabilities(probs, b, h);
        const upstream = at.output(dOut, b, h);
        multiplyInto(at.value(dv, b, h), transposed(probabilities), upstream);
        multiplyInto(dScores, upstream, transposed(at.value(v, b, h)));
        bound.exports.softmaxRowsBackward(
          addressOf(bound, probs) + 4 * probabilities.offset,
          at.nk,
          addressOf(bound, scoreGrad),
          at.nk,
          at.nq,
          at.nk,
          spec.scale,
        );
        multiplyInto(at.query(dq, b, h), dScores, at.key(k, b, h));
        multiplyInto(at.key(dk, b, h), transposed(dScores), at.query(q, b, h));
      }
    }
  } finally {
    scoreGrad.dispose();
  }
}
