/**
 * The "simple model" line of the classification figure: logistic regression on a bag of words,
 * trained on the same e-mails the Transformers fine-tune on and tested on the same held-out set.
 * If attention patterns are compared at accuracies a word count already reaches, the comparison
 * says little about attention; drawing this line beside them says how much the models add.
 *
 * Float64 throughout, full-batch gradient descent with L2 regularisation, deterministic.
 */
import { requireInteger, requireNumber } from "../util/errors.ts";
import { mostFrequent } from "./vocab.ts";

export interface BagOfWordsOptions {
  /** The most frequent training words kept as features. */
  vocabulary?: number;
  /** Full-batch gradient steps. */
  steps?: number;
  learningRate?: number;
  /** L2 penalty on the weights (not the bias). */
  l2?: number;
}

export interface BagOfWordsModel {
  words: string[];
  weights: Float64Array;
  bias: number;
  /** P(label = 1 | text). */
  probability(text: string): number;
  predict(text: string): 0 | 1;
}

/** Lower-case words of letters and digits: the features' tokens. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** Binary presence features (a word counts once per text), normalised by their count. */
function featureIndices(text: string, index: Map<string, number>): number[] {
  const seen = new Set<number>();
  for (const word of wordsOf(text)) {
    const i = index.get(word);
    if (i !== undefined) seen.add(i);
  }
  return [...seen];
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function trainBagOfWords(
  examples: readonly (readonly [string, number])[],
  options: BagOfWordsOptions = {},
): BagOfWordsModel {
  const vocabularySize = requireInteger("vocabulary", options.vocabulary ?? 2000, 1);
  // on the e-mails the validation accuracy stops rising by 1,000 steps
  const steps = requireInteger("steps", options.steps ?? 1000, 1);
  const learningRate = requireNumber("learningRate", options.learningRate ?? 2, 0);
  const l2 = requireNumber("l2", options.l2 ?? 1e-3, 0);
  if (examples.length === 0) throw new RangeError("trainBagOfWords: no examples");
  // the words in the most training texts (each counted once per text), deterministically
  const words = mostFrequent(
    examples.flatMap(([text]) => [...new Set(wordsOf(text))]),
    vocabularySize,
  );
  const index = new Map(words.map((word, i) => [word, i]));
  const features = examples.map(([text]) => featureIndices(text, index));
  const labels = examples.map(([, label]) => label);
  const weights = new Float64Array(words.length);
  let bias = 0;
  const gradient = new Float64Array(words.length);
  for (let step = 0; step < steps; step++) {
    gradient.fill(0);
    let biasGradient = 0;
    features.forEach((active, e) => {
      const scale = active.length > 0 ? 1 / Math.sqrt(active.length) : 0;
      let z = bias;
      for (const i of active) z += weights[i] * scale;
      const error = sigmoid(z) - labels[e];
      for (const i of active) gradient[i] += error * scale;
      biasGradient += error;
    });
    for (let i = 0; i < weights.length; i++) {
      weights[i] -= learningRate * (gradient[i] / examples.length + l2 * weights[i]);
    }
    bias -= (learningRate * biasGradient) / examples.length;
  }
  const probability = (text: string) => {
    const active = featureIndices(text, index);
    const scale = active.length > 0 ? 1 / Math.sqrt(active.length) : 0;
    let z = bias;
    for (const i of active) z += weights[i] * scale;
    return sigmoid(z);
  };
  return {
    words,
    weights,
    bias,
    probability,
    predict: (text) => (probability(text) >= 0.5 ? 1 : 0),
  };
}

/** Fraction of `examples` the model labels correctly. */
export function bagOfWordsAccuracy(
  model: BagOfWordsModel,
  examples: readonly (readonly [string, number])[],
): number {
  const correct = examples.filter(([text, label]) => model.predict(text) === label).length;
  return correct / examples.length;
}
