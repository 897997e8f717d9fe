/**
 * Output folders and files the tools write to, checked before any work starts: a folder that
 * cannot be created or written (a file in its place, a read-only mount, a path under /proc), or
 * an existing file the tool would merge into that does not parse, is refused with one line
 * naming the setting, its full value and why, instead of an error after minutes of work.
 */
import { InputError } from "./errors.ts";

/**
 * An InputError whose message keeps the whole value (InputError shortens long values, and a
 * path is useless cut in half): `parameter = "value": why`, or `path: why` for a file.
 */
export class PathError extends InputError {
  constructor(parameter: string, value: string | undefined, why: string) {
    super(parameter, value, why);
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

/**
 * Creates `path` (with its parents) when missing and proves it writable by creating and
 * removing an empty file in it; throws a PathError naming `parameter` and the path otherwise.
 * Returns the path.
 */
export function requireWritableFolder(parameter: string, path: string): string {
  let info: Deno.FileInfo | undefined;
  try {
    info = Deno.statSync(path);
  } catch {
    // absent, or not reachable: creating it says why it cannot be a folder
  }
  if (info && !info.isDirectory) throw new PathError(parameter, path, "is a file, not a folder");
  if (!info) {
    try {
      Deno.mkdirSync(path, { recursive: true });
    } catch (error) {
      throw new PathError(parameter, path, `cannot be created (${reasonOf(error)})`);
    }
  }
  let probe: string;
  try {
    probe = Deno.makeTempFileSync({ dir: path, prefix: ".write-probe-", suffix: ".tmp" });
  } catch (error) {
    throw new PathError(parameter, path, `is not writable (${reasonOf(error)})`);
  }
  Deno.removeSync(probe);
  return path;
}
