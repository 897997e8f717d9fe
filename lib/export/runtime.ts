/**
 * onnxruntime-web (wasm execution provider) from Deno: version 1.30 needs no wasmPaths when
 * installed through node_modules. The thread count must be set before the first session; one
 * thread is the default because two were slower on attention-sized graphs (notebook 16 times
 * both runtimes) and because it matches what the explorer page uses.
 */
import * as ort from "onnxruntime-web";
import { InputError } from "../util/errors.ts";
import { readLabMetadata } from "./metadata.ts";
import { SessionRunner } from "./session_runner.ts";

let threadsInUse: number | undefined;

function configureThreads(numThreads: number): void {
  if (threadsInUse === undefined) {
    ort.env.wasm.numThreads = numThreads;
    ort.env.logLevel = "error";
    threadsInUse = numThreads;
  } else if (threadsInUse !== numThreads) {
    throw new InputError(
      "numThreads",
      numThreads,
      `onnxruntime-web already runs with ${threadsInUse} thread(s) in this process`,
    );
  }
}

/** An exported model in an onnxruntime-web session (Deno's npm build), with its lab metadata. */
export class OnnxRunner extends SessionRunner {
  /** Reads and validates the bytes (see readLabMetadata), then creates the session. */
  static async create(
    bytes: Uint8Array,
    options: { source?: string; numThreads?: number } = {},
  ): Promise<OnnxRunner> {
    const metadata = readLabMetadata(bytes, options.source);
    configureThreads(options.numThreads ?? 1);
    try {
      return new OnnxRunner(metadata, await ort.InferenceSession.create(bytes), ort);
    } catch (error) {
      throw new InputError(
        options.source ?? "model file",
        `${bytes.length} bytes`,
        `onnxruntime-web cannot load it: ${(error as Error).message}`,
      );
    }
  }

  static async fromFile(path: string, options: { numThreads?: number } = {}): Promise<OnnxRunner> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch {
      throw new InputError("model file", path, "cannot be read");
    }
    return await OnnxRunner.create(bytes, { ...options, source: path });
  }
}
