/**
 * Training several runs of a sweep at once: this process and `jobs − 1` worker processes
 * (worker_pool.ts), each with its own TensorFlow.js wasm backend, single-threaded as always, so
 * nothing of one run's backend state can reach another's (one process fewer to start than
 * workers: the start-up of a process is most of a quick run). The scheduler hands nothing out:
 * every worker walks the same list of pending runs in plan order and trains those it can claim
 * (claims.ts `tryUnderClaim`), so the claim files are the queue, a fast worker simply takes more
 * runs, and a second sweep started over the same folder takes part in the same way without
 * training anything twice. It is given the run function (what trains runs in this process) and
 * the worker script, and knows nothing else of sweeps.
 *
 * Workers report one JSON event a line: which run they start, every training step (printed as
 * progress lines prefixed with the run id), and how each run ended.
 *
 * A failing run fails the sweep: its worker reports the run and the error and exits; the other
 * workers are stopped at once (SIGTERM) rather than left to finish, so the failure is seen
 * without waiting; every result already written stays, and the next sweep resumes from them.
 * Ctrl-C (SIGINT) stops every worker likewise. Claims a stopped worker held are removed once it
 * has exited; a claim outliving its process for any other reason is taken over as stale.
 */
import { Progress } from "./progress.ts";
import type { TrainHooks, TrainOutcome, WorkerEvent } from "./run_events.ts";
import { RunTally } from "./run_tally.ts";
import { type PoolWorker, WorkerPool } from "./worker_pool.ts";
import { InputError } from "../util/errors.ts";
import { sweepStaleTemporaries } from "../util/system.ts";

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

/** The sweep was stopped by Ctrl-C. */
export class SweepInterrupted extends Error {
  constructor() {
    super("interrupted; the workers were stopped, and finished results are kept");
    this.name = "SweepInterrupted";
  }
}

/** Thrown from a training step of the worker in this process when the sweep stops. */
class StopRequested extends Error {}

/** Longest time the worker in this process trains without letting the event loop run. */
const YIELD_MS = 100;

/** What the scheduler is given: the runs, the workers, and how runs train. */
export interface ParallelRuns {
  /** The pending runs, in plan order. */
  runIds: string[];
  jobs: number;
  /** Training steps of one run (progress units). */
  unitsPerRun: number;
  /** The sweep's progress: one line per reported step, prefixed with its run. */
  progress: Progress;
  log: (line: string) => void;
  /** The results folder (where the claims are). */
  dir: string;
  /** The worker script and its arguments: it trains `runIds` it can claim, reporting events. */
  worker: { script: string; args: string[] };
  /** The run function: trains `runIds` it can claim in this process, reporting through hooks. */
  trainHere: (hooks: TrainHooks) => Promise<unknown>;
}

/** Trains `runIds` in `jobs` workers; throws when a run fails or the sweep is interrupted. */
export async function runParallel(sweep: ParallelRuns): Promise<TrainOutcome> {
  return await new Scheduler(sweep).run();
}

/**
 * One parallel sweep's state: the tally of what the workers said, the pool of workers, and the
 * first failure (later ones are its consequences) or the interruption that stops them all.
 */
class Scheduler {
  private readonly tally: RunTally;
  private readonly pool: WorkerPool;
  private failure: Error | null = null;
  private interrupted = false;

  constructor(private readonly sweep: ParallelRuns) {
    this.tally = new RunTally(sweep.unitsPerRun);
    this.pool = new WorkerPool({
      script: sweep.worker.script,
      claimsDir: sweep.dir,
      onEvent: (worker, event) => this.apply(worker, event),
      onExit: (runId, status) => {
        if (status.success) return;
        // a worker killed inside an atomic write leaves its temporary file: it is gone now
        sweepStaleTemporaries(sweep.dir);
        if (this.stopping) return;
        const how = status.signal ? `signal ${status.signal}` : `code ${status.code}`;
        this.fail(new RunFailedError(runId, `its worker exited with ${how}`));
      },
    });
  }

  private get stopping(): boolean {
    return this.failure !== null || this.interrupted;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.pool.stopAll();
  }

  async run(): Promise<TrainOutcome> {
    const onInterrupt = () => {
      this.interrupted = true;
      this.pool.stopAll();
    };
    Deno.addSignalListener("SIGINT", onInterrupt);
    try {
      this.startWorkers();
      await this.pool.settled();
    } finally {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    }
    if (this.failure !== null) throw this.failure;
    if (this.interrupted) throw new SweepInterrupted();
    return this.tally.outcome(this.sweep.runIds);
  }

  /** `jobs − 1` worker processes, then the worker in this process (unless stopped meanwhile). */
  private startWorkers(): void {
    for (let index = 1; index < this.sweep.jobs && !this.stopping; index++) {
      try {
        this.pool.spawn(this.sweep.worker.args);
      } catch (error) {
        // the workers already started are stopped and awaited
        const reason = `a worker could not be started (${(error as Error).message})`;
        this.fail(new RunFailedError(null, reason));
        return;
      }
    }
    if (!this.stopping) this.pool.addLocal((local) => this.trainLocally(local));
  }

  /** A worker's event: progress, the tally, a log line, or the failure that stops the sweep. */
  private async apply(worker: PoolWorker, event: WorkerEvent): Promise<void> {
    const { progress, unitsPerRun, log } = this.sweep;
    switch (event.event) {
      case "start":
        worker.current = event.runId;
        this.tally.started(event.runId);
        break;
      case "step": {
        const done = this.tally.stepped(event.runId, event.unit);
        const last = event.unit === unitsPerRun;
        await progress.updateConcurrent(
          event.runId,
          event.unit,
          unitsPerRun,
          done,
          event.loss,
          last,
        );
        break;
      }
      case "end":
        this.tally.ended(event.runId, event.outcome);
        worker.current = null;
        break;
      case "log":
        log(event.line);
        break;
      case "error":
        this.fail(
          event.parameter !== undefined
            ? new WorkerInputError(event.parameter, event.message)
            : new RunFailedError(event.runId, event.message),
        );
        break;
    }
  }

  /** The worker in this process: the run function, its steps and runs reported as events. */
  private async trainLocally(local: PoolWorker): Promise<void> {
    let lastYield = performance.now();
    const stepProgress = new Progress("", 0, {
      output: "silent",
      onUpdate: (unit, loss) => {
        if (this.stopping) throw new StopRequested();
        if (local.current !== null) {
          void this.apply(local, { event: "step", runId: local.current, unit, loss });
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
      await this.sweep.trainHere({
        progress: stepProgress,
        log: this.sweep.log,
        keepClaimsOf: (pid) => this.pool.owns(pid),
        onRun: (runId, event) => {
          const reported: WorkerEvent = event === "start"
            ? { event, runId }
            : { event: "end", runId, outcome: event };
          void this.apply(local, reported);
        },
      });
    } catch (error) {
      if (error instanceof StopRequested) return;
      const reason = (error as Error)?.message?.split("\n")[0] ?? String(error);
      this.fail(error instanceof InputError ? error : new RunFailedError(local.current, reason));
    }
  }
}
