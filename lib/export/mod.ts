/**
 * lib/export: trained or random sparse Transformers as ONNX graphs of standard operators
 * (the pattern a constant mask), run in onnxruntime-web and compared with TensorFlow.js; the
 * official checker; the trained character model the explorer page runs.
 */
export * from "./onnx_graph.ts";
export * from "./metadata.ts";
export * from "./export_model.ts";
export * from "./session_runner.ts";
export * from "./runtime.ts";
export * from "./parity.ts";
export * from "./checker.ts";
export * from "./saved_model.ts";
export * from "./char_text.ts";
export * from "./served_model.ts";
