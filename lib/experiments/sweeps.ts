/**
 * The sweep machinery of lib/train/sweep.ts with the experiment named: what the command line,
 * the notebooks and the tests call. A name is looked up in the registry; a parallel sweep's
 * workers run lib/experiments/sweep_worker.ts, which looks it up again in its own process.
 */
import {
  type CommittedStatus,
  committedStatusOf,
  defaultResultsDir,
  planSweepOf,
  runSweepOf,
  type SweepOptions,
  type SweepPlan,
  sweepStatusOf,
  type SweepSummary,
} from "../train/sweep.ts";
import { InputError } from "../util/errors.ts";
import { pathFromUrl } from "../util/system.ts";
import { type ExperimentRef, isLabExperiment, requireExperiment } from "./registry.ts";

/** The script every worker process of a parallel sweep runs. */
const SWEEP_WORKER = pathFromUrl("./sweep_worker.ts", import.meta.url);

/** The experiment's plan under `options`; an InputError on an unknown name or a bad option. */
export function planSweep(experiment: ExperimentRef, options: SweepOptions): SweepPlan {
  return planSweepOf(requireExperiment(experiment), options);
}

/**
 * Runs the experiment's sweep (lib/train/sweep.ts `runSweepOf`). An experiment registered at run
 * time trains in this process only: worker processes load the lab's registry, not this one's.
 */
export async function runSweep(
  experiment: ExperimentRef,
  options: SweepOptions,
): Promise<SweepSummary> {
  const definition = requireExperiment(experiment);
  if ((options.jobs ?? 1) > 1 && !isLabExperiment(definition)) {
    throw new InputError(
      "jobs",
      options.jobs,
      `the worker processes cannot load ${definition.name}, registered in this process only; use 1`,
    );
  }
  return await runSweepOf(definition, { workerScript: SWEEP_WORKER, ...options });
}

/** The experiment's committed full results against its full plan. */
export function committedStatus(experiment: ExperimentRef): CommittedStatus {
  return committedStatusOf(requireExperiment(experiment));
}

/** The experiment's results folder under `options` against its plan (`--status`). */
export function sweepStatus(experiment: ExperimentRef, options: SweepOptions): CommittedStatus {
  return sweepStatusOf(requireExperiment(experiment), options);
}

/** The experiment's committed results folder (data/results/NAME in this checkout). */
export function committedResultsDir(experiment: ExperimentRef): string {
  return defaultResultsDir(requireExperiment(experiment), "full");
}
