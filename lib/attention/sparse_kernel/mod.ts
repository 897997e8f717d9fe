/**
 * The O(connections · m) kernel of multi-head sparse attention on plain typed arrays, forward
 * and backward: O_k = Σ_{j ∈ A_k} ρ[scale · (q_k · k_j)]_j v_j for every head. It touches only
 * the pattern's query–key pairs, so time and memory grow with Σ_k |A_k|, not n².
 *
 * Why plain JavaScript: on a CPU backend, tfjs's gather and elementwise kernels cost far more
 * than the arithmetic; a tight loop over CSR rows does the same work many times faster
 * (`deno task bench` measures both). The TensorFlow.js op (../tf/attention_op.ts) wraps these
 * functions in a custom gradient. Arithmetic is float64 whatever the input arrays hold.
 *
 * Layout: q is batch × numQueries × (heads·m), k and v are batch × numKeys × (heads·m), all
 * row-major and token-major, head h in columns h·m … h·m + m − 1 (the usual concatenation of
 * heads). Each head has its own graph (per-head patterns); heads may share one object.
 *
 * Files: graph.ts (graphs and their validation), spec.ts (what a call computes and where its
 * arrays live), rows.ts (the row walk), forward.ts, backward.ts (with backward_shared.ts for
 * heads sharing one graph and backward_common.ts for what both paths use), long_rows.ts (rows
 * spanning a good part of the keys); simd/ holds the float32 WebAssembly SIMD core.
 */
// the graphs the kernel walks: one CSR graph per head, from a pattern or complete, and checks
export {
  type AttentionGraph,
  completeGraph,
  graphOfPattern,
  validateGraph,
  validateGraphs,
} from "./graph.ts";
// what a call computes, where q, k and v lie (compact, q|k|v, q beside k|v), probabilities stored
export {
  compactLayout,
  type CoreLayout,
  coreProbabilityCount,
  type CoreSpec,
  fusedQkvLayout,
  queryKeyValueLayout,
} from "./spec.ts";
// the float64 forward pass, at given layouts and on compact arrays
export { coreForward, coreForwardInto } from "./forward.ts";
// the float64 backward pass, at given layouts and on compact arrays
export { coreBackward, coreBackwardInto } from "./backward.ts";
