/**
 * A sweep's predicted cost from the committed benchmarks: the step times `deno task bench
 * --train --save` measured at each experiment's own size (data/bench/training.json) and the
 * throughput of two training processes over one (data/bench/parallel_runs.json), fed to the cost
 * model of lib/train/sweep_cost.ts. What the dry run prints and the results README's progress
 * table sets beside the measured training time.
 */
import {
  type CostedRun,
  type MeasuredSteps,
  runMinutes,
  type SweepCost,
  sweepCost,
} from "../train/sweep_cost.ts";
import type { SweepPlan } from "../train/sweep.ts";
import type { RunResult } from "../train/results.ts";
import { readJsonFileSync } from "../util/regular_file.ts";
import { pathFromUrl } from "../util/system.ts";

const TRAINING_BENCH = pathFromUrl("../../data/bench/training.json", import.meta.url);
const PARALLEL_BENCH = pathFromUrl("../../data/bench/parallel_runs.json", import.meta.url);
/** The committed bench files are a few kilobytes. */
const BENCH_FILE_BYTES = 4 * 1024 * 1024;

type BenchRow = Record<string, unknown>;

/** A committed bench file's records, or none when it is absent or not a list. */
function benchRows(path: string): BenchRow[] {
  try {
    const value = readJsonFileSync(path, { parameter: "bench file", maxBytes: BENCH_FILE_BYTES });
    return Array.isArray(value) ? value.filter((row) => typeof row === "object" && row) : [];
  } catch {
    return []; // no committed benchmark (or an unreadable one): no prediction, not an error
  }
}

const positive = (value: unknown) => typeof value === "number" && value > 0 ? value : undefined;

/** The experiment's committed step times at its sweep's size, if the bench measured them. */
export function measuredSteps(experiment: string): MeasuredSteps | undefined {
  const rows = benchRows(TRAINING_BENCH).filter((row) =>
    row.config === experiment && typeof row.evaluationShare === "number"
  );
  const dense = rows.find((row) => row.pattern === "dense");
  const sparse = rows.find((row) => row.pattern !== "dense");
  const layers = positive(dense?.layers);
  const denseMs = positive(dense?.msPerStep);
  const sparseMs = positive(sparse?.msPerStep);
  if (!dense || !sparse || !layers || !denseMs || !sparseMs) return undefined;
  const share = Math.max(Number(dense.evaluationShare), Number(sparse.evaluationShare));
  const setup = Math.max(Number(dense.setupMs ?? 0), Number(sparse.setupMs ?? 0));
  return {
    setupMs: Number.isFinite(setup) ? setup : 0,
    layers,
    denseMsPerStep: denseMs,
    sparseMsPerStep: sparseMs,
    evaluationShare: Math.min(0.9, Math.max(0, share)),
  };
}

/** The committed throughput of `jobs` training processes over one (the large configuration). */
export function measuredSpeedup(jobs: number): number {
  if (jobs === 1) return 1;
  const row = benchRows(PARALLEL_BENCH).find((r) => r.config === "large" && r.processes === jobs);
  const speedup = positive(row?.speedup);
  return speedup !== undefined && speedup <= jobs ? speedup : jobs;
}

/** The committed step times for the plan's sizes: measured at the full size only. */
function measuredFor(plan: SweepPlan): MeasuredSteps | undefined {
  return plan.mode === "full" ? measuredSteps(plan.definition.name) : undefined;
}

/**
 * A run's steps in all: under a convergence rule, `mainSteps` of the main phase plus any phase
 * before it (pretraining), which trains its steps whatever the rule says; else the plan's steps.
 */
function runSteps(plan: SweepPlan, mainSteps: number | undefined): number {
  const { size } = plan.definition.budgets[plan.mode];
  const fixed = plan.definition.steps(size);
  return size.convergence && mainSteps !== undefined ? fixed - size.steps + mainSteps : fixed;
}

/** The plan's runs as the cost model reads them, each trained to `bound` (floor or cap). */
function costedRuns(plan: SweepPlan, bound: "floor" | "cap"): CostedRun[] {
  const rule = plan.definition.budgets[plan.mode].size.convergence;
  const steps = runSteps(plan, bound === "cap" ? rule?.capSteps : rule?.floorSteps);
  return plan.runs.map((run) => ({
    dense: run.pattern.pattern === "dense",
    layers: run.layers,
    steps,
  }));
}

/**
 * The plan's predicted cost with `jobs` jobs, or undefined without committed step times (they
 * are measured at the full size only). Runs that train to a plateau stop between the rule's
 * floor and cap: `bound` says which end every run is assumed to reach (a plan without a rule
 * trains its steps either way).
 */
export function predictedSweepCost(
  plan: SweepPlan,
  jobs: number,
  bound: "floor" | "cap" = "floor",
): SweepCost | undefined {
  const measured = measuredFor(plan);
  if (!measured) return undefined;
  return sweepCost(costedRuns(plan, bound), measured, jobs, measuredSpeedup(jobs));
}

/** Each planned run's predicted minutes alone on a core, stopping at the floor and at the cap. */
export interface RunPrediction {
  floorMinutes: number;
  capMinutes: number;
}

/** Every run's prediction, in plan order; undefined without committed step times. */
export function predictedRunMinutes(plan: SweepPlan): RunPrediction[] | undefined {
  const measured = measuredFor(plan);
  if (!measured) return undefined;
  const floor = costedRuns(plan, "floor");
  const cap = costedRuns(plan, "cap");
  return floor.map((run, i) => ({
    floorMinutes: runMinutes(run, measured),
    capMinutes: runMinutes(cap[i], measured),
  }));
}

/**
 * The cost model checked against what ran: the committed runs' predicted minutes at the steps
 * each one trained (its recorded length under the convergence rule; the plan's steps for a run
 * without one), each slowed by the contention of `jobs` processes side by side as the sweep
 * ran them, to set beside the sum of the runs' measured wall times. Undefined without committed
 * step times or runs.
 */
export function predictedForTrainedRuns(
  plan: SweepPlan,
  results: readonly RunResult[],
  jobs = 2,
): number | undefined {
  const measured = measuredFor(plan);
  if (!measured || results.length === 0) return undefined;
  const slowdown = jobs / measuredSpeedup(jobs);
  return results.reduce((sum, result) => {
    const steps = runSteps(plan, result.training?.stepsTrained);
    const run = { dense: result.pattern === "dense", layers: result.layers, steps };
    return sum + runMinutes(run, measured) * slowdown;
  }, 0);
}
