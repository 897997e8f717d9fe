/**
 * Training steps at the sizes the sweeps train: each experiment's full budget, at its deepest
 * planned depth, dense and with one sparse series of its plan, trained through the experiment's
 * own `run` (lib/experiments), so that data, model, loss, optimizer and evaluation are exactly
 * what a committed run executes. Only the number of steps is cut: a case trains two validation
 * intervals and one step, so that two validations fall inside the timing.
 *
 * From the step reports (one per training step, through the run's Progress) come:
 * - msPerStep: the median time between consecutive steps (a validation's extra time is in one
 *   interval out of `evalEvery`, so the median leaves it out);
 * - validationMs: the median extra time of the intervals that held a validation;
 * - setupMs: from the run's start to its first step, less one step (data, model, optimizer);
 * - finalMs: from the last step to the run's return (the held-out test evaluation);
 * - evaluationShare: what validations and the final evaluation cost of a full run at this
 *   budget, (validations · validationMs + finalMs) / (steps · msPerStep + that), where steps
 *   counts every step the run trains (pretraining included);
 * - wasmMsPerStep: the same run's step time with the machine's BLAS turned off (the WASM SIMD
 *   matmul for every product), from a shorter run of WASM_PATH_STEPS steps; null where the
 *   native path is not active (msPerStep is then the WASM path's).
 */
import { initTf } from "../../lib/attention/tf/backend.ts";
import { LAB_EXPERIMENTS, requireExperiment } from "../../lib/experiments/registry.ts";
import { planSweep } from "../../lib/experiments/sweeps.ts";
import type { PlannedRun } from "../../lib/train/sweep.ts";
import { Progress } from "../../lib/train/progress.ts";
import type { TaskSize } from "../../lib/train/tasks.ts";
import { InputError } from "../../lib/util/errors.ts";
import { median } from "../../lib/util/statistics.ts";
import {
  nativeBlasActive,
  setNativeBlas,
} from "../../lib/attention/tf/heap_kernels/native_blas.ts";

/** Steps of the shorter run that times the WASM path beside the native one. */
export const WASM_PATH_STEPS = 12;

/** One experiment's bench: its sparse series (a pattern and configuration of its plan). */
export interface SweepStepCase {
  experiment: string;
  sparse: { pattern: string; configuration: string };
}

/** Every lab experiment that names a bench series (ExperimentDefinition.benchSeries). */
export const SWEEP_STEP_CASES: readonly SweepStepCase[] = LAB_EXPERIMENTS.flatMap((definition) =>
  definition.benchSeries ? [{ experiment: definition.name, sparse: definition.benchSeries }] : []
);

export interface SweepStepRecord {
  config: string;
  pattern: string;
  layers: number;
  n: number;
  batch: number;
  msPerStep: number;
  tokensPerSec: number;
  /** Steps of a full run at this budget (pretraining included), and validations in it. */
  fullSteps: number;
  validations: number;
  /** From the run's start to its first step, less a step: data, vocabulary, model, optimizer. */
  setupMs: number;
  validationMs: number;
  finalMs: number;
  /** The evaluations' share of a full run's time (module comment). */
  evaluationShare: number;
  /** ms/step with the machine's BLAS turned off (module comment); null: no native path. */
  wasmMsPerStep: number | null;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** The dense run and the case's sparse run of the experiment's full plan, at its deepest depth. */
export function sweepStepRuns(stepCase: SweepStepCase): PlannedRun[] {
  const definition = requireExperiment(stepCase.experiment);
  const budget = definition.budgets.full;
  const layers = Math.max(...budget.layers);
  const plan = planSweep(definition, {
    mode: "full",
    patterns: ["dense", stepCase.sparse.pattern],
    seeds: [budget.seeds[0]],
    layers: [layers],
    dryRun: true,
  });
  const dense = plan.runs.find((run) => run.pattern.pattern === "dense");
  const sparse = plan.runs.find((run) =>
    run.pattern.pattern === stepCase.sparse.pattern &&
    run.pattern.configuration === stepCase.sparse.configuration
  );
  if (!dense || !sparse) {
    throw new InputError(
      "sweep step case",
      stepCase.experiment,
      `its full plan has no dense or ${stepCase.sparse.pattern} ${stepCase.sparse.configuration} run`,
    );
  }
  return [dense, sparse];
}

/**
 * Trains one planned run for exactly `size.steps` steps and reads the times between consecutive
 * step reports. The plan's convergence rule is dropped: under it a run would train to its
 * plateau (thousands of steps) whatever `steps` says, and a step costs the same either way.
 */
async function stepMarks(experiment: string, run: PlannedRun, planned: TaskSize) {
  const definition = requireExperiment(experiment);
  const size: TaskSize = { ...planned, convergence: undefined };
  const marks: { unit: number; at: number }[] = [];
  const progress = new Progress("", size.steps, {
    output: "silent",
    onUpdate: (unit) => marks.push({ unit, at: performance.now() }),
  });
  const started = performance.now();
  await definition.run({
    pattern: run.pattern,
    layers: run.layers,
    seed: run.seed,
    size,
    progress,
  });
  const finished = performance.now();
  const intervals = marks.slice(1).map((mark, i) => ({
    unit: mark.unit,
    ms: mark.at - marks[i].at,
  }));
  return { marks, intervals, started, finished };
}

/** The median step time of a short run on the WASM path, or null with no native path. */
async function wasmPathMsPerStep(experiment: string, run: PlannedRun, full: TaskSize) {
  if (!nativeBlasActive()) return null;
  const steps = Math.min(full.steps, WASM_PATH_STEPS);
  const setting = setNativeBlas(false);
  try {
    const { intervals } = await stepMarks(experiment, run, { ...full, steps });
    return round(median(intervals.map((interval) => interval.ms)), 2);
  } finally {
    setNativeBlas(setting);
  }
}

async function timeRun(experiment: string, run: PlannedRun): Promise<SweepStepRecord> {
  const definition = requireExperiment(experiment);
  const full = definition.budgets.full.size;
  const steps = Math.min(full.steps, 2 * full.evalEvery + 1);
  const { marks, intervals, started, finished } = await stepMarks(experiment, run, {
    ...full,
    steps,
  });
  const msPerStep = median(intervals.map((interval) => interval.ms));
  const validated = intervals.filter((interval) => interval.unit % full.evalEvery === 0);
  const validationMs = validated.length === 0
    ? 0
    : Math.max(0, median(validated.map((interval) => interval.ms)) - msPerStep);
  const finalMs = finished - marks[marks.length - 1].at;
  const setupMs = Math.max(0, marks[0].at - started - msPerStep);
  const validations = Math.floor(full.steps / full.evalEvery);
  const evaluationMs = validations * validationMs + finalMs;
  const fullSteps = definition.steps(full);
  return {
    config: experiment,
    pattern: run.pattern.label,
    layers: run.layers,
    n: full.n,
    batch: full.batch,
    msPerStep: round(msPerStep, 2),
    tokensPerSec: Math.round((full.batch * full.n) / (msPerStep / 1000)),
    fullSteps,
    validations,
    setupMs: round(setupMs, 1),
    validationMs: round(validationMs, 1),
    finalMs: round(finalMs, 1),
    evaluationShare: round(evaluationMs / (fullSteps * msPerStep + evaluationMs), 4),
    wasmMsPerStep: await wasmPathMsPerStep(experiment, run, full),
  };
}

/** Times every case (dense, then its sparse series) and returns one record per run. */
export async function runSweepStepBenchmark(
  options: { cases?: readonly SweepStepCase[]; onRecord?: (r: SweepStepRecord) => void } = {},
): Promise<SweepStepRecord[]> {
  await initTf();
  const records: SweepStepRecord[] = [];
  for (const stepCase of options.cases ?? SWEEP_STEP_CASES) {
    for (const run of sweepStepRuns(stepCase)) {
      const record = await timeRun(stepCase.experiment, run);
      options.onRecord?.(record);
      records.push(record);
    }
  }
  return records;
}

/** The records as a Markdown table. */
export function sweepStepMarkdown(records: readonly SweepStepRecord[]): string {
  const lines = [
    "Training steps at the sweeps' own sizes (each experiment's full budget at its deepest " +
    "depth, trained through the experiment's own run); evaluation: validations and the final " +
    "test evaluation as a share of a full run.",
    "",
    "| experiment | pattern | L | n × batch | ms/step | ms/step, WASM path | tokens/s | set-up ms | validation ms | final ms | evaluation share |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of records) {
    lines.push(
      `| ${r.config} | ${r.pattern} | ${r.layers} | ${r.n} × ${r.batch} | ${r.msPerStep} | ` +
        `${
          r.wasmMsPerStep ?? "–"
        } | ${r.tokensPerSec} | ${r.setupMs} | ${r.validationMs} | ${r.finalMs} | ${
          (100 * r.evaluationShare).toFixed(1)
        }% |`,
    );
  }
  return lines.join("\n") + "\n";
}
