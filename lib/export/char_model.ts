/**
 * The placeholder character model the explorer page runs in place of a model from the
 * experiments: a small causal decoder trained for a few seconds on the paper's abstract
 * (data/models/abstract.txt, lower-cased). It learns the abstract's spelling, not language;
 * the page and notebook 16 say so.
 */
import { tf } from "../attention/tf/backend.ts";
import { CausalDecoder, crossEntropy, trainStep } from "../attention/tf/models.ts";
import type { StackConfig } from "../attention/tf/models.ts";
import { seededRng } from "../util/random.ts";
import { InputError, requireInteger } from "../util/errors.ts";
import { patternSourceOf, type PatternSpec } from "./saved_model.ts";
import { pathFromUrl } from "../util/system.ts";

/** Weights stem of the committed placeholder (`.json` + `.bin`). */
export const PLACEHOLDER_CHAR_MODEL = pathFromUrl(
  "../../data/models/char-placeholder",
  import.meta.url,
);
export const ABSTRACT_CORPUS = pathFromUrl("../../data/models/abstract.txt", import.meta.url);

export interface CharTrainingOptions {
  corpus: string;
  /** Wall-clock training budget. */
  seconds: number;
  /** Training window (and positional-embedding length). */
  n?: number;
  /** Strided-causal with stride 8 by default: a window of 8 plus every 8th earlier token. */
  pattern?: PatternSpec;
  seed?: number;
  batch?: number;
}

export interface TrainedCharModel {
  model: CausalDecoder;
  vocabulary: string[];
  steps: number;
  firstLoss: number;
  lastLoss: number;
  seconds: number;
}

export function trainCharModel(options: CharTrainingOptions): TrainedCharModel {
  const n = requireInteger("n", options.n ?? 64, 2);
  const batch = requireInteger("batch", options.batch ?? 16, 1);
  const text = options.corpus.toLowerCase();
  if (text.length < n + 1) {
    throw new InputError("corpus length", text.length, `needs more than n = ${n} characters`);
  }
  const vocabulary = [...new Set(text)].sort();
  const ids = Int32Array.from(text, (char) => vocabulary.indexOf(char));
  const patternSpec = options.pattern ?? { name: "strided-causal", params: { c: 8 } };
  const description = `placeholder character model: trained for ${options.seconds} s on the ` +
    `paper's abstract (${text.length} characters); it has memorised fragments of the abstract ` +
    "and stands in for the experiments' trained model";
  const config = {
    width: 32,
    heads: 2,
    ffHidden: 64,
    layers: 2,
    pattern: patternSourceOf(patternSpec),
    impl: "dense",
    norm: "pre",
    maxLength: n,
    input: { kind: "tokens", vocabSize: vocabulary.length },
    seed: options.seed ?? 0,
    // recorded in the weights file so that the model can be rebuilt and exported later
    patternSpec,
    vocabulary,
    description,
  } satisfies StackConfig & Record<string, unknown>;
  const model = new CausalDecoder(config);
  const optimizer = tf.train.adam(0.01);
  const rng = seededRng(options.seed ?? 0);
  const started = performance.now();
  let steps = 0;
  let firstLoss = NaN;
  let lastLoss = NaN;
  while (performance.now() - started < options.seconds * 1000) {
    const inputs = new Int32Array(batch * n);
    const targets = new Int32Array(batch * n);
    for (let b = 0; b < batch; b++) {
      const start = Math.floor(rng.next() * (ids.length - n));
      inputs.set(ids.subarray(start, start + n), b * n);
      targets.set(ids.subarray(start + 1, start + n + 1), b * n);
    }
    const x = tf.tensor2d(inputs, [batch, n], "int32");
    const y = tf.tensor2d(targets, [batch, n], "int32");
    lastLoss = trainStep(optimizer, model.params, () => crossEntropy(model.logits(x), y));
    if (steps === 0) firstLoss = lastLoss;
    tf.dispose([x, y]);
    steps++;
  }
  optimizer.dispose();
  return {
    model,
    vocabulary,
    steps,
    firstLoss,
    lastLoss,
    seconds: (performance.now() - started) / 1000,
  };
}
