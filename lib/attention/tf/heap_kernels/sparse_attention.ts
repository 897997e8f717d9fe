/**
 * The sparse attention forward and backward passes on tensors in TensorFlow.js's wasm memory:
 * the SIMD core (../../sparse_kernel/simd/core.as) compiled to import that memory
 * (sparse_core.wasm, bound in binding.ts) reads q, k and v where they lie and writes outputs,
 * probabilities and gradients into tensors the backend allocates. The graphs, the head table and
 * the core's scratch are placed in a block allocated for the call.
 */
import { tf } from "../backend.ts";
import type { CoreLayout, CoreSpec } from "../../sparse_kernel/spec.ts";
import {
  BumpAllocator,
  type CallAddresses,
  callBackward,
  callForward,
  checkGradientTargets,
  graphBytes,
  placeGraphs,
  prepareCall,
  type PreparedCall,
  requireCount,
} from "../../sparse_kernel/simd/core_call.ts";
import { addressOf, type Bound, emptyTensor, requireBound, zeroTensors } from "./binding.ts";

/** The tensors a call reads q, k and v from (possibly one tensor for all three). */
interface Inputs {
  q: tf.Tensor;
  k: tf.Tensor;
  v: tf.Tensor;
}

/** Checks a call on tensors in the backend's memory and returns the binding and its sizes. */
function prepareOnHeap(inputs: Inputs, layout: CoreLayout, spec: CoreSpec) {
  const b = requireBound();
  const { q, k, v } = inputs;
  return { b, p: prepareCall({ q: q.size, k: k.size, v: v.size }, layout, spec) };
}

/**
 * Allocates one block for the call's graph arrays, head table and core scratch, writes the
 * graphs and calls `use` with the addresses both passes read; frees the block afterwards.
 */
function withCallMemory<T>(
  b: Bound,
  p: PreparedCall,
  inputs: Inputs,
  probs: tf.Tensor,
  use: (at: CallAddresses) => T,
): T {
  const graphBytesNeeded = graphBytes(p.spec);
  const block = b.backend.wasm._malloc(graphBytesNeeded + p.scratchBytes + 16);
  try {
    const allocator = new BumpAllocator(block);
    const graphs = placeGraphs(allocator, p.spec);
    graphs.write(b.memory.buffer);
    const scratch = allocator.take(p.scratchBytes);
    return use({
      q: addressOf(b, inputs.q),
      k: addressOf(b, inputs.k),
      v: addressOf(b, inputs.v),
      table: graphs.table,
      probs: addressOf(b, probs),
      scratch,
    });
  } finally {
    b.backend.wasm._free(block);
  }
}

/**
 * The sparse attention forward pass (softmax) on tensors in the backend's memory: q, k and v
 * (possibly one tensor) read where the layout puts them, the heads' outputs written to a new
 * [batch, numQueries, heads·m] tensor and each row's probabilities to a new tensor (keep it for
 * sparseAttentionBackward). The same core as ../../sparse_kernel/simd, compiled for this memory.
 */
export function sparseAttentionForward(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  layout: CoreLayout,
  spec: CoreSpec,
): { out: tf.Tensor3D; probs: tf.Tensor1D } {
  const inputs = { q, k, v };
  const { b, p } = prepareOnHeap(inputs, layout, spec);
  const out = emptyTensor([spec.batch, p.numQueries, p.width]) as tf.Tensor3D;
  const probs = emptyTensor([p.probCount]) as tf.Tensor1D;
  withCallMemory(b, p, inputs, probs, (at) => {
    callForward(b.sparseCore, p, layout, { ...at, out: addressOf(b, out) });
  });
  return { out, probs };
}

/**
 * The backward pass from sparseAttentionForward's probabilities and the upstream dOut: the
 * gradients of q, k and v written into the target tensors (zeroed first; one tensor may take
 * all three, in disjoint columns of the layout).
 */
export function sparseAttentionBackward(
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
  const { b, p } = prepareOnHeap(inputs, layout, spec);
  requireCount("probs.size", probs.size, p.probCount);
  requireCount("dOut.size", dOut.size, spec.batch * p.numQueries * p.width);
  const { dq, dk, dv } = targets;
  checkGradientTargets({ dq: dq.size, dk: dk.size, dv: dv.size }, targets, layout, p);
  zeroTensors(b, [dq, dk, dv]);
  withCallMemory(b, p, inputs, probs, (at) => {
    callBackward(b.sparseCore, p, layout, {
      ...at,
      dOut: addressOf(b, dOut),
      dq: addressOf(b, dq),
      dk: addressOf(b, dk),
      dv: addressOf(b, dv),
    });
  });
}
