/**
 * The public face of the lab: notebooks import everything from here (`../lib/mod.ts`). Listed
 * by layer, in the order data flows; each layer imports only from the layers above it. File
 * plumbing (lib/util/system.ts) and the size limits (lib/util/limits.ts) are not re-exported:
 * tools and lib modules import them directly.
 */
// util: the quick-mode switch, input errors that name the parameter, seeded randomness,
// claims that throw when a notebook's statement is false, exercise checks, and a log-log slope fit
export { quickMode } from "./env.ts";
export { InputError } from "./util/errors.ts";
export { seededRng } from "./util/random.ts";
export { claim, claimClose, ClaimError } from "./util/claim.ts";
export { checkExercise } from "./util/exercise.ts";
export { logLogSlope } from "./util/fit.ts";
// pattern: which tokens may talk — patterns, schedules, the zoo, Assumption 1
export * from "./pattern/mod.ts";
// attention: how they talk — probability maps, float64 reference layers, TensorFlow.js layers
export * from "./attention/mod.ts";
// construction: Theorem 1's constructive proof as a real network, verified exhaustively
export * from "./construction/mod.ts";
// train: data sets, tokenizers, metrics, training, experiment sweeps and their results
export * from "./train/mod.ts";
// export: ONNX graphs from models and the onnxruntime-web runner
export * from "./export/mod.ts";
// plot: Plotly figure builders and tables that display themselves in Jupyter
export * from "./plot/mod.ts";
// bench: the attention benchmark notebook 04 runs live
export * from "./bench/mod.ts";
// construction harnesses notebook 07 shows: exact id traces, the price of sparsity in depth
export * from "./construction/trace.ts";
export * from "./construction/depth_price.ts";
// Theorem 1 end to end: the distances from f to f̄, ḡ and g (notebook 10)
export { smoothingSetting, theorem1Errors } from "./construction/end_to_end.ts";
// an exported ONNX file read back: operators, opsets, stored masks (notebook 16)
export { STANDARD_OPERATORS, summarizeOnnxGraph } from "./export/graph_summary.ts";
// attention harnesses notebook 04 shows: one head's weight matrix, implementation parity
export * from "./attention/weights.ts";
export * from "./attention/implementation_parity.ts";
