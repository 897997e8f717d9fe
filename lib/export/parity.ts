/**
 * Does the exported graph compute what the TensorFlow.js model computes? Random models of
 * every kind, seeded inputs that fit an exported model's signature, the largest absolute
 * difference between onnxruntime-web's output and TensorFlow.js's, and the time each takes
 * for the same model and input.
 */
import { tf } from "../attention/tf/backend.ts";
import {
  CausalDecoder,
  EncoderClassifier,
  EncoderDecoder,
  SparseEncoder,
  type StackConfig,
} from "../attention/tf/models.ts";
import type {
  Activation,
  NormPlacement,
  PatternMode,
  PatternSource,
} from "../attention/tf/layers.ts";
import { seededRng } from "../util/random.ts";
import { InputError, requireInteger } from "../util/errors.ts";
import type { ExportableModel } from "./export_model.ts";
import type {
  ExportedKind,
  ExportedModelRunner,
  LabModelMetadata,
  TensorData,
} from "./metadata.ts";
import { median } from "../util/statistics.ts";

export const EXPORTED_KINDS: readonly ExportedKind[] = [
  "encoder",
  "causal-decoder",
  "encoder-decoder",
  "encoder-classifier",
];

export interface RandomModelOptions {
  kind: ExportedKind;
  /** Self-attention patterns (a schedule for n tokens, or a function of n). */
  pattern: PatternSource;
  n: number;
  width?: number;
  heads?: number;
  layers?: number;
  ffHidden?: number;
  norm?: NormPlacement;
  activation?: Activation;
  /** "layers" (default) cycles the schedule over layers, "heads" over heads. */
  patternMode?: PatternMode;
  /** Token ids with this vocabulary (default 11), or vectors of the model width when 0. */
  vocabSize?: number;
  classes?: number;
  seed?: number;
}

/**
 * A small model of the given kind whose every parameter (biases and LayerNorm gains too) is
 * uniform(±√(3/fan-in)) from the seed, so that a wrong bias or norm in the export shows.
 */
export function randomModel(options: RandomModelOptions): ExportableModel {
  const kind = options.kind;
  if (!EXPORTED_KINDS.includes(kind)) {
    throw new InputError("kind", kind, `expected one of ${EXPORTED_KINDS.join(", ")}`);
  }
  const n = requireInteger("n", options.n, 1);
  const vocabSize = options.vocabSize ?? 11;
  const seed = options.seed ?? 0;
  const config: StackConfig & { seed: number } = {
    width: options.width ?? 16,
    heads: options.heads ?? 2,
    ffHidden: options.ffHidden ?? 32,
    layers: options.layers ?? 2,
    pattern: options.pattern,
    impl: "dense",
    norm: options.norm ?? "pre",
    activation: options.activation,
    patternMode: options.patternMode,
    maxLength: n,
    input: vocabSize > 0 ? { kind: "tokens", vocabSize } : { kind: "vectors" },
    seed,
  };
  const tokens = { kind: "tokens" as const, vocabSize: Math.max(vocabSize, 1) };
  const model = kind === "encoder"
    ? new SparseEncoder(config)
    : kind === "causal-decoder"
    ? new CausalDecoder({ ...config, input: tokens })
    : kind === "encoder-decoder"
    ? new EncoderDecoder({ ...config, input: tokens })
    : new EncoderClassifier({ ...config, classes: options.classes ?? 3 });
  const rng = seededRng(seed + 1);
  for (const variable of model.params.list()) {
    const fanIn = variable.shape.length > 1 ? variable.shape[0] : 4;
    const limit = Math.sqrt(3 / fanIn);
    const values = Float32Array.from({ length: variable.size }, () => (2 * rng.next() - 1) * limit);
    tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
  }
  return model;
}

/** Seeded inputs of the exported signature: ids uniform in the vocabulary, vectors in (−1, 1). */
export function randomFeeds(
  metadata: LabModelMetadata,
  seed = 0,
  batch = 2,
): Record<string, TensorData> {
  const rng = seededRng(seed);
  return Object.fromEntries(metadata.inputs.map((input) => {
    const dims = input.dims.map((d) => (d === "batch" ? batch : d));
    const size = dims.reduce((a, b) => a * b, 1);
    const data = input.type === "int32"
      ? Int32Array.from({ length: size }, () => Math.floor(rng.next() * (input.vocabSize ?? 1)))
      : Float32Array.from({ length: size }, () => 2 * rng.next() - 1);
    return [input.name, { type: input.type, dims, data }];
  }));
}

/** The model's main output (what the export names "states" or "logits") in TensorFlow.js. */
export function tfForward(model: ExportableModel, feeds: Record<string, TensorData>): TensorData {
  const output = tf.tidy(() => {
    const tensor = (name: string) => {
      const feed = feeds[name];
      if (!feed) throw new InputError("input", name, "missing");
      return tf.tensor(feed.data, feed.dims, feed.type);
    };
    if (model instanceof SparseEncoder) return model.apply(tensor("input"));
    if (model instanceof CausalDecoder) return model.logits(tensor("input") as tf.Tensor2D);
    if (model instanceof EncoderDecoder) {
      return model.logits(tensor("source") as tf.Tensor2D, tensor("target") as tf.Tensor2D);
    }
    return model.logits(tensor("input"));
  });
  const data = output.dataSync() as Float32Array;
  output.dispose();
  return { type: "float32", dims: output.shape, data };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new InputError("lengths", [a.length, b.length], "differ");
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return Number.isNaN(max) ? Infinity : max;
}

/** The exported model's main output: the one output that is not an attention map. */
export function mainOutputName(metadata: LabModelMetadata): string {
  return metadata.outputs.find((output) => !metadata.attentionOutputs.includes(output.name))!.name;
}

export interface ParityReport {
  output: string;
  dims: number[];
  maxAbsDiff: number;
}

/** Runs both on the same seeded input and compares the main output. */
export async function checkParity(
  model: ExportableModel,
  runner: ExportedModelRunner,
  options: { seed?: number; batch?: number } = {},
): Promise<ParityReport> {
  const feeds = randomFeeds(runner.metadata, options.seed ?? 0, options.batch ?? 2);
  const output = mainOutputName(runner.metadata);
  const expected = tfForward(model, feeds);
  const actual = (await runner.run(feeds))[output];
  if (actual.dims.join("x") !== expected.dims.join("x")) {
    throw new Error(`${output}: ONNX shape [${actual.dims}] vs TensorFlow.js [${expected.dims}]`);
  }
  return { output, dims: actual.dims, maxAbsDiff: maxAbsDiff(actual.data, expected.data) };
}

export interface TimingReport {
  /** Median milliseconds per forward pass (input upload and output readback included). */
  tfMs: number;
  ortMs: number;
  /** tfMs / ortMs: how many times faster onnxruntime-web is. */
  ratio: number;
  repeats: number;
  tfBackend: string;
}

/**
 * TensorFlow.js vs onnxruntime-web on the same model and input, measured alternately in one
 * run (so both see the same machine load) after one warm-up pass each.
 */
export async function timeBoth(
  model: ExportableModel,
  runner: ExportedModelRunner,
  options: { repeats?: number; seed?: number; batch?: number } = {},
): Promise<TimingReport> {
  const repeats = requireInteger("repeats", options.repeats ?? 10, 1);
  const feeds = randomFeeds(runner.metadata, options.seed ?? 0, options.batch ?? 1);
  tfForward(model, feeds);
  await runner.run(feeds);
  const tfTimes: number[] = [];
  const ortTimes: number[] = [];
  for (let i = 0; i < repeats; i++) {
    let start = performance.now();
    tfForward(model, feeds);
    tfTimes.push(performance.now() - start);
    start = performance.now();
    await runner.run(feeds);
    ortTimes.push(performance.now() - start);
  }
  const tfMs = median(tfTimes);
  const ortMs = median(ortTimes);
  return { tfMs, ortMs, ratio: tfMs / ortMs, repeats, tfBackend: tf.getBackend() };
}
