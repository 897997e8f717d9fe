/**
 * Claims on runs of a shared results folder, so that sweeps running at the same time (several
 * workers of one `--jobs` sweep, or two sweeps started over one folder) never train the same
 * run twice. A claim is a file `<runId>.claim` beside the result, created whole (written to a
 * temporary file, then hard-linked into place: the file system makes exactly one creator
 * succeed, and no reader ever sees a claim empty), holding the claimant's pid and that
 * process's start time. It is removed when the run's result is written or the run fails; a
 * claim whose process is gone (no such pid, or the pid now belongs to a process started at
 * another time) is stale and is taken over.
 */
import { PathError, reasonOf } from "../util/output_folder.ts";
import { MISSING, readRegularTextFileSync } from "../util/regular_file.ts";
import { processIsRunning, temporarySibling } from "../util/system.ts";
import type { RunEnd } from "./run_events.ts";

export const CLAIM_SUFFIX = ".claim";

export interface ClaimOwner {
  pid: number;
  /** The process's start time (clock ticks since boot, /proc/PID/stat field 22), or null. */
  started: number | null;
  token: string;
}

export type ClaimOutcome =
  | { state: "claimed"; path: string; release: () => void; reclaimedFrom?: number }
  | { state: "held"; path: string; pid: number | null };

export function claimPath(dir: string, runId: string): string {
  return `${dir}/${runId}${CLAIM_SUFFIX}`;
}

/** The run a claim file (its name in the results folder) is for. */
export function runIdOfClaim(name: string): string {
  return name.endsWith(CLAIM_SUFFIX) ? name.slice(0, -CLAIM_SUFFIX.length) : name;
}

/** The start time of process `pid` (Linux /proc), null when it is not running or unknown. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // the command name (field 2) is parenthesised and may hold spaces: count after its ")"
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const started = Number(fields[19]);
    return Number.isFinite(started) ? started : null;
  } catch {
    return null;
  }
}

/** True when the process recorded in a claim still runs (same pid, same start time). */
export function ownerIsAlive(owner: ClaimOwner): boolean {
  if (!processIsRunning(owner.pid)) return false;
  if (owner.started === null) return true;
  const started = processStartTime(owner.pid);
  return started === null || started === owner.started;
}

/** Largest claim file read: a pid, a start time and a token. */
const MAX_CLAIM_BYTES = 4096;

/** The claim's owner; null for a claim that is not one (not a small regular file of JSON). */
function readOwner(path: string): ClaimOwner | null | "missing" {
  try {
    const text = readRegularTextFileSync(path, {
      parameter: "claim",
      maxBytes: MAX_CLAIM_BYTES,
      missingOk: true,
    });
    if (text === MISSING) return "missing";
    const value = JSON.parse(text);
    if (typeof value?.pid === "number" && typeof value?.token === "string") return value;
    return null;
  } catch {
    return null;
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // already gone
  }
}

/** This process as a claim records it. */
export function currentOwner(): ClaimOwner {
  return {
    pid: Deno.pid,
    started: processStartTime(Deno.pid),
    token: crypto.randomUUID(),
  };
}

/**
 * Claims `runId` in `dir` for this process. Returns "held" (with the holder's pid) when a live
 * process holds it; takes over a stale claim (its process is gone) and says whose it was.
 * The returned `release` removes the claim only while it is still this process's.
 */
export function claimRun(
  dir: string,
  runId: string,
  owner = currentOwner(),
  /** Pids whose claims are never taken over, even once gone (a sweep's own workers). */
  keepClaimsOf: (pid: number) => boolean = () => false,
): ClaimOutcome {
  const path = claimPath(dir, runId);
  let reclaimedFrom: number | undefined;
  const text = JSON.stringify(owner) + "\n";
  for (let attempt = 0; attempt < 5; attempt++) {
    if (!createWhole(path, text)) {
      const holder = readOwner(path);
      if (holder === "missing") continue; // released meanwhile: try again
      // a claim is never seen half-written (createWhole), so one without an owner is garbage
      if (holder !== null && (ownerIsAlive(holder) || keepClaimsOf(holder.pid))) {
        return { state: "held", path, pid: holder.pid };
      }
      if (!takeOverStale(path, holder)) continue;
      reclaimedFrom = holder?.pid;
      continue;
    }
    const release = () => {
      const current = readOwner(path);
      if (current !== "missing" && current?.token === owner.token) removeQuietly(path);
    };
    return { state: "claimed", path, release, reclaimedFrom };
  }
  return { state: "held", path, pid: null };
}

/**
 * Creates `path` holding `text`, whole or not at all: the text is written to a temporary
 * sibling, which is then hard-linked to `path` (a link, like `createNew`, fails when the path
 * exists, so exactly one creator succeeds). A full disk or a read-only folder fails the write of
 * the temporary file, which names the claim; no empty claim is ever left. Returns false when
 * the path already exists.
 */
function createWhole(path: string, text: string): boolean {
  const temporary = temporarySibling(path);
  try {
    Deno.writeTextFileSync(temporary, text, { createNew: true });
    Deno.linkSync(temporary, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw new PathError(path, undefined, `cannot be written (${reasonOf(error)})`);
  } finally {
    removeQuietly(temporary);
  }
}

/**
 * Removes a stale claim so that it can be created again. The claim is first renamed to a
 * name private to this process (of two processes taking over the same claim, one rename
 * wins); if what was renamed is not the stale claim that was judged (another process took
 * the claim over and created its own in between), it is put back with a hard link, which
 * fails rather than overwrite a claim created meanwhile. Returns whether a claim was removed.
 */
function takeOverStale(path: string, judged: ClaimOwner | null): boolean {
  const aside = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.stale`;
  try {
    Deno.renameSync(path, aside);
  } catch {
    return false; // another process moved it first
  }
  const moved = readOwner(aside);
  const same = judged === null
    ? moved === null
    : moved !== "missing" && moved !== null && moved.token === judged.token;
  if (!same) {
    try {
      Deno.linkSync(aside, path);
    } catch {
      // a claim was created meanwhile; that one stands
    }
    removeQuietly(aside);
    return false;
  }
  removeQuietly(aside);
  return true;
}

/** Removes every claim in `dir` recorded for process `pid` (a worker that has exited). */
export function releaseClaimsOf(dir: string, pid: number): string[] {
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.endsWith(CLAIM_SUFFIX)) continue;
    const owner = readOwner(`${dir}/${entry.name}`);
    if (owner !== "missing" && owner !== null && owner.pid === pid) {
      removeQuietly(`${dir}/${entry.name}`);
      removed.push(entry.name);
    }
  }
  return removed;
}

/** What trying one run under its claim needs. */
export interface ClaimedRunSteps {
  /** Whether the run's result is there already (another sweep finished it meanwhile). */
  isDone: () => boolean;
  /** Trains the run and writes its result. */
  train: () => Promise<void>;
  /** Told when a stale claim is taken over. */
  log: (line: string) => void;
  /** Pids whose claims are never taken over (a sweep's own workers). */
  keepClaimsOf?: (pid: number) => boolean;
}

/**
 * The claim protocol for one run of a shared folder: the run is claimed first. A run another
 * live process holds is left to it ("held"); a stale claim is taken over, and `log` says whose
 * it was; a run whose result appeared meanwhile is "reused"; otherwise it is trained. The claim
 * is released once `train` returns or throws, never before its result is written.
 */
export async function tryUnderClaim(
  dir: string,
  runId: string,
  steps: ClaimedRunSteps,
): Promise<RunEnd> {
  const claim = claimRun(dir, runId, undefined, steps.keepClaimsOf);
  if (claim.state === "held") return "held";
  try {
    if (claim.reclaimedFrom !== undefined) {
      steps.log(
        `${claim.path}: took over the claim of process ${claim.reclaimedFrom}, which is gone`,
      );
    }
    if (steps.isDone()) return "reused";
    await steps.train();
    return "trained";
  } finally {
    claim.release();
  }
}
