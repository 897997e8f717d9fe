/**
 * The float32 WebAssembly SIMD sparse attention core (simd_core.ts; core.as compiled to
 * core.wasm by `deno task build-wasm`): softmax only, tested against the float64 core.
 * core_call.ts holds what every build of the module needs to be called; the training path's
 * build on TensorFlow.js's memory lives in ../../tf/heap_kernels/.
 */
// whether a spec's probability map runs on the SIMD core (softmax only)
export { simdSupports } from "./core_call.ts";
// forward and backward passes at given layouts, and on compact arrays
export {
  simdCoreBackward,
  simdCoreBackwardInto,
  simdCoreForward,
  simdCoreForwardInto,
} from "./simd_core.ts";
