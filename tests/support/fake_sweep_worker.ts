/**
 * A stand-in for a sweep's worker process, for the scheduler and worker-pool tests: given a
 * script as JSON, it claims a run (a claim file with its own pid) if told to, prints the given
 * worker events and lines one a line, then exits with the given code.
 */
import { claimPath, currentOwner } from "../../lib/train/claims.ts";
import { type WorkerEvent, workerEventLine } from "../../lib/train/run_events.ts";

/** What the fake worker does, in order. */
export interface FakeWorkerScript {
  /** A claim to leave behind: the folder and the run. */
  claim?: { dir: string; runId: string };
  /** Events (printed as the worker's JSON lines) and plain lines (printed as they are). */
  output: (WorkerEvent | string)[];
  exitCode: number;
}

if (import.meta.main) {
  const script = JSON.parse(Deno.args[0]) as FakeWorkerScript;
  if (script.claim) {
    const path = claimPath(script.claim.dir, script.claim.runId);
    Deno.writeTextFileSync(path, JSON.stringify(currentOwner()));
  }
  for (const item of script.output) {
    console.log(typeof item === "string" ? item : workerEventLine(item));
  }
  Deno.exit(script.exitCode);
}
