/**
 * Token tasks on an encoder: each example is n random symbols, and the task says what the
 * encoder reads, what it must output at each position and which positions are scored (copying
 * and reversal, lib/experiments/). The model is a sparse encoder with a linear head over the
 * symbols; the metric is the accuracy over the scored positions of a fixed test set.
 */
import { SparseEncoder, tf } from "../attention/mod.ts";
import {
  argmaxRows,
  EVALUATION_SEED,
  int2d,
  maskedCrossEntropy,
  stackConfig,
  type TaskOutcome,
  type TaskRun,
  tokenHead,
  trainLoop,
  usesFusedOps,
} from "./tasks.ts";
import { type Rng, seededRng } from "../util/random.ts";

/** Token 0 marks the positions to fill; symbols are 1 … symbols. */
export const BLANK = 0;

/** One example: what the encoder reads, what it must output, and which positions count (1). */
export interface TokenExample {
  input: number[];
  target: number[];
  weight: number[];
}

/** A task as a function of the example's random symbols (n of them, each in 1 … symbols). */
export type TokenTask = (symbols: number[]) => TokenExample;

/** A batch of examples: every row's symbols drawn from `rng`, then shaped by the task. */
export function tokenBatch(task: TokenTask, rng: Rng, batch: number, n: number, symbols: number) {
  const input: number[][] = [];
  const target: number[][] = [];
  const weight: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const example = task(Array.from({ length: n }, () => 1 + rng.int(symbols)));
    input.push(example.input);
    target.push(example.target);
    weight.push(example.weight);
  }
  return { input, target, weight };
}

/** The fraction of scored positions predicted right. */
function scoredAccuracy(predicted: number[][], test: ReturnType<typeof tokenBatch>): number {
  let correct = 0;
  let total = 0;
  predicted.forEach((row, b) =>
    row.forEach((p, i) => {
      if (test.weight[b][i]) {
        total++;
        if (p === test.target[b][i]) correct++;
      }
    })
  );
  return correct / total;
}

/** The fixed test examples a token task's final accuracy is measured on. */
export const TOKEN_TEST_EXAMPLES = 256;
/**
 * The first of them that each validation during training measures: the curve's points need
 * less precision than the final number (64 scored positions per example leave the half's
 * accuracy within about ±0.01), and evaluation should cost a small share of a run.
 */
export const TOKEN_VALIDATION_EXAMPLES = 128;

/**
 * Trains an encoder on `task` (`size.extra` symbols), validates on the first
 * TOKEN_VALIDATION_EXAMPLES of TOKEN_TEST_EXAMPLES fixed test examples and measures the final
 * accuracy on all of them; `final` also records chance, 1/symbols.
 */
export async function runTokenTask(task: TokenTask, run: TaskRun): Promise<TaskOutcome> {
  const { n, batch, extra: symbols } = run.size;
  const model = new SparseEncoder({ ...stackConfig(run, symbols + 1), seed: run.seed });
  const head = tokenHead(model.params, "task.head", run.size.width, symbols + 1, usesFusedOps(run));
  const rng = seededRng(run.seed);
  const test = tokenBatch(task, seededRng(EVALUATION_SEED), TOKEN_TEST_EXAMPLES, n, symbols);
  const validation = {
    input: test.input.slice(0, TOKEN_VALIDATION_EXAMPLES),
    target: test.target.slice(0, TOKEN_VALIDATION_EXAMPLES),
    weight: test.weight.slice(0, TOKEN_VALIDATION_EXAMPLES),
  };
  const testInput = int2d(test.input);
  const validationInput = int2d(validation.input);
  const accuracyOn = (input: tf.Tensor2D, examples: typeof test) => {
    const logits = tf.tidy(() => head(model.apply(input)));
    const predicted = argmaxRows(logits);
    logits.dispose();
    return scoredAccuracy(predicted, examples);
  };
  const curve = await trainLoop(run, model.params, () => {
    const data = tokenBatch(task, rng, batch, n, symbols);
    const input = int2d(data.input);
    const loss = () =>
      tf.tidy(() =>
        maskedCrossEntropy(head(model.apply(input)), data.target, data.weight, usesFusedOps(run))
      );
    return { loss, inputs: [input] };
  }, () => accuracyOn(validationInput, validation));
  const final = { accuracy: accuracyOn(testInput, test), chance: 1 / symbols };
  tf.dispose([testInput, validationInput]);
  model.dispose();
  return { metricName: "accuracy", curve, final, dataChecksum: null };
}
