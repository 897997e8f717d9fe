/**
 * lib/export: trained or random sparse Transformers as ONNX graphs of standard operators
 * (the pattern a constant mask), run in onnxruntime-web and compared with TensorFlow.js; the
 * official checker; the trained character model the explorer page runs. The names code
 * outside lib/export uses and a student reaches for; lib/mod.ts re-exports them.
 */
// a model as an ONNX file
export { exportToOnnx } from "./export_model.ts";
// running an exported model in onnxruntime-web
export { OnnxRunner } from "./runtime.ts";
// parity and timing against TensorFlow.js, on random models of every kind
export { checkParity, EXPORTED_KINDS, randomModel, tfForward, timeBoth } from "./parity.ts";
// the official ONNX checker (Python's onnx package)
export { officialOnnxCheck } from "./checker.ts";
// saved TensorFlow.js models, and the character model the explorer page serves
export { loadSavedModel } from "./saved_model.ts";
export { SERVED_CHAR_MODEL, servedModelStanding } from "./served_model.ts";
// text in and predicted characters out, for a character model
export { encodeText, predictNextCharacter, topCharacters } from "./char_text.ts";
