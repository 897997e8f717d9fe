/**
 * A worker process of a parallel sweep (parallel.ts): `deno run -A sweep_worker.ts SPEC`, SPEC
 * the JSON of a WorkerSpec. It plans the sweep again from the same selection, then trains the
 * listed runs it can claim, one after another, reporting each on stdout as one JSON event a
 * line. An error ends the worker with an "error" event naming the run, and exit code 1; so
 * does the end of the sweep process that started it (its claims released first).
 */
import type { WorkerEvent, WorkerSpec } from "./parallel.ts";
import { Progress } from "./progress.ts";
import { planSweep, trainRuns } from "./sweep.ts";
import { InputError } from "../util/errors.ts";
import { ownerIsAlive, processStartTime, releaseClaimsOf } from "./claims.ts";

function emit(event: WorkerEvent): void {
  console.log(JSON.stringify(event));
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

async function main(): Promise<number> {
  const spec = JSON.parse(Deno.args[0] ?? "null") as WorkerSpec;
  let current: string | null = null;
  try {
    const options = {
      mode: spec.mode,
      patterns: spec.patterns,
      configurations: spec.configurations,
      sparsity: spec.sparsity,
      seeds: spec.seeds,
      layers: spec.layers,
      resultsDir: spec.resultsDir,
    };
    const plan = planSweep(spec.name, options);
    const byId = new Map(plan.runs.map((run) => [run.runId, run]));
    const runs = spec.runIds.map((id) => {
      const run = byId.get(id);
      if (!run) throw new Error(`run ${id} is not in the plan of ${spec.name}`);
      return run;
    });
    const checkParent = parentWatch(spec.resultsDir);
    const progress = new Progress("", 0, {
      output: "silent",
      onUpdate: (unit, loss) => {
        checkParent();
        if (current !== null) emit({ event: "step", runId: current, unit, loss });
      },
    });
    await trainRuns(plan, spec.name, options, runs, {
      progress,
      log: (line) => emit({ event: "log", line }),
      onRun: (runId, event) => {
        checkParent();
        if (event === "start") {
          current = runId;
          emit({ event: "start", runId });
        } else {
          current = null;
          emit({ event: "end", runId, outcome: event });
        }
      },
    });
    return 0;
  } catch (error) {
    const message = (error as Error)?.message?.split("\n")[0] ?? String(error);
    emit({
      event: "error",
      runId: current,
      message,
      parameter: error instanceof InputError ? error.parameter : undefined,
    });
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main());
