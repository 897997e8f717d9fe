/**
 * What a sweep will cost before it runs: each planned run's minutes from measured step times
 * (the training benchmark at the sweep's own size, tools/bench/sweep_steps.ts), and the elapsed
 * time of the plan with N jobs, scheduled as the sweep schedules it: runs are handed out in plan
 * order, each to the first job that is free.
 *
 * A run's step time is the measured one for its kind (dense, or any sparse pattern: the sparse
 * kernel's cost grows with the connections, which the plan's levels keep within a few per cent
 * of the measured series), scaled by its depth in proportion to the measured depth (the blocks
 * are most of a step; the embedding and head are not, so shallow runs come out a little short).
 * Evaluation adds its measured share of a run, and each run its measured set-up. Jobs beside each other share the machine's memory
 * bandwidth: the measured speedup of N processes over one scales every run's time by N/speedup.
 */
import { InputError, requireInteger } from "../util/errors.ts";

/** Step times measured for one experiment at its sweep's size. */
export interface MeasuredSteps {
  /** The depth the steps were measured at. */
  layers: number;
  denseMsPerStep: number;
  sparseMsPerStep: number;
  /** Evaluation's share of a run's time (validations and the final test). */
  evaluationShare: number;
  /** A run's set-up before its first step (data, vocabulary, model), in milliseconds. */
  setupMs: number;
}

/** A planned run as the cost model reads it. */
export interface CostedRun {
  dense: boolean;
  layers: number;
  steps: number;
}

export interface SweepCost {
  runs: number;
  /** Sum of every run's predicted minutes on one core, alone. */
  runMinutes: number;
  /** Predicted wall time with `jobs` jobs. */
  elapsedMinutes: number;
  jobs: number;
}

/** A run's predicted minutes alone on a core. */
export function runMinutes(run: CostedRun, measured: MeasuredSteps): number {
  const perStep = run.dense ? measured.denseMsPerStep : measured.sparseMsPerStep;
  const training = run.steps * perStep * (run.layers / measured.layers);
  return (training / (1 - measured.evaluationShare) + measured.setupMs) / 60_000;
}

/**
 * The plan's cost with `jobs` jobs: runs in plan order, each to the job free first; `speedup`
 * is the measured throughput of `jobs` processes over one (default: `jobs`, no contention).
 */
export function sweepCost(
  runs: readonly CostedRun[],
  measured: MeasuredSteps,
  jobs: number,
  speedup = jobs,
): SweepCost {
  requireInteger("jobs", jobs, 1);
  if (!(speedup > 0 && speedup <= jobs)) {
    throw new InputError("speedup", speedup, `expected a number in (0, ${jobs}]`);
  }
  const slowdown = jobs / speedup;
  const free = Array.from({ length: jobs }, () => 0);
  let total = 0;
  for (const run of runs) {
    const minutes = runMinutes(run, measured);
    total += minutes;
    const first = free.indexOf(Math.min(...free));
    free[first] += minutes * slowdown;
  }
  return { runs: runs.length, runMinutes: total, elapsedMinutes: Math.max(...free), jobs };
}

/** "3.2 h" or "47 min". */
export function formatMinutes(minutes: number): string {
  return minutes >= 90 ? `${(minutes / 60).toFixed(1)} h` : `${Math.round(minutes)} min`;
}
