/**
 * What an exported model says about itself, and the checks that turn a wrong file into one
 * clear message. The exporter writes one metadata property, `o-n-lab`, holding a JSON
 * LabModelMetadata; this module reads it back from the bytes. It depends on onnx-proto only
 * (no TensorFlow.js, no Deno API), so the explorer page bundles it and shows the same
 * messages as Deno does.
 */
import { onnx } from "./onnx_graph.ts";
import { InputError } from "../util/errors.ts";

export const LAB_METADATA_KEY = "o-n-lab";
export const LAB_ONNX_FORMAT = "o-n-lab-onnx/1";

export type ExportedKind = "encoder" | "causal-decoder" | "encoder-decoder" | "encoder-classifier";

export interface TensorSignature {
  name: string;
  type: "float32" | "int32";
  /** "batch" is symbolic; every other dimension is fixed at export. */
  dims: (number | "batch")[];
  /** Token-id inputs: ids lie in [0, vocabSize). */
  vocabSize?: number;
}

export interface LabModelMetadata {
  format: typeof LAB_ONNX_FORMAT;
  kind: ExportedKind;
  /** Sequence length the masks were built for (the source length of an encoder–decoder). */
  n: number;
  /** Target length of an encoder–decoder. */
  targetLength?: number;
  /** Name of the self-attention schedule per stack ("encoder", "decoder"). */
  patterns: Record<string, string>;
  inputs: TensorSignature[];
  outputs: TensorSignature[];
  /** Outputs holding self-attention probabilities [batch, heads, n, n], by layer. */
  attentionOutputs: string[];
  /** Characters of a character model, index = token id. */
  vocabulary?: string[];
  /** Free text shown by the page (where the weights came from). */
  description?: string;
}

/**
 * Decodes an ONNX file exported by the lab and returns its metadata. `source` names the
 * file in messages. Throws an InputError for bytes that are not ONNX, an ONNX model of
 * another origin, or metadata that disagrees with the graph.
 */
export function readLabMetadata(bytes: Uint8Array, source = "model file"): LabModelMetadata {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new InputError(
      source,
      `${bytes.length} bytes`,
      `not an ONNX model (protobuf decoding failed: ${(error as Error).message})`,
    );
  }
  const graph = model.graph;
  if (!graph?.node?.length || !model.opsetImport?.length) {
    throw new InputError(source, `${bytes.length} bytes`, "not an ONNX model (no graph or opset)");
  }
  const entry = model.metadataProps.find((prop) => prop.key === LAB_METADATA_KEY);
  if (!entry) {
    throw new InputError(
      source,
      graph.name,
      "an ONNX model, but not one exported by this lab (no o-n-lab metadata); " +
        "export it with `deno task export`",
    );
  }
  let metadata: LabModelMetadata;
  try {
    metadata = JSON.parse(entry.value ?? "") as LabModelMetadata;
  } catch {
    throw new InputError(`${source} metadata`, entry.value, "not JSON");
  }
  if (metadata?.format !== LAB_ONNX_FORMAT) {
    throw new InputError(
      `${source} metadata format`,
      metadata?.format,
      `expected ${LAB_ONNX_FORMAT}`,
    );
  }
  for (const input of metadata.inputs) {
    const declared = (graph.input ?? []).find((value) => value.name === input.name);
    const dims = declared?.type?.tensorType?.shape?.dim?.map((d) =>
      d.dimParam || Number(d.dimValue)
    );
    if (!dims || dims.join(",") !== input.dims.join(",")) {
      throw new InputError(
        `${source} input ${input.name}`,
        dims,
        `the metadata says [${input.dims}]; the file is damaged`,
      );
    }
  }
  return metadata;
}

/**
 * Throws unless the model was exported for sequences of length `n` (masks and positional
 * embeddings are baked in for one length, so another length cannot run).
 */
export function requireExportedLength(
  metadata: LabModelMetadata,
  n: number,
  source = "model",
): void {
  if (metadata.n !== n) {
    throw new InputError(
      "n",
      n,
      `the ${source} was exported for n = ${metadata.n}; export it again with --n ${n} ` +
        `or use n = ${metadata.n}`,
    );
  }
}

/** One input or output tensor as plain data (what Deno and the page hand to onnxruntime-web). */
export interface TensorData {
  type: "float32" | "int32";
  dims: number[];
  data: Float32Array | Int32Array;
}

/**
 * Throws unless `feeds` are exactly the model's inputs with its shapes (any batch size): a
 * wrong sequence length names the length the model was exported for.
 */
export function checkFeeds(metadata: LabModelMetadata, feeds: Record<string, TensorData>): void {
  const expected = metadata.inputs.map((input) => input.name);
  for (const name of Object.keys(feeds)) {
    if (!expected.includes(name)) {
      throw new InputError("input", name, `the model's inputs are ${expected.join(", ")}`);
    }
  }
  for (const input of metadata.inputs) {
    const feed = feeds[input.name];
    if (!feed) throw new InputError(`input ${input.name}`, undefined, "missing");
    if (feed.type !== input.type) {
      throw new InputError(`input ${input.name} type`, feed.type, `expected ${input.type}`);
    }
    const matches = feed.dims.length === input.dims.length &&
      input.dims.every((d, i) => d === "batch" ? feed.dims[i] >= 1 : d === feed.dims[i]);
    if (!matches) {
      const exportedFor = input.dims[1];
      throw new InputError(
        `input ${input.name} shape`,
        feed.dims,
        feed.dims.length === input.dims.length && feed.dims[1] !== exportedFor
          ? `the model was exported for sequences of length ${exportedFor}, ` +
            `not ${feed.dims[1]} (export it again with --n ${feed.dims[1]})`
          : `expected [${input.dims}]`,
      );
    }
    const size = feed.dims.reduce((a, b) => a * b, 1);
    if (feed.data.length !== size) {
      throw new InputError(`input ${input.name} data length`, feed.data.length, `expected ${size}`);
    }
  }
}

/** What runs an exported model: Deno's OnnxRunner, or the page's wrapper of its global `ort`. */
export interface ExportedModelRunner {
  readonly metadata: LabModelMetadata;
  run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>>;
}
