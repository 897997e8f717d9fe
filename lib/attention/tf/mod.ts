/**
 * Trainable TensorFlow.js sparse attention: backend setup, the attention implementations,
 * layers, models, and the fused training ops and Adam trainer that lib/train builds its steps
 * from. The names code outside lib/attention uses and a student reaches for; the rest (the
 * layers' parts, heap_kernels/, buffers, the model-file validator) is imported by path.
 */
// the TensorFlow.js instance and its backend (wasm where it loads, else cpu)
export { initTf, tf } from "./backend.ts";
// the attention implementations a layer switches between: dense-masked O(n²) or sparse O(n·k)
export { ATTENTION_IMPLS, type AttentionImpl } from "./attention_op.ts";
// trainable weights and multi-head sparse attention
export { ParameterSet } from "./parameters.ts";
export { MultiHeadAttention } from "./layers.ts";
// models: encoder, causal decoder, encoder–decoder, classifier, and their stacks' config
export {
  CausalDecoder,
  EncoderClassifier,
  EncoderDecoder,
  SparseEncoder,
  type StackConfig,
} from "./models.ts";
// the fused training ops and the Adam trainer a training step is built from
export { gatherRowsOp, linearOp, softmaxCrossEntropyOp } from "./fused_ops.ts";
export { adamTrainer, FlatAdam } from "./fused_adam.ts";
