/**
 * The machinery every experiment's task trains with: the sizes of a run (`TaskSize`, with the
 * defaults `taskSize` fills in), what a task is given and what it returns (`TaskRun`,
 * `TaskOutcome`), the sparse stack's configuration, the masked cross-entropy and masked-LM
 * losses, a linear token head, and the shared training loop (Adam, linear warm-up then cosine
 * decay, validation every `evalEvery` steps). The experiments' own data, models and metrics are
 * lib/experiments/; the character language model's setup is here because three callers train
 * it the same way: the language-modelling experiment, the data-parallel trainer and the
 * training benchmark. Every batch is drawn from a seeded generator, so a run is a pure function
 * of its configuration and seed.
 */
import {
  adamTrainer,
  CausalDecoder,
  gatherRowsOp,
  linearOp,
  softmaxCrossEntropyOp,
  type StackConfig,
  tf,
} from "../attention/mod.ts";
import type { ParameterSet } from "../attention/tf/parameters.ts";
import { patternSpecOf, type ResolvedPattern } from "./sweep_grid.ts";
import type { BestModelKeeper } from "./best_model.ts";
import type { CurvePoint } from "./results.ts";
import type { Progress } from "./progress.ts";
import { loadMobyDick } from "./datasets.ts";
import { MASK, Vocabulary } from "./vocab.ts";
import type { Rng } from "../util/random.ts";
import { learningRateAt } from "./schedule.ts";
import { type ConvergenceRule, shouldStop, type Validation } from "./convergence.ts";

/** Model and training sizes of one experiment at one budget. */
export interface TaskSize {
  n: number;
  width: number;
  heads: number;
  ffHidden: number;
  batch: number;
  steps: number;
  /** The peak learning rate (after warm-up; the schedule is lib/train/schedule.ts). */
  learningRate: number;
  /** Steps of linear warm-up before the cosine decay (0: none). */
  warmup: number;
  /** Validation every this many steps (and at the end). */
  evalEvery: number;
  /** Token tasks: distinct symbols. Seq2seq: words per sentence. Classification: MLM steps. */
  extra: number;
  /**
   * Train until the validation metric plateaus (lib/train/convergence.ts) instead of for exactly
   * `steps`: the main phase then runs to the rule's cap at most, its schedule spread over that.
   */
  convergence?: ConvergenceRule;
}

/**
 * A TaskSize with the defaults filled in: peak learning rate 3e-3, warm-up over a tenth of the
 * steps (at most 100), validation ten times per run, `extra` 0.
 */
export function taskSize(
  s: Omit<TaskSize, "learningRate" | "warmup" | "evalEvery" | "extra"> & Partial<TaskSize>,
): TaskSize {
  return {
    learningRate: 3e-3,
    warmup: Math.min(100, Math.floor(s.steps / 10)),
    evalEvery: Math.max(1, Math.floor(s.steps / 10)),
    extra: 0,
    ...s,
  };
}

export interface TaskRun {
  pattern: ResolvedPattern;
  layers: number;
  seed: number;
  size: TaskSize;
  progress: Progress;
  /**
   * Trains through the fused ops and the flat Adam (fused_ops.ts, fused_adam.ts); default
   * true. false runs tfjs's own op chains and tf.train.adam: the same function, more kernels.
   */
  fused?: boolean;
  /**
   * Offered the trained model with its validation score (the definition's `bestModel.metric`);
   * keeps the sweep's best (best_model.ts).
   */
  keepBest?: BestModelKeeper;
}

/** Whether a run trains through the fused ops (the default). */
export const usesFusedOps = (run: Pick<TaskRun, "fused">) => run.fused !== false;

export interface TaskOutcome {
  metricName: string;
  curve: CurvePoint[];
  final: Record<string, number>;
  dataChecksum: string | null;
}

/** The last step's learning rate as a fraction of the peak. */
export const LEARNING_RATE_FLOOR = 0.1;

/** Seed of every fixed evaluation set: the same test examples for every run. */
export const EVALUATION_SEED = 987_654_321;

/** The sparse stack of a run: its pattern, sizes and depth, over a vocabulary of tokens. */
export function stackConfig(run: TaskRun, vocabSize: number): StackConfig {
  const { size, pattern } = run;
  return {
    width: size.width,
    heads: size.heads,
    ffHidden: size.ffHidden,
    layers: run.layers,
    pattern: pattern.schedule,
    patternMode: pattern.patternMode,
    impl: "sparse",
    norm: "pre",
    maxLength: size.n,
    input: { kind: "tokens", vocabSize },
    fused: usesFusedOps(run),
  };
}

/** Rows of token ids as an int32 tensor. */
export const int2d = (rows: number[][]) =>
  tf.tensor2d(rows, [rows.length, rows[0].length], "int32");

/**
 * Mean cross-entropy over the positions whose weight is 1: one fused op (`fused`), or tfjs's
 * one-hot and softmaxCrossEntropy.
 */
export function maskedCrossEntropy(
  logits: tf.Tensor,
  labels: number[][],
  weights: number[][],
  fused = true,
): tf.Scalar {
  if (fused) return softmaxCrossEntropyOp(logits, labels.flat(), weights.flat());
  return tf.tidy(() => {
    const classes = logits.shape[logits.shape.length - 1]!;
    const flatLogits = tf.reshape(logits, [-1, classes]);
    const oneHot = tf.oneHot(tf.tensor1d(labels.flat(), "int32"), classes);
    const w = tf.tensor1d(weights.flat());
    return tf.losses.softmaxCrossEntropy(oneHot, flatLogits, w) as tf.Scalar;
  });
}

/** A linear token head registered in the model's own parameters (so one optimizer trains all). */
export function tokenHead(
  params: ParameterSet,
  name: string,
  width: number,
  outputs: number,
  fused: boolean,
) {
  const w = params.create(`${name}.w`, [width, outputs], "glorot");
  const b = params.create(`${name}.b`, [outputs], "zeros");
  return <T extends tf.Tensor>(states: T): T =>
    tf.tidy(() => {
      if (fused) return linearOp(states, [w], [b]) as T;
      const flat = tf.add(tf.matMul(tf.reshape(states, [-1, width]), w), b);
      return tf.reshape(flat, [...states.shape.slice(0, -1), outputs]) as T;
    });
}

/**
 * The masked-LM loss: the mean cross-entropy of the head's predictions of `targets` at the
 * positions where `masked` holds MASK. Fused, the head runs on those positions' states only
 * (`gatherRowsOp`), about a seventh of its work on every position at a 15% masking rate;
 * unfused, on every position with weight 0 elsewhere (the reference it is tested against).
 */
export function maskedTokenLoss(
  states: tf.Tensor3D,
  head: (states: tf.Tensor) => tf.Tensor,
  masked: number[][],
  targets: number[][],
  fused: boolean,
): tf.Scalar {
  const weights = masked.map((row) => row.map((id) => (id === MASK ? 1 : 0)));
  if (!fused) return maskedCrossEntropy(head(states), targets, weights, false);
  const positions = weights.flat().flatMap((w, i) => (w === 1 ? [i] : []));
  const flatTargets = targets.flat();
  return tf.tidy(() =>
    maskedCrossEntropy(
      head(gatherRowsOp(states, positions)),
      [positions.map((i) => flatTargets[i])],
      [positions.map(() => 1)],
      true,
    )
  );
}

/** The highest-scoring class at every position of `logits`. */
export function argmaxRows(logits: tf.Tensor): number[][] {
  return tf.tidy(() => tf.argMax(logits, -1).arraySync() as number[][]);
}

/**
 * One training batch: its input tensors live outside the loss's tf.tidy because the embedding's
 * custom gradient reads the token ids during the backward pass; the loop disposes them after.
 */
export interface TrainingBatch {
  loss: () => tf.Scalar;
  inputs: tf.Tensor[];
}

/**
 * The learning rate of each step (1-based) of a training phase of `total` steps that starts
 * after `firstStep`: warm-up and cosine decay over the phase, or with a convergence rule over
 * the floor's steps only, the rate then holding at its last value while the rule decides
 * whether more steps still help (as a fixed-length run's, the decay ends at the floor).
 */
export function phaseLearningRate(
  size: Pick<TaskSize, "learningRate" | "warmup">,
  total: number,
  firstStep: number,
  rule?: ConvergenceRule,
): (step: number) => number {
  const decaySteps = rule ? Math.max(1, Math.min(total, rule.floorSteps - firstStep)) : total;
  const schedule = {
    peak: size.learningRate,
    warmup: Math.min(size.warmup, decaySteps),
    steps: decaySteps,
    floor: LEARNING_RATE_FLOOR,
  };
  return (step) => learningRateAt(schedule, Math.min(step, decaySteps));
}

/**
 * The shared loop: `steps` Adam steps on `batchLoss`, validation every `evalEvery` steps,
 * progress after every step. Returns the curve. The main phase of a run whose size has a
 * convergence rule (the phase of `run.size.steps` steps) instead trains up to the rule's cap and
 * stops after the first validation at which the rule says so; its rate decays over the floor's
 * steps and then holds.
 */
export async function trainLoop(
  run: TaskRun,
  params: ParameterSet,
  batchLoss: (step: number) => TrainingBatch,
  validate: () => number,
  firstStep = 0,
  steps = run.size.steps,
): Promise<CurvePoint[]> {
  const rule = steps === run.size.steps ? run.size.convergence : undefined;
  const total = rule ? Math.max(1, rule.capSteps - firstStep) : steps;
  const trainer = adamTrainer(params, {
    learningRate: run.size.learningRate,
    fused: usesFusedOps(run),
  });
  const curve: CurvePoint[] = [];
  const validations: Validation[] = [];
  // one curve point per 1% of training (the mean loss since the last point) keeps files small
  const pointEvery = Math.max(1, Math.floor(total / 100));
  let lossSum = 0;
  let lossCount = 0;
  const rateAt = phaseLearningRate(run.size, total, firstStep, rule);
  for (let step = 1; step <= total; step++) {
    trainer.setLearningRate(rateAt(step));
    const batch = batchLoss(step);
    const loss = trainer.step(batch.loss);
    tf.dispose(batch.inputs);
    lossSum += loss;
    lossCount++;
    const global = firstStep + step;
    let last = step === total;
    const evaluate = step % run.size.evalEvery === 0 || last;
    if (evaluate || step % pointEvery === 0) {
      const point: CurvePoint = { step: global, loss: lossSum / lossCount };
      if (evaluate) {
        point.metric = validate();
        validations.push({ step: global, metric: point.metric });
        if (rule && shouldStop(validations, global, rule)) last = true;
      }
      curve.push(point);
      lossSum = 0;
      lossCount = 0;
    }
    await run.progress.update(global, loss, last);
    if (last) break;
  }
  trainer.dispose();
  return curve;
}

/**
 * The language model of one run and its training batches: the causal decoder built from the
 * run's pattern and sizes over the characters of Moby Dick, and `trainingBatch(rng)`, one batch
 * of `size.batch` random windows of the training text with its loss. The language-modelling
 * experiment (lib/experiments/language_modeling.ts) trains through this, and so do the
 * data-parallel trainer and the training benchmark (tools/bench/training.ts), so all three run
 * the same code.
 */
export function languageModelSetup(run: Omit<TaskRun, "progress">) {
  const slice = loadMobyDick();
  const text = slice.data;
  const vocab = new Vocabulary(text.train);
  const { n, batch } = run.size;
  const fused = usesFusedOps(run);
  // patternSpec and vocabulary ride along in the config: a saved model's weights file records
  // them, so it can be rebuilt, exported and served
  const config = {
    ...stackConfig(run as TaskRun, vocab.size),
    input: { kind: "tokens" as const, vocabSize: vocab.size },
    seed: run.seed,
    patternSpec: patternSpecOf(run.pattern),
    vocabulary: vocab.symbols,
  };
  const model = new CausalDecoder(config);
  const windows = (source: string, starts: number[]) => {
    const ids = starts.map((s) => vocab.encode(source.slice(s, s + n + 1)));
    return { input: ids.map((w) => w.slice(0, n)), target: ids.map((w) => w.slice(1)) };
  };
  /** The mean next-character loss of windows whose inputs are `input`. */
  const windowLoss = (input: tf.Tensor2D, target: number[][]) => {
    const ones = target.map((row) => row.map(() => 1));
    return maskedCrossEntropy(model.logits(input), target, ones, fused);
  };
  const trainingBatch = (rng: Rng): TrainingBatch => {
    const starts = Array.from({ length: batch }, () => rng.int(text.train.length - n - 1));
    const data = windows(text.train, starts);
    const input = int2d(data.input);
    return { loss: () => tf.tidy(() => windowLoss(input, data.target)), inputs: [input] };
  };
  return { slice, text, vocab, model, windows, windowLoss, trainingBatch };
}
