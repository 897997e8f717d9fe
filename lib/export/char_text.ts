/**
 * Text in, next-character predictions out, for an exported character model (a causal decoder
 * whose metadata carries its vocabulary). Pure functions over plain arrays: Deno and the
 * explorer page run the same code, so the page's prediction can be compared with Deno's.
 */
import { InputError } from "../util/errors.ts";
import type { ExportedModelRunner, LabModelMetadata, TensorData } from "./metadata.ts";

export interface EncodedText {
  /** n token ids; positions after `length` are padding (a causal model never looks ahead). */
  ids: Int32Array;
  /** Characters used (the last n of the text). */
  length: number;
  /** Characters cut from the front because the text is longer than n. */
  cut: number;
  /** Characters the vocabulary lacks (dropped). */
  unknown: string[];
}

/** The model's vocabulary, or an InputError saying why this is not a character model. */
export function requireCharacterModel(metadata: LabModelMetadata): string[] {
  if (metadata.kind !== "causal-decoder" || !metadata.vocabulary) {
    throw new InputError(
      "model",
      metadata.kind,
      "the page needs a character model (a causal decoder exported with its vocabulary)",
    );
  }
  return metadata.vocabulary;
}

/**
 * Maps characters to ids (a character missing from the vocabulary is tried in lower case,
 * then dropped and reported) and keeps the last n.
 */
export function encodeText(text: string, vocabulary: readonly string[], n: number): EncodedText {
  const index = new Map(vocabulary.map((char, id) => [char, id]));
  const ids: number[] = [];
  const unknown = new Set<string>();
  for (const char of text) {
    const id = index.get(char) ?? index.get(char.toLowerCase());
    if (id === undefined) unknown.add(char);
    else ids.push(id);
  }
  if (ids.length === 0) {
    throw new InputError("text", text, "no character of the model's vocabulary; type some text");
  }
  const kept = ids.slice(-n);
  const padded = new Int32Array(n);
  padded.set(kept);
  return { ids: padded, length: kept.length, cut: ids.length - kept.length, unknown: [...unknown] };
}

export interface CharacterPrediction {
  char: string;
  probability: number;
}

/** softmax of the logits at `position` ([1, n, vocab] output), the k most likely characters. */
export function topCharacters(
  logits: TensorData,
  position: number,
  vocabulary: readonly string[],
  k = 5,
): CharacterPrediction[] {
  const size = vocabulary.length;
  const row = Array.from(logits.data.subarray(position * size, (position + 1) * size));
  const max = Math.max(...row);
  const weights = row.map((value) => Math.exp(value - max));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights
    .map((weight, id) => ({ char: vocabulary[id], probability: weight / total }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, k);
}

export interface TextPrediction {
  encoded: EncodedText;
  predictions: CharacterPrediction[];
  /** Attention probabilities per layer for the one sequence: [heads][n][n] flattened. */
  attention: { name: string; heads: number; data: Float32Array }[];
}

/** Runs a character model on text and reads the prediction after its last character. */
export async function predictNextCharacter(
  runner: ExportedModelRunner,
  text: string,
  k = 5,
): Promise<TextPrediction> {
  const vocabulary = requireCharacterModel(runner.metadata);
  const n = runner.metadata.n;
  const encoded = encodeText(text, vocabulary, n);
  const outputs = await runner.run({ input: { type: "int32", dims: [1, n], data: encoded.ids } });
  return {
    encoded,
    predictions: topCharacters(outputs.logits, encoded.length - 1, vocabulary, k),
    attention: runner.metadata.attentionOutputs.map((name) => ({
      name,
      heads: outputs[name].dims[1],
      data: outputs[name].data as Float32Array,
    })),
  };
}
