/**
 * Training several runs of a sweep at once: this process and `jobs − 1` worker processes
 * (`deno run` of sweep_worker.ts), each with its own TensorFlow.js wasm backend, single-threaded
 * as always, so nothing of one run's backend state can reach another's (one process fewer to
 * start than workers: the start-up of a process is most of a quick run). Every worker walks the same list of
 * pending runs in plan order and trains those it can claim (claims.ts): the claim files are the
 * queue, so a fast worker simply takes more runs, and a second sweep started over the same
 * folder takes part in the same way without training anything twice.
 *
 * Workers report on stdout, one JSON event a line: which run they start, every training step
 * (the parent prints progress lines prefixed with the run id), and how each run ended. Anything
 * else a worker prints is passed on, prefixed with the run it was training.
 *
 * A failing run fails the sweep: its worker reports the run and the error and exits; the other
 * workers are stopped at once (SIGTERM) rather than left to finish, so the failure is seen
 * without waiting; every result already written stays, and the next sweep resumes from them.
 * Ctrl-C (SIGINT) stops every worker likewise. Claims a stopped worker held are removed once it
 * has exited; a claim outliving its process for any other reason is taken over as stale.
 */
import { releaseClaimsOf } from "./claims.ts";
import { Progress } from "./progress.ts";
import { type SweepOptions, type SweepPlan, type TrainOutcome, trainRuns } from "./sweep.ts";
import { InputError } from "../util/errors.ts";
import { pathFromUrl } from "../util/system.ts";

const WORKER = pathFromUrl("./sweep_worker.ts", import.meta.url);
const CONFIG = pathFromUrl("../../deno.json", import.meta.url);

/** The cores of this machine: the most runs trained at once. */
export function machineCores(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/** `jobs` as an integer in [1, cores]; an InputError naming `parameter` otherwise. */
export function requireJobs(jobs: unknown, parameter = "jobs"): number {
  const cores = machineCores();
  if (typeof jobs !== "number" || !Number.isInteger(jobs) || jobs < 1) {
    throw new InputError(parameter, jobs, "expected an integer >= 1");
  }
  if (jobs > cores) {
    throw new InputError(parameter, jobs, `exceeds the limit ${cores} (the machine's cores)`);
  }
  return jobs;
}

/** What a worker is told: the sweep's selection, its folder, and the runs to try in order. */
export interface WorkerSpec {
  name: string;
  mode: SweepOptions["mode"];
  patterns?: string[];
  configurations?: string[];
  sparsity?: number[];
  seeds?: number[];
  layers?: number[];
  resultsDir: string;
  runIds: string[];
}

/** One line of a worker's stdout. */
export type WorkerEvent =
  | { event: "start"; runId: string }
  | { event: "step"; runId: string; unit: number; loss: number }
  | { event: "end"; runId: string; outcome: "trained" | "reused" | "held" }
  | { event: "log"; line: string }
  | { event: "error"; runId: string | null; message: string; parameter?: string };

/** A run failed in a worker: the message names the run. */
export class RunFailedError extends Error {
  constructor(readonly runId: string | null, reason: string) {
    super(`${runId === null ? "a worker" : `run ${runId}`} failed: ${reason}`);
    this.name = "RunFailedError";
  }
}

/** Bad input found inside a worker (a data set failing its checksum): its message, unchanged. */
class WorkerInputError extends InputError {
  constructor(parameter: string, message: string) {
    super(parameter, undefined, "");
    this.message = message;
  }
}

/** Thrown from a training step of the worker in this process when the sweep stops. */
class StopRequested extends Error {}

/** Longest time the worker in this process trains without letting the event loop run. */
const YIELD_MS = 100;

/** The sweep was stopped by Ctrl-C. */
export class SweepInterrupted extends Error {
  constructor() {
    super("interrupted; the workers were stopped, and finished results are kept");
    this.name = "SweepInterrupted";
  }
}

interface Worker {
  /** The worker's process; null for the one that trains in this process. */
  child: Deno.ChildProcess | null;
  current: string | null;
  done: Promise<void>;
}

async function forLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => Promise<void> | void,
): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      await onLine(line);
    }
  }
  buffer += decoder.decode();
  if (buffer) await onLine(buffer);
}

/** Trains `runIds` of `plan` in `jobs` worker processes; throws when a run fails. */
export async function runParallel(
  plan: SweepPlan,
  name: string,
  options: SweepOptions,
  runIds: string[],
  jobs: number,
  reusedBefore = 0,
): Promise<TrainOutcome> {
  const size = plan.definition.budgets[options.mode].size;
  const units = plan.definition.steps(size);
  const progress = new Progress(
    `${name} (${options.mode})`,
    units * runIds.length,
    options.progress,
  );
  const log = options.log ?? ((line: string) => console.error(line));
  const spec: WorkerSpec = {
    name,
    mode: options.mode,
    patterns: options.patterns,
    configurations: options.configurations,
    sparsity: options.sparsity,
    seeds: options.seeds,
    layers: options.layers,
    resultsDir: plan.dir,
    runIds,
  };
  const trained: string[] = [];
  const reused: string[] = [];
  const heldBy = new Map<string, number>(); // run → workers that found it held
  const unitsDone = new Map<string, number>();
  let failure: Error | null = null;
  const workers: Worker[] = [];
  /** Set to stop the worker in this process at its next training step. */
  let stopLocal = false;

  const stopAll = () => {
    stopLocal = true;
    for (const worker of workers) {
      try {
        worker.child?.kill("SIGTERM");
      } catch {
        // already exited
      }
    }
  };
  const fail = (error: Error) => {
    if (failure === null) failure = error;
    stopAll();
  };
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    stopAll();
  };
  Deno.addSignalListener("SIGINT", onInterrupt);

  const onEvent = async (worker: Worker, event: WorkerEvent) => {
    switch (event.event) {
      case "start":
        worker.current = event.runId;
        unitsDone.set(event.runId, 0);
        break;
      case "step": {
        unitsDone.set(event.runId, event.unit);
        let done = 0;
        for (const value of unitsDone.values()) done += value;
        await progress.updateConcurrent(
          event.runId,
          event.unit,
          units,
          done,
          event.loss,
          event.unit === units,
        );
        break;
      }
      case "end":
        if (event.outcome === "trained") trained.push(event.runId);
        if (event.outcome === "reused") reused.push(event.runId);
        if (event.outcome === "held") heldBy.set(event.runId, (heldBy.get(event.runId) ?? 0) + 1);
        if (event.outcome !== "held") unitsDone.set(event.runId, units);
        worker.current = null;
        break;
      case "log":
        log(event.line);
        break;
      case "error":
        fail(
          event.parameter !== undefined
            ? new WorkerInputError(event.parameter, event.message)
            : new RunFailedError(event.runId, event.message),
        );
        break;
    }
  };

  /** The worker in this process: the same loop as a worker process's, its events direct. */
  const trainHere = async (local: Worker) => {
    const byId = new Map(plan.runs.map((run) => [run.runId, run]));
    let lastYield = performance.now();
    const stepProgress = new Progress("", 0, {
      output: "silent",
      onUpdate: (unit, loss) => {
        if (stopLocal) throw new StopRequested();
        if (local.current !== null) {
          void onEvent(local, { event: "step", runId: local.current, unit, loss });
        }
      },
      // training is synchronous between steps: give the workers' output and signals a turn
      yieldEvery: () => {
        const now = performance.now();
        if (now - lastYield < YIELD_MS) return false;
        lastYield = now;
        return true;
      },
    });
    try {
      await trainRuns(plan, name, options, runIds.map((id) => byId.get(id)!), {
        progress: stepProgress,
        log,
        keepClaimsOf: (pid) => workers.some((worker) => worker.child?.pid === pid),
        onRun: (runId, event) => {
          void onEvent(
            local,
            event === "start" ? { event, runId } : { event: "end", runId, outcome: event },
          );
        },
      });
    } catch (error) {
      if (error instanceof StopRequested) return;
      fail(
        error instanceof InputError ? error : new RunFailedError(
          local.current,
          (error as Error)?.message?.split("\n")[0] ?? String(error),
        ),
      );
    }
  };

  try {
    // this process trains too: jobs − 1 worker processes beside it
    for (let index = 1; index < jobs && failure === null && !interrupted; index++) {
      let child: Deno.ChildProcess;
      try {
        child = new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--config", CONFIG, WORKER, JSON.stringify(spec)],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
      } catch (error) {
        // the workers already started are stopped and awaited below
        fail(
          new RunFailedError(null, `a worker could not be started (${(error as Error).message})`),
        );
        break;
      }
      const worker: Worker = { child, current: null, done: Promise.resolve() };
      const prefix = () => worker.current === null ? "" : `[${worker.current}] `;
      const stdout = forLines(child.stdout, async (line) => {
        let event: WorkerEvent | undefined;
        try {
          event = JSON.parse(line);
        } catch {
          // not an event: passed on below
        }
        if (event && typeof event === "object" && "event" in event) await onEvent(worker, event);
        else if (line.trim()) console.log(`${prefix()}${line}`);
      });
      const stderr = forLines(child.stderr, (line) => {
        if (line.trim()) console.error(`${prefix()}${line}`);
      });
      worker.done = (async () => {
        const [status] = await Promise.all([child.status, stdout, stderr]);
        // the run it held: the one it announced, or the one it had only just claimed
        const released = releaseClaimsOf(plan.dir, child!.pid);
        const runId = worker.current ?? released[0]?.slice(0, -".claim".length) ?? null;
        if (!status.success && failure === null && !interrupted) {
          fail(
            new RunFailedError(
              runId,
              `its worker exited with ${
                status.signal ? `signal ${status.signal}` : `code ${status.code}`
              }`,
            ),
          );
        }
      })();
      workers.push(worker);
    }
    if (failure === null && !interrupted) {
      const local: Worker = { child: null, current: null, done: Promise.resolve() };
      workers.push(local);
      local.done = trainHere(local);
    }
    await Promise.all(workers.map((worker) => worker.done));
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
  }
  if (failure !== null) throw failure;
  if (interrupted) throw new SweepInterrupted();
  // a run every worker found held is trained by another sweep; one some found held was
  // trained (or reused) by a worker of this sweep
  // a run one worker trained is found done by a worker coming to it later: not "reused"
  const reusedOnly = reused.filter((id) => !trained.includes(id));
  const settled = new Set([...trained, ...reused]);
  const heldElsewhere = runIds.filter((id) => heldBy.has(id) && !settled.has(id));
  const held = heldElsewhere.length > 0 ? `, ${heldElsewhere.length} held by another sweep` : "";
  await progress.finish(
    `${trained.length} runs trained in ${jobs} processes, ${
      reusedBefore + reusedOnly.length
    } reused${held}`,
  );
  return {
    trained: runIds.filter((id) => trained.includes(id)),
    reused: runIds.filter((id) => reusedOnly.includes(id)),
    heldElsewhere,
  };
}
