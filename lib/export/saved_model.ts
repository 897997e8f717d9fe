/**
 * Models saved by lib/attention/tf (`<stem>.json` + `<stem>.bin`) rebuilt for export. The
 * weights file records the model kind and its config, but a pattern only as text; a config
 * that carries `patternSpec` ({name, params} of the zoo, without n) can be rebuilt at any n,
 * and otherwise the caller names the pattern. A character model also records `vocabulary`.
 */
import {
  CausalDecoder,
  EncoderClassifier,
  EncoderDecoder,
  SparseEncoder,
} from "../attention/tf/models.ts";
import type { PatternSource } from "../attention/tf/layers.ts";
import { readWeightsManifest, validateModelConfig } from "../attention/tf/model_file.ts";
import { MAX_PRINTED_NAME_CHARS } from "../util/limits.ts";
import { buildPattern } from "../pattern/zoo.ts";
import { InputError } from "../util/errors.ts";
import type { ExportableModel } from "./export_model.ts";

/** A zoo pattern by name and parameters; n is supplied per sequence length. */
export interface PatternSpec {
  name: string;
  params: Record<string, number | string>;
}

export function patternSourceOf(spec: PatternSpec): PatternSource {
  buildPattern(spec.name, { ...spec.params, n: 1 }); // fails early on a bad name or parameter
  return (n: number) => buildPattern(spec.name, { ...spec.params, n });
}

export interface SavedModel {
  model: ExportableModel;
  /** The pattern recorded in the weights file, if any. */
  patternSpec?: PatternSpec;
  vocabulary?: string[];
  description?: string;
}

/** A recorded patternSpec checked for shape: a zoo name and numbers or strings as parameters. */
function validPatternSpec(value: unknown, file: string): PatternSpec | undefined {
  if (value === undefined) return undefined;
  const spec = value as Partial<PatternSpec> | null;
  const paramsOk = typeof spec?.params === "object" && spec.params !== null &&
    !Array.isArray(spec.params) &&
    Object.values(spec.params).every((v) =>
      (typeof v === "number" && Number.isFinite(v)) || typeof v === "string"
    );
  if (
    typeof spec?.name !== "string" || spec.name.length > MAX_PRINTED_NAME_CHARS || !paramsOk
  ) {
    throw new InputError(
      `${file} metadata.config.patternSpec`,
      value,
      "expected {name, params} with numbers or strings as parameters",
    );
  }
  return spec as PatternSpec;
}

/**
 * Loads `<stem>.json` / `.bin`. `pattern` replaces the recorded patternSpec (required when
 * the file has none).
 */
export async function loadSavedModel(stem: string, pattern?: PatternSource): Promise<SavedModel> {
  const file = `${stem}.json`;
  const { manifest } = readWeightsManifest(stem, "--model");
  const { kind, config } = (manifest.metadata ?? {}) as { kind?: unknown; config?: unknown };
  if (config === undefined) {
    throw new InputError("--model", stem, "the weights file records no model config");
  }
  validateModelConfig(kind, config, file);
  const patternSpec = validPatternSpec((config as Record<string, unknown>).patternSpec, file);
  if (!pattern && !patternSpec) {
    throw new InputError(
      "--pattern",
      undefined,
      `${stem}.json records no patternSpec; name the pattern the model was trained with`,
    );
  }
  const rebuilt = {
    ...(config as Record<string, unknown>),
    pattern: pattern ?? patternSourceOf(patternSpec!),
    // deno-lint-ignore no-explicit-any
  } as any;
  delete rebuilt.decoderPattern; // the recorded one is text; the decoder then uses `pattern`
  const model = kind === "encoder"
    ? new SparseEncoder(rebuilt)
    : kind === "causal-decoder"
    ? new CausalDecoder(rebuilt)
    : kind === "encoder-decoder"
    ? new EncoderDecoder(rebuilt)
    : kind === "encoder-classifier"
    ? new EncoderClassifier(rebuilt)
    : undefined;
  if (!model) throw new InputError(`${stem}.json kind`, kind, "not a model kind of the lab");
  await model.load(stem, "--model");
  return {
    model,
    patternSpec,
    vocabulary: rebuilt.vocabulary as string[] | undefined,
    description: typeof rebuilt.description === "string" ? rebuilt.description : undefined,
  };
}
