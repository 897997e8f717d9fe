/**
 * A model file (`<stem>.json` manifest + `<stem>.bin` weights, see parameters.ts) read as
 * untrusted input. Everything is checked before anything is allocated for it: the manifest is a
 * capped read of a regular file; every weight's name, shape and offset has its type and range;
 * the weights tile the `.bin` exactly (offsets in float32s, so aligned; no gap, no overlap); the
 * `.bin` is a regular file whose size is exactly what the manifest implies; the recorded model
 * config has integers where integers are meant, within the limits of `lib/util/limits.ts`, and
 * the parameters a model built from it would allocate are bounded before it is built. A failure
 * is one InputError naming the file, the field and the value.
 */
import { InputError } from "../../util/errors.ts";
import {
  MAX_MODEL_FF_WIDTH,
  MAX_MODEL_FILE_BYTES,
  MAX_MODEL_LAYERS,
  MAX_MODEL_LENGTH,
  MAX_MODEL_MANIFEST_BYTES,
  MAX_MODEL_OUTPUTS,
  MAX_MODEL_PARAMETERS,
  MAX_MODEL_WIDTH,
  MAX_PRINTED_NAME_CHARS,
} from "../../util/limits.ts";
import { readJsonFileSync, readRegularFileSync } from "../../util/regular_file.ts";
import type { WeightsManifest } from "./parameters.ts";

/** The model kinds a weights file may record, as each model class names itself. */
export const MODEL_KINDS = [
  "encoder",
  "causal-decoder",
  "encoder-decoder",
  "encoder-classifier",
] as const;
export type ModelKind = typeof MODEL_KINDS[number];

const WEIGHTS_FORMAT = "o-n-lab-weights/1";
/** Most dimensions a weight has (the lab's weights are matrices and vectors). */
const MAX_WEIGHT_RANK = 4;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Throws unless `value` is an integer in [min, max], naming `file field`. */
function integerField(file: string, field: string, value: unknown, min: number, max: number) {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(`${file} ${field}`, value, `expected an integer in [${min}, ${max}]`);
  }
  return value;
}

function stringField(file: string, field: string, value: unknown, maxChars: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > maxChars) {
    throw new InputError(
      `${file} ${field}`,
      value,
      `expected a non-empty string of at most ${maxChars} characters`,
    );
  }
  return value;
}

function oneOf<T extends string>(
  file: string,
  field: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new InputError(`${file} ${field}`, value, `expected one of ${allowed.join(", ")}`);
  }
  return value as T;
}

/**
 * Checks a parsed manifest's format and weights (names, shapes, offsets, their layout) and
 * returns it typed, with the number of float32 values the weights hold in all.
 */
export function validateWeightsManifest(
  value: unknown,
  file: string,
): { manifest: WeightsManifest; values: number } {
  if (!isRecord(value)) throw new InputError(file, value, "expected a JSON object");
  if (value.format !== WEIGHTS_FORMAT) {
    throw new InputError(`${file} format`, value.format, `expected "${WEIGHTS_FORMAT}"`);
  }
  if (value.metadata !== undefined && !isRecord(value.metadata)) {
    throw new InputError(`${file} metadata`, value.metadata, "expected an object");
  }
  const weights = value.weights;
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new InputError(`${file} weights`, weights, "expected a non-empty list of weights");
  }
  const names = new Set<string>();
  const layout: { offset: number; size: number; field: string }[] = [];
  weights.forEach((entry: unknown, i: number) => {
    const field = `weights[${i}]`;
    if (!isRecord(entry)) throw new InputError(`${file} ${field}`, entry, "expected an object");
    const name = stringField(file, `${field}.name`, entry.name, MAX_PRINTED_NAME_CHARS);
    if (names.has(name)) throw new InputError(`${file} ${field}.name`, name, "already used");
    names.add(name);
    const shape = entry.shape;
    if (!Array.isArray(shape) || shape.length === 0 || shape.length > MAX_WEIGHT_RANK) {
      throw new InputError(
        `${file} ${field}.shape`,
        shape,
        `expected a list of 1 to ${MAX_WEIGHT_RANK} dimensions`,
      );
    }
    let size = 1;
    shape.forEach((dimension: unknown, d: number) => {
      size *= integerField(file, `${field}.shape[${d}]`, dimension, 1, MAX_MODEL_PARAMETERS);
    });
    if (size > MAX_MODEL_PARAMETERS) {
      throw new InputError(
        `${file} ${field}.shape`,
        shape,
        `${size} values; the limit is ${MAX_MODEL_PARAMETERS} parameters`,
      );
    }
    const offset = integerField(file, `${field}.offset`, entry.offset, 0, MAX_MODEL_PARAMETERS);
    layout.push({ offset, size, field });
  });
  // the weights tile [0, total) in order of their offsets: no gap, no overlap
  layout.sort((a, b) => a.offset - b.offset);
  let total = 0;
  for (const { offset, size, field } of layout) {
    if (offset !== total) {
      throw new InputError(
        `${file} ${field}.offset`,
        offset,
        `expected ${total} (weights are stored back to back, in float32s)`,
      );
    }
    total += size;
    if (total > MAX_MODEL_PARAMETERS) {
      throw new InputError(
        `${file} weights`,
        `${total}+ values`,
        `the limit is ${MAX_MODEL_PARAMETERS} parameters`,
      );
    }
  }
  return { manifest: value as unknown as WeightsManifest, values: total };
}

/** `<stem>.json`, read and checked as validateWeightsManifest checks it. */
export function readWeightsManifest(
  stem: string,
  parameter = "--model",
): { manifest: WeightsManifest; values: number } {
  const file = `${stem}.json`;
  const value = readJsonFileSync(file, { parameter, maxBytes: MAX_MODEL_MANIFEST_BYTES });
  return validateWeightsManifest(value, file);
}

/** `<stem>.bin`, read only when it is a regular file of exactly `values` float32s. */
export function readWeightsData(stem: string, values: number, parameter = "--model"): Uint8Array {
  const file = `${stem}.bin`;
  const expected = 4 * values;
  const data = readRegularFileSync(file, {
    parameter,
    maxBytes: Math.min(expected, MAX_MODEL_FILE_BYTES),
  });
  if (data.length !== expected) {
    throw new InputError(
      `${file} size`,
      data.length,
      `the manifest's ${values} float32 values need exactly ${expected} bytes`,
    );
  }
  return data;
}

/**
 * Checks the model config a weights file records for `kind` (types, integers, ranges) and
 * bounds the parameters a model built from it would allocate; returns the kind.
 */
export function validateModelConfig(kind: unknown, config: unknown, file: string): ModelKind {
  const modelKind = oneOf(file, "metadata.kind", kind, MODEL_KINDS);
  if (!isRecord(config)) {
    throw new InputError(`${file} metadata.config`, config, "expected the model's config");
  }
  const field = (name: string) => `metadata.config.${name}`;
  const width = integerField(file, field("width"), config.width, 1, MAX_MODEL_WIDTH);
  const heads = integerField(file, field("heads"), config.heads, 1, width);
  if (width % heads !== 0) {
    throw new InputError(`${file} ${field("heads")}`, heads, `must divide the width ${width}`);
  }
  const ffHidden = integerField(file, field("ffHidden"), config.ffHidden, 1, MAX_MODEL_FF_WIDTH);
  const layers = integerField(file, field("layers"), config.layers, 1, MAX_MODEL_LAYERS);
  const maxLength = integerField(file, field("maxLength"), config.maxLength, 1, MAX_MODEL_LENGTH);
  oneOf(file, field("norm"), config.norm, ["pre", "post", "none"]);
  oneOf(file, field("impl"), config.impl, ["dense", "sparse"]);
  if (config.patternMode !== undefined) {
    oneOf(file, field("patternMode"), config.patternMode, ["layers", "heads"]);
  }
  if (config.activation !== undefined) {
    oneOf(file, field("activation"), config.activation, ["relu", "gelu"]);
  }
  const input = config.input;
  if (!isRecord(input)) {
    throw new InputError(`${file} ${field("input")}`, input, "expected an object");
  }
  const inputKind = oneOf(file, field("input.kind"), input.kind, ["tokens", "vectors"]);
  const vocabSize = inputKind === "tokens"
    ? integerField(file, field("input.vocabSize"), input.vocabSize, 1, MAX_MODEL_OUTPUTS)
    : 0;
  const classes = modelKind === "encoder-classifier"
    ? integerField(file, field("classes"), config.classes, 1, MAX_MODEL_OUTPUTS)
    : 0;
  if (config.vocabulary !== undefined) {
    const vocabulary = config.vocabulary;
    if (
      !Array.isArray(vocabulary) || vocabulary.length !== vocabSize ||
      !vocabulary.every((token) => typeof token === "string")
    ) {
      throw new InputError(
        `${file} ${field("vocabulary")}`,
        vocabulary,
        `expected ${vocabSize} strings (one per token id)`,
      );
    }
  }
  const stacks = modelKind === "encoder-decoder" ? 2 : 1;
  const perLayer = 4 * width * width + 2 * width * ffHidden + ffHidden + 9 * width;
  const crossAttention = modelKind === "encoder-decoder" ? 4 * width * width + 6 * width : 0;
  const estimate = stacks * (layers * perLayer + (maxLength + vocabSize + 2) * width) +
    layers * crossAttention + width * (vocabSize + classes) + vocabSize + classes;
  if (estimate > MAX_MODEL_PARAMETERS) {
    throw new InputError(
      `${file} metadata.config`,
      `width ${width}, ffHidden ${ffHidden}, layers ${layers}, maxLength ${maxLength}`,
      `a model of this size holds about ${estimate} parameters; ` +
        `the limit is ${MAX_MODEL_PARAMETERS}`,
    );
  }
  return modelKind;
}
