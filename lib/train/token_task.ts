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

/**
 * Trains an encoder on `task` (`size.extra` symbols) and measures its accuracy on 256 fixed
 * test examples; `final` also records chance, 1/symbols.
 */
export async function runTokenTask(task: TokenTask, run: TaskRun): Promise<TaskOutcome> {
  const { n, batch, extra: symbols } = run.size;
  const model = new SparseEncoder({ ...stackConfig(run, symbols + 1), seed: run.seed });
  const head = tokenHead(model.params, "task.head", run.size.width, symbols + 1, usesFusedOps(run));
  const rng = seededRng(run.seed);
  const test = tokenBatch(task, seededRng(EVALUATION_SEED), 256, n, symbols);
  const testInput = int2d(test.input);
  const accuracy = () => {
    const logits = tf.tidy(() => head(model.apply(testInput)));
    const predicted = argmaxRows(logits);
    logits.dispose();
    return scoredAccuracy(predicted, test);
  };
  const curve = await trainLoop(run, model.params, () => {
    const data = tokenBatch(task, rng, batch, n, symbols);
    const input = int2d(data.input);
    const loss = () =>
      tf.tidy(() =>
        maskedCrossEntropy(head(model.apply(input)), data.target, data.weight, usesFusedOps(run))
      );
    return { loss, inputs: [input] };
  }, accuracy);
  const final = { accuracy: accuracy(), chance: 1 / symbols };
  testInput.dispose();
  model.dispose();
  return { metricName: "accuracy", curve, final, dataChecksum: null };
}
