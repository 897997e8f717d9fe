/**
 * The lab's plumbing with the operating system, in one module: file paths from module URLs,
 * writing files atomically, sweeping the temporary files an interrupted write left behind,
 * hashing, and running other programs. `lib/mod.ts` does not re-export it: notebooks and
 * students never need it; lib/ modules, tools/ and web/ import it directly.
 */
import { hash } from "node:crypto";
import { fileURLToPath } from "node:url";

/**
 * The file-system path of a `file:` URL (or of a path relative to one, for example
 * `pathFromUrl("../data/", import.meta.url)`), decoded: a checkout whose path holds a space
 * or a `%` yields the real path, never `lab%20space`.
 */
export function pathFromUrl(url: URL | string, base?: URL | string): string {
  return fileURLToPath(base === undefined ? url : new URL(url, base));
}

/** Suffix every temporary file of an atomic write ends with. */
export const TEMPORARY_SUFFIX = ".tmp";

/** A name beside `path` for a temporary file of this process (swept once the process is gone). */
export function temporarySibling(path: string): string {
  return `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}${TEMPORARY_SUFFIX}`;
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // already gone (or never created): nothing to clean
  }
}

/**
 * Writes a file so readers never see half of it: a temporary sibling in the target folder,
 * then a rename. On any error the temporary file is removed and the error rethrown, so a
 * failed write leaves the target as it was and nothing beside it.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = temporarySibling(path);
  try {
    if (typeof content === "string") await Deno.writeTextFile(temporary, content);
    else await Deno.writeFile(temporary, content);
    await Deno.rename(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
}

/** The synchronous twin of {@link writeFileAtomic}, for callers that cannot await. */
export function writeFileAtomicSync(path: string, content: string | Uint8Array): void {
  const temporary = temporarySibling(path);
  try {
    if (typeof content === "string") Deno.writeTextFileSync(temporary, content);
    else Deno.writeFileSync(temporary, content);
    Deno.renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
}

/**
 * Removes the temporary files that interrupted atomic writes left in `folder` (not recursive)
 * whose writer is no longer running, and returns their names. A temporary file of a live
 * process (its pid is in the name and still exists) is left alone.
 */
export function sweepStaleTemporaries(folder: string): string[] {
  const removed: string[] = [];
  let entries: Iterable<Deno.DirEntry>;
  try {
    entries = Deno.readDirSync(folder);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.endsWith(TEMPORARY_SUFFIX)) continue;
    const pid = Number(/\.(\d+)\.[0-9a-f]{8}\.tmp$/.exec(entry.name)?.[1] ?? NaN);
    if (Number.isInteger(pid) && (pid === Deno.pid || processIsRunning(pid))) continue;
    removeQuietly(`${folder}/${entry.name}`);
    removed.push(entry.name);
  }
  return removed;
}

/** Whether a process with this pid exists on this machine (Linux: /proc/PID). */
export function processIsRunning(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Hex SHA-256 of a text's UTF-8 bytes. */
export function sha256(text: string | Uint8Array): string {
  return hash("sha256", text, "hex");
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Variables removed from the inherited environment. */
  unset?: string[];
}

function pipedCommand(program: string, args: string[], options: CommandOptions): Deno.Command {
  const env = { ...Deno.env.toObject(), ...options.env };
  for (const name of options.unset ?? []) delete env[name];
  return new Deno.Command(program, {
    args,
    cwd: options.cwd,
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs a program to completion; a program that cannot be started gives code 127. */
export async function runCommand(
  program: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  try {
    const output = await pipedCommand(program, args, options).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { code: 127, stdout: "", stderr: `cannot run ${program}: ${(error as Error).message}` };
  }
}

/** Runs a program with its output shown live and also collected (stdout and stderr merged). */
export async function runStreaming(
  program: string,
  args: string[],
  options: CommandOptions = {},
): Promise<{ code: number; output: string }> {
  const child = pipedCommand(program, args, options).spawn();
  const decoder = new TextDecoder();
  let output = "";
  const pump = async (stream: ReadableStream<Uint8Array>, sink: typeof Deno.stdout) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      await sink.write(chunk);
    }
  };
  await Promise.all([pump(child.stdout, Deno.stdout), pump(child.stderr, Deno.stderr)]);
  return { code: (await child.status).code, output };
}
