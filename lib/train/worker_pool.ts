/**
 * The worker processes of a parallel sweep: each is `deno run` of a worker script with its own
 * arguments, reporting on stdout one JSON event a line (run_events.ts). The pool starts them,
 * hands their events on, passes any other output through prefixed with the run its worker was
 * training, stops them all at once (SIGTERM), and when one exits removes the claims it left and
 * says which run it held. The worker training in the sweep's own process joins the pool too,
 * with no process.
 */
import { releaseClaimsOf, runIdOfClaim } from "./claims.ts";
import { parseWorkerEvent, type WorkerEvent } from "./run_events.ts";
import { pathFromUrl } from "../util/system.ts";

const CONFIG = pathFromUrl("../../deno.json", import.meta.url);

export interface PoolWorker {
  /** The worker's process; null for the one that trains in this process. */
  child: Deno.ChildProcess | null;
  /** The run it is training (from its last "start" event), or null between runs. */
  current: string | null;
  done: Promise<void>;
}

export interface WorkerPoolOptions {
  /** The script a worker process runs. */
  script: string;
  /** The results folder whose claims an exited worker leaves behind. */
  claimsDir: string;
  onEvent: (worker: PoolWorker, event: WorkerEvent) => Promise<void>;
  /** Told when a worker process has exited, with the run it held (if any) and its status. */
  onExit: (runId: string | null, status: Deno.CommandStatus) => void;
}

/** Calls `onLine` for every line of `stream` (the last one even without a newline). */
export async function forLines(
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

export class WorkerPool {
  readonly workers: PoolWorker[] = [];

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Starts one worker process with these arguments; throws when it cannot be started. */
  spawn(args: readonly string[]): PoolWorker {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", CONFIG, this.options.script, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const worker: PoolWorker = { child, current: null, done: Promise.resolve() };
    const prefix = () => worker.current === null ? "" : `[${worker.current}] `;
    const stdout = forLines(child.stdout, async (line) => {
      const event = parseWorkerEvent(line);
      if (event) await this.options.onEvent(worker, event);
      else if (line.trim()) console.log(`${prefix()}${line}`);
    });
    const stderr = forLines(child.stderr, (line) => {
      if (line.trim()) console.error(`${prefix()}${line}`);
    });
    worker.done = (async () => {
      const [status] = await Promise.all([child.status, stdout, stderr]);
      // the run it held: the one it announced, or the one it had only just claimed
      const released = releaseClaimsOf(this.options.claimsDir, child.pid);
      const runId = worker.current ?? (released.length ? runIdOfClaim(released[0]) : null);
      this.options.onExit(runId, status);
    })();
    this.workers.push(worker);
    return worker;
  }

  /** Adds the worker that trains in this process, `train` its loop. */
  addLocal(train: (worker: PoolWorker) => Promise<void>): PoolWorker {
    const worker: PoolWorker = { child: null, current: null, done: Promise.resolve() };
    this.workers.push(worker);
    worker.done = train(worker);
    return worker;
  }

  /** Whether `pid` is one of the pool's worker processes (their claims are never stale). */
  owns(pid: number): boolean {
    return this.workers.some((worker) => worker.child?.pid === pid);
  }

  /** Sends every worker process SIGTERM (one that has exited already is left alone). */
  stopAll(): void {
    for (const worker of this.workers) {
      try {
        worker.child?.kill("SIGTERM");
      } catch {
        // already exited
      }
    }
  }

  /** Resolves once every worker has finished (and every process has exited). */
  async settled(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.done));
  }
}
