/** Shared helpers of the attention tests. */
import { tf } from "../../lib/attention/tf/backend.ts";
import type { ParameterSet } from "../../lib/attention/tf/parameters.ts";
import { seededRng } from "../../lib/util/random.ts";
import type { Trainer } from "../../lib/attention/tf/fused_adam.ts";
import { learningRateAt } from "../../lib/train/schedule.ts";
import { languageModelSetup, type TaskSize } from "../../lib/train/tasks.ts";
import { resolvePattern } from "../../lib/train/sweep_grid.ts";

/** Asserts |actual − expected| ≤ tolerance entry by entry, naming the first bad entry. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = 1e-12,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} vs ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      throw new Error(`entry ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

/** max |a − b| / (1 + |b|) over all entries: relative for large values, absolute near 0. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} vs ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  }
  return worst;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Uniform(−1, 1) float32 tensor from a seed: unit-scale inputs. */
export function randomTensor(shape: [number, number, number], seed: number): tf.Tensor3D {
  const rng = seededRng(seed);
  const size = shape[0] * shape[1] * shape[2];
  return tf.tensor3d(Float32Array.from({ length: size }, () => 2 * rng.next() - 1), shape);
}

/** Overwrites every parameter (biases and norms too) with uniform(±scale/√fan-in) values. */
export function randomizeParameters(params: ParameterSet, seed: number, scale = 1): void {
  const rng = seededRng(seed);
  for (const variable of params.list()) {
    const fanIn = variable.shape.length > 1 ? variable.shape[0] : 4;
    const limit = scale * Math.sqrt(3 / fanIn);
    const values = Float32Array.from({ length: variable.size }, () => (2 * rng.next() - 1) * limit);
    const update = tf.tensor(values, variable.shape);
    variable.assign(update);
    update.dispose();
  }
}

/** The small language model whose 50-step loss curves the tests compare across code paths. */
export const CURVE_SIZE: TaskSize = {
  n: 16,
  width: 16,
  heads: 2,
  ffHidden: 32,
  batch: 4,
  steps: 50,
  learningRate: 3e-3,
  // every path follows the warm-up and decay schedule (TfAdam through its rate field)
  warmup: 10,
  evalEvery: 50,
  extra: 0,
};

/**
 * The loss of each of CURVE_SIZE's steps of a 2-layer STRIDED SEQUENTIAL language model (seeded:
 * the same on every path but for rounding), trained by the trainer `makeTrainer` builds; `hooks`
 * see the model before the first step and after each. The model and trainer are disposed after.
 */
export function languageModelLossCurve(
  fused: boolean,
  makeTrainer: (params: ParameterSet) => Trainer,
  hooks: {
    beforeSteps?: () => void;
    afterStep?: (step: number, setup: ReturnType<typeof languageModelSetup>) => void;
  } = {},
): number[] {
  const size = CURVE_SIZE;
  const pattern = resolvePattern(
    { pattern: "strided", configuration: "sequential" },
    size.n,
    undefined,
    0,
    { c: 4 },
  );
  const setup = languageModelSetup({ pattern, layers: 2, seed: 3, size, fused });
  const trainer = makeTrainer(setup.model.params);
  const rng = seededRng(5);
  const schedule = { peak: size.learningRate, warmup: size.warmup, steps: size.steps, floor: 0.1 };
  const losses: number[] = [];
  hooks.beforeSteps?.();
  for (let step = 0; step < size.steps; step++) {
    trainer.setLearningRate(learningRateAt(schedule, step + 1));
    const batch = setup.trainingBatch(rng);
    losses.push(trainer.step(batch.loss));
    tf.dispose(batch.inputs);
    hooks.afterStep?.(step, setup);
  }
  trainer.dispose();
  setup.model.dispose();
  return losses;
}
