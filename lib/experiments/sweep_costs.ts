/**
 * A sweep's predicted cost from the committed benchmarks: the step times `deno task bench
 * --train --save` measured at each experiment's own size (data/bench/training.json) and the
 * throughput of two training processes over one (data/bench/parallel_runs.json), fed to the cost
 * model of lib/train/sweep_cost.ts. What the dry run prints and the results README's progress
 * table sets beside the measured training time.
 */
import { type MeasuredSteps, type SweepCost, sweepCost } from "../train/sweep_cost.ts";
import type { SweepPlan } from "../train/sweep.ts";
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

/**
 * The plan's predicted cost with `jobs` jobs, or undefined without committed step times. Runs
 * that train to a plateau stop between the rule's floor and cap: `bound` says which end every
 * run is assumed to reach (a plan without a rule trains its steps either way).
 */
export function predictedSweepCost(
  plan: SweepPlan,
  jobs: number,
  bound: "floor" | "cap" = "floor",
): SweepCost | undefined {
  const measured = measuredSteps(plan.definition.name);
  if (!measured) return undefined;
  const { size } = plan.definition.budgets.full;
  const fixed = plan.definition.steps(size);
  const rule = size.convergence;
  // a phase before the main one (pretraining) trains its steps whatever the rule says
  const steps = rule
    ? fixed - size.steps + (bound === "cap" ? rule.capSteps : rule.floorSteps)
    : fixed;
  const runs = plan.runs.map((run) => ({
    dense: run.pattern.pattern === "dense",
    layers: run.layers,
    steps,
  }));
  return sweepCost(runs, measured, jobs, measuredSpeedup(jobs));
}
