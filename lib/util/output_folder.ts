/**
 * Output folders and files the tools write to, checked before any work starts: a folder that
 * cannot be created or written (a file in its place, a read-only mount, a path under /proc), or
 * an existing file the tool would merge into that does not parse, is refused with one line
 * naming the setting, its full value and why, instead of an error after minutes of work.
 */
import { dirname, resolve } from "node:path";
import { InputError } from "./errors.ts";

/**
 * An InputError whose message keeps the whole value (InputError shortens long values, and a
 * path is useless cut in half): `parameter = "value": why`, or `path: why` for a file.
 */
export class PathError extends InputError {
  /** Why the path was refused, without the setting and path. */
  readonly reason: string;

  constructor(parameter: string, value: string | undefined, why: string) {
    super(parameter, value, why);
    this.reason = why;
    this.message = value === undefined
      ? `${parameter}: ${why}`
      : `${parameter} = ${JSON.stringify(value)}: ${why}`;
  }
}

/** The operating system's reason, without the path and call Deno appends to its messages. */
export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/ \(os error \d+\).*$/s, "").split("\n")[0];
}

/** What the write probe writes: one file system block, so that a full disk is found. */
const PROBE_BYTES = 4096;

/**
 * Creates `path` (with its parents) when missing and proves it writable by writing and
 * removing a probe file of one block in it; throws a PathError naming `parameter` and the path
 * otherwise, removing again any folder it created. Returns the path.
 */
export function requireWritableFolder(parameter: string, path: string): string {
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.statSync(path);
  } catch {
    // absent, or not reachable: creating it says why it cannot be a folder
  }
  if (info && !info.isDirectory) throw new PathError(parameter, path, "is a file, not a folder");
  const created = info ? undefined : outermostMissing(path);
  if (!info) {
    try {
      Deno.mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new PathError(parameter, path, `cannot be created (${reasonOf(error)})`);
    }
  }
  try {
    probeWrite(path);
  } catch (error) {
    // the folders made for it go again: a refused output leaves nothing behind
    if (created !== undefined) Deno.removeSync(created, { recursive: true });
    throw new PathError(parameter, path, `is not writable (${reasonOf(error)})`);
  }
  return path;
}

/** The outermost folder of `path` that does not exist (what a recursive mkdir creates first). */
function outermostMissing(path: string): string {
  let missing = resolve(path);
  for (let parent = dirname(missing); parent !== missing; parent = dirname(missing)) {
    try {
      Deno.statSync(parent);
      break;
    } catch {
      missing = parent;
    }
  }
  return missing;
}

/**
 * Writes a probe file of one block in `folder` and removes it; throws the file system's error
 * when the folder cannot take it (read-only, under /proc, a full disk: bytes, not only a name,
 * since a full disk still lets an empty file be created).
 */
export function probeWrite(folder: string): void {
  const probe = Deno.makeTempFileSync({ dir: folder, prefix: ".write-probe-", suffix: ".tmp" });
  try {
    Deno.writeFileSync(probe, new Uint8Array(PROBE_BYTES));
  } finally {
    Deno.removeSync(probe);
  }
}
