/**
 * The training path's kernels, computed where TensorFlow.js's wasm backend keeps its tensors:
 * small WebAssembly modules that import the backend's memory (binding.ts), the dense kernels
 * (dense_kernels.ts) and the sparse attention core (sparse_attention.ts). Available only on the
 * wasm backend of an engine with relaxed SIMD; elsewhere callers use their tfjs or JavaScript
 * paths.
 */
// whether the kernels can run here, and new tensors in the backend's memory for them to fill
export { emptyTensor, heapKernelsAvailable } from "./binding.ts";
// matrix products on strided views of tensors, copies between views, column sums and the ReLU gate
export {
  columns,
  columnSums,
  copyInto,
  matrix,
  multiply,
  multiplyInto,
  reluGate,
  transposed,
} from "./dense_kernels.ts";
// LayerNorm, the softmax cross-entropy and in-place scaling
export {
  layerNormBackward,
  layerNormForward,
  scaleInPlace,
  softmaxCrossEntropySum,
} from "./dense_kernels.ts";
// sparse attention on tensors where they lie
export { sparseAttentionBackward, sparseAttentionForward } from "./sparse_attention.ts";
// attention as matrix products, for patterns that connect most pairs
export {
  denseAttentionBackward,
  denseAttentionForward,
  denseAttentionSuits,
  gathersCost,
  productsCost,
  rowTiles,
} from "./dense_attention.ts";
