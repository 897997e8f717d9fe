/**
 * What a training loop tells about its runs: in this process through hooks (`TrainHooks`), and
 * from a worker process of a parallel sweep as one JSON event a line on its stdout
 * (`WorkerEvent`). Both the loop that trains (sweep.ts `trainRuns`) and the scheduler that
 * listens (parallel.ts) speak these, so neither imports the other.
 */
import type { Progress } from "./progress.ts";

/** How a run a loop came to ended: trained now, found done, or held by another process. */
export type RunEnd = "trained" | "reused" | "held";

export interface TrainHooks {
  progress: Progress;
  log: (line: string) => void;
  /** Told when a run starts training (after its claim), and how it ended. */
  onRun?: (runId: string, event: "start" | RunEnd) => void;
  /**
   * Pids whose claims this process never takes over: the sweep's own worker processes, whose
   * death fails the sweep instead of handing their run to another worker.
   */
  keepClaimsOf?: (pid: number) => boolean;
}

/** The runs a loop (or every worker of a sweep together) trained, reused, and left to others. */
export interface TrainOutcome {
  trained: string[];
  reused: string[];
  heldElsewhere: string[];
}

/** One line of a worker's stdout. */
export type WorkerEvent =
  | { event: "start"; runId: string }
  | { event: "step"; runId: string; unit: number; loss: number }
  | { event: "end"; runId: string; outcome: RunEnd }
  | { event: "log"; line: string }
  | { event: "error"; runId: string | null; message: string; parameter?: string };

/** The event a worker's line holds, or undefined for any other output (passed on as it is). */
export function parseWorkerEvent(line: string): WorkerEvent | undefined {
  try {
    const event = JSON.parse(line);
    return event && typeof event === "object" && "event" in event ? event : undefined;
  } catch {
    return undefined;
  }
}

/** The event as the line a worker writes. */
export function workerEventLine(event: WorkerEvent): string {
  return JSON.stringify(event);
}
