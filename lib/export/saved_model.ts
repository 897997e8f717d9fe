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
import type { WeightsManifest } from "../attention/tf/parameters.ts";
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

/**
 * Loads `<stem>.json` / `.bin`. `pattern` replaces the recorded patternSpec (required when
 * the file has none).
 */
export async function loadSavedModel(stem: string, pattern?: PatternSource): Promise<SavedModel> {
  let manifest: WeightsManifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(`${stem}.json`));
  } catch (error) {
    throw new InputError(
      "--model",
      stem,
      `cannot read ${stem}.json (${(error as Error).message.split("\n")[0]})`,
    );
  }
  const { kind, config } = (manifest.metadata ?? {}) as {
    kind?: string;
    config?: Record<string, unknown>;
  };
  if (!config) throw new InputError("--model", stem, "the weights file records no model config");
  const patternSpec = config.patternSpec as PatternSpec | undefined;
  if (!pattern && !patternSpec) {
    throw new InputError(
      "--pattern",
      undefined,
      `${stem}.json records no patternSpec; name the pattern the model was trained with`,
    );
  }
  // deno-lint-ignore no-explicit-any
  const rebuilt = { ...config, pattern: pattern ?? patternSourceOf(patternSpec!) } as any;
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
  await model.load(stem);
  return {
    model,
    patternSpec,
    vocabulary: config.vocabulary as string[] | undefined,
    description: config.description as string | undefined,
  };
}
