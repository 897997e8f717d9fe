/**
 * lib/attention: how tokens talk. Probability maps ρ and the paper's sparse attention layer,
 * feed-forward layer and blocks in exact float64 (reference.ts documents the mapping between
 * the paper's d × n notation and the code's token-major n × d arrays); the O(n·k) attention
 * kernel on typed arrays (sparse_kernel/, imported by path); trainable TensorFlow.js layers and
 * models (tf/). The names code outside lib/attention uses and a student reaches for; lib/mod.ts
 * re-exports them to the notebooks.
 */
// probability maps ρ: softmax, sparsemax, entmax, hardmax, ρ by name, Assumption 2's threshold
export {
  assumption2Threshold,
  entmax,
  entmax15,
  hardmax,
  probabilityMap,
  softmax,
  sparsemax,
} from "./probability_maps.ts";
// Assumption 2's worst case: the scores that give the winner its lowest weight, and that weight
export { lowestWinnerWeights, worstCaseScores } from "./assumption2.ts";
// the float64 reference: one head's weights, one sparse attention layer, a network of layers
export { type HeadWeights, runNetwork, sparseAttentionLayer } from "./reference.ts";
// TensorFlow.js: the backend, attention implementations, layers, models, training ops
export {
  adamTrainer,
  ATTENTION_IMPLS,
  type AttentionImpl,
  CausalDecoder,
  EncoderClassifier,
  EncoderDecoder,
  FlatAdam,
  gatherRowsOp,
  initTf,
  linearOp,
  MultiHeadAttention,
  ParameterSet,
  softmaxCrossEntropyOp,
  SparseEncoder,
  type StackConfig,
  tf,
} from "./tf/mod.ts";
