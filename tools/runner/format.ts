/**
 * Formatting checks that hold for notebooks too. `deno fmt --check` (Deno 2.9) reports some
 * .ipynb files as unformatted although `deno fmt` leaves their bytes unchanged, so notebooks
 * are checked by formatting a copy and comparing bytes; everything else by `deno fmt --check`.
 */
import { basename, join, relative } from "node:path";
import { type CommandResult, runCommand } from "../../lib/util/system.ts";

const NOTEBOOK_GLOB = "**/*.ipynb";

/** The project's fmt excludes (deno.json), since `--ignore` on the command line replaces them. */
async function configuredExcludes(root: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(root, "deno.json")));
  return config.fmt?.exclude ?? [];
}

/** `deno fmt --check` of everything but notebooks, with the project's own excludes. */
export async function checkFormatExceptNotebooks(root = Deno.cwd()): Promise<CommandResult> {
  const ignore = [...(await configuredExcludes(root)), NOTEBOOK_GLOB].join(",");
  return await runCommand(Deno.execPath(), ["fmt", "--check", `--ignore=${ignore}`], {
    env: { NO_COLOR: "1" },
  });
}

/** The notebooks whose bytes `deno fmt` would change (paths relative to `root`). */
export async function unformattedNotebooks(
  notebooks: readonly string[],
  root = Deno.cwd(),
): Promise<string[]> {
  if (notebooks.length === 0) return [];
  const scratch = await Deno.makeTempDir({ prefix: "lab-fmt-" });
  try {
    await Deno.copyFile(join(root, "deno.json"), join(scratch, "deno.json"));
    const copies = await Promise.all(notebooks.map(async (path, i) => {
      const copy = join(scratch, `${i}-${basename(path)}`);
      await Deno.copyFile(path, copy);
      return copy;
    }));
    const result = await runCommand(Deno.execPath(), ["fmt", ...copies], {
      cwd: scratch, // so the copied deno.json, and only it, configures the formatter
      env: { NO_COLOR: "1" },
    });
    if (result.code !== 0) throw new Error(`deno fmt failed on notebook copies: ${result.stderr}`);
    const changed: string[] = [];
    for (const [i, path] of notebooks.entries()) {
      const [original, formatted] = await Promise.all([
        Deno.readFile(path),
        Deno.readFile(copies[i]),
      ]);
      if (!sameBytes(original, formatted)) changed.push(relative(root, path));
    }
    return changed;
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** `unformattedNotebooks` as a command result, in `deno fmt --check`'s words. */
export async function checkNotebookFormat(root = Deno.cwd()): Promise<CommandResult> {
  const changed = await unformattedNotebooks(await projectNotebooks(root), root);
  return {
    code: changed.length === 0 ? 0 : 1,
    stdout: changed.map((path) => `from ${path}:`).join("\n"),
    stderr: "",
  };
}

/** The project's notebooks: notebooks/ and the test fixtures. */
export async function projectNotebooks(root = Deno.cwd()): Promise<string[]> {
  const found: string[] = [];
  for (const dir of ["notebooks", join("tests", "fixtures")]) {
    try {
      for await (const entry of Deno.readDir(join(root, dir))) {
        if (entry.isFile && entry.name.endsWith(".ipynb")) found.push(join(root, dir, entry.name));
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  return found.sort();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
