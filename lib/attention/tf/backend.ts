/**
 * TensorFlow.js under Deno (both the cpu and the wasm backend run there): the umbrella
 * `@tensorflow/tfjs` (tfjs-core alone lacks the chained tensor methods) with the wasm backend,
 * whose .wasm files are loaded from the project's node_modules through a file: URL; the cpu
 * backend is the fallback. Never
 * tfjs-node (a native addon Deno cannot install offline).
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { InputError } from "../../util/errors.ts";

export { tf };

export type BackendName = "wasm" | "cpu";

const WASM_DIST = new URL(
  "../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/",
  import.meta.url,
);

let wasmPathsSet = false;

/**
 * Selects a backend (default wasm, falling back to cpu when wasm cannot load) and returns its
 * name. PROD mode drops tfjs's debug checks and its "install tfjs-node" banner, which would
 * otherwise print on the cpu backend's first use.
 */
export async function initTf(preferred: BackendName = "wasm"): Promise<BackendName> {
  if (preferred !== "wasm" && preferred !== "cpu") {
    throw new InputError("backend", preferred, 'expected "wasm" or "cpu"');
  }
  tf.env().set("PROD", true);
  if (tf.getBackend() === preferred) return preferred;
  if (preferred === "wasm") {
    if (!wasmPathsSet) {
      setWasmPaths(WASM_DIST.href);
      wasmPathsSet = true;
    }
    try {
      if (await tf.setBackend("wasm")) {
        await tf.ready();
        return "wasm";
      }
    } catch {
      // the wasm binary could not be fetched or compiled: fall through to cpu
    }
  }
  await tf.setBackend("cpu");
  await tf.ready();
  return "cpu";
}
