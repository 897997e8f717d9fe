/**
 * The body of a worker process of a parallel sweep (parallel.ts): given the sweep's WorkerSpec
 * and the experiment's definition, it plans the sweep again from the same selection, then
 * trains the listed runs it can claim, one after another, reporting each on stdout as one JSON
 * event a line. An error ends the worker with an "error" event naming the run, and exit code 1;
 * so does the end of the sweep process that started it (its claims released first). The
 * script a worker process runs, lib/experiments/sweep_worker.ts, finds the definition by name.
 */
import type { ExperimentDefinition } from "./experiment_definition.ts";
import { Progress } from "./progress.ts";
import { type WorkerEvent, workerEventLine } from "./run_events.ts";
import {
  type PlannedRun,
  planSweepOf,
  type SweepPlan,
  trainRuns,
  type WorkerSpec,
} from "./sweep.ts";
import { InputError } from "../util/errors.ts";
import { ownerIsAlive, processStartTime, releaseClaimsOf } from "./claims.ts";

function emit(event: WorkerEvent): void {
  console.log(workerEventLine(event));
}

/** How often a worker looks whether the sweep that started it still runs. */
const PARENT_CHECK_MS = 1_000;

/**
 * A check, cheap enough to call every training step, that ends this worker once the sweep
 * process that started it is gone (killed on its own, its workers left behind): the worker's
 * claims are released, so the runs it held are free for the next sweep, and it exits at once
 * rather than train the rest of its list unsupervised.
 */
function parentWatch(resultsDir: string): () => void {
  const parent = { pid: Deno.ppid, started: processStartTime(Deno.ppid), token: "" };
  let lastCheck = performance.now();
  return () => {
    const now = performance.now();
    if (now - lastCheck < PARENT_CHECK_MS) return;
    lastCheck = now;
    if (ownerIsAlive(parent)) return;
    releaseClaimsOf(resultsDir, Deno.pid);
    Deno.exit(1);
  };
}

/** The spec's runs, from the plan its selection gives. */
function listedRuns(plan: SweepPlan, spec: WorkerSpec): PlannedRun[] {
  const byId = new Map(plan.runs.map((run) => [run.runId, run]));
  return spec.runIds.map((id) => {
    const run = byId.get(id);
    if (!run) throw new Error(`run ${id} is not in the plan of ${spec.name}`);
    return run;
  });
}

/**
 * Trains the spec's runs it can claim, reporting every step and run as events; returns the
 * process's exit code (0, or 1 after an "error" event).
 */
export async function trainAsWorker(
  spec: WorkerSpec,
  find: (name: string) => ExperimentDefinition,
): Promise<number> {
  let current: string | null = null;
  try {
    const plan = planSweepOf(find(spec.name), {
      mode: spec.mode,
      patterns: spec.patterns,
      configurations: spec.configurations,
      sparsity: spec.sparsity,
      seeds: spec.seeds,
      layers: spec.layers,
      resultsDir: spec.resultsDir,
      patternFile: spec.patternFile,
    });
    const checkParent = parentWatch(spec.resultsDir);
    const progress = new Progress("", 0, {
      output: "silent",
      onUpdate: (unit, loss) => {
        checkParent();
        if (current !== null) emit({ event: "step", runId: current, unit, loss });
      },
    });
    await trainRuns(plan, listedRuns(plan, spec), {
      progress,
      log: (line) => emit({ event: "log", line }),
      onRun: (runId, event) => {
        checkParent();
        current = event === "start" ? runId : null;
        emit(event === "start" ? { event, runId } : { event: "end", runId, outcome: event });
      },
    });
    return 0;
  } catch (error) {
    const message = (error as Error)?.message?.split("\n")[0] ?? String(error);
    const parameter = error instanceof InputError ? error.parameter : undefined;
    emit({ event: "error", runId: current, message, parameter });
    return 1;
  }
}
