/**
 * What a teacher hands out: the course site as `deno task reproduce` built it (answer cells
 * blank), and beside it, under lab/, the project's tracked files without the solutions, so the
 * notebooks can be opened and run (`deno task lab`). The bundle is assembled in a temporary
 * sibling of the destination and renamed into place at the end: a refused or failed run leaves
 * nothing behind.
 */
import { basename, dirname, join, relative, resolve } from "node:path";
import { InputError } from "../../lib/util/errors.ts";
import { PathError, reasonOf } from "../../lib/util/output_folder.ts";
import { runCommand, temporarySibling } from "../../lib/util/system.ts";
import { SOLUTIONS_DIR } from "./exercises.ts";
import { siteLinkProblems } from "./site.ts";

/** The folder of the bundle that holds the runnable project. */
export const STUDENT_LAB_DIR = "lab";

export interface StudentBundleOptions {
  /** The site deno task reproduce wrote (out/). */
  siteDir: string;
  /** Where the bundle goes: a folder that does not exist yet, or an empty one. */
  destination: string;
  /** The project's root (a git work tree): its tracked files go to lab/. */
  projectRoot: string;
  /** The notebooks folder, relative to the project root (its solutions/ stays out). */
  notebooksDir?: string;
}

export interface StudentBundle {
  siteFiles: number;
  labFiles: number;
}

/**
 * Refuses a site that is not a course site, shows the solutions or has a link that leads out of
 * it, and a destination that holds anything or lies inside the site; each refusal is one line
 * naming the flag, the value and the limit.
 */
export async function checkStudentInputs(options: StudentBundleOptions): Promise<void> {
  const { siteDir, destination } = options;
  let index: string;
  try {
    index = await Deno.readTextFile(join(siteDir, "index.html"));
  } catch {
    throw new PathError(
      "--site",
      siteDir,
      "holds no index.html; build the site first with deno task reproduce",
    );
  }
  if (/<meta name="lab-solutions" content="shown">/.test(index)) {
    throw new PathError(
      "--site",
      siteDir,
      "shows the exercises' solutions (built with --solutions); hand out a site built without",
    );
  }
  const problems = await siteLinkProblems(siteDir);
  if (problems.length > 0) {
    throw new PathError(
      "--site",
      siteDir,
      `has ${problems.length} link(s) that do not resolve inside it, first ${problems[0]}`,
    );
  }
  const inside = relative(resolve(siteDir), resolve(destination));
  if (inside === "" || !inside.startsWith("..")) {
    throw new PathError("--student", destination, "lies inside --site; choose a folder outside it");
  }
  try {
    const info = await Deno.stat(destination);
    if (!info.isDirectory) throw new PathError("--student", destination, "is a file, not a folder");
    for await (const _entry of Deno.readDir(destination)) {
      throw new PathError(
        "--student",
        destination,
        "is not empty; give a new folder (nothing is overwritten)",
      );
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  try {
    await Deno.stat(dirname(resolve(destination)));
  } catch {
    throw new PathError("--student", destination, "has no parent folder; create it first");
  }
}

/** Copies a folder's files (not links) into `to`, which must not exist; returns how many. */
async function copyTree(from: string, to: string): Promise<number> {
  await Deno.mkdir(to, { recursive: true });
  let files = 0;
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    if (entry.isDirectory) files += await copyTree(source, join(to, entry.name));
    else if (entry.isFile) {
      await Deno.copyFile(source, join(to, entry.name));
      files++;
    }
  }
  return files;
}

/** The project's tracked files, without the solutions folder. */
async function trackedFilesWithoutSolutions(root: string, notebooksDir: string): Promise<string[]> {
  const listed = await runCommand("git", ["ls-files", "-z"], { cwd: root });
  if (listed.code !== 0) {
    throw new InputError("projectRoot", root, `is not a git work tree (${listed.stderr.trim()})`);
  }
  const solutions = `${notebooksDir.replace(/\/$/, "")}/${SOLUTIONS_DIR}/`;
  return listed.stdout.split("\0").filter((path) => path !== "" && !path.startsWith(solutions));
}

/** Writes the bundle (checkStudentInputs first); nothing is left at the destination on failure. */
export async function writeStudentBundle(options: StudentBundleOptions): Promise<StudentBundle> {
  await checkStudentInputs(options);
  const destination = resolve(options.destination);
  const staging = temporarySibling(destination);
  try {
    const siteFiles = await copyTree(options.siteDir, staging);
    const labDir = join(staging, STUDENT_LAB_DIR);
    const files = await trackedFilesWithoutSolutions(
      options.projectRoot,
      options.notebooksDir ?? "notebooks",
    );
    for (const path of files) {
      const source = join(options.projectRoot, path);
      try {
        if (!(await Deno.lstat(source)).isFile) continue;
      } catch {
        continue; // deleted in the work tree: not handed out
      }
      await Deno.mkdir(dirname(join(labDir, path)), { recursive: true });
      await Deno.copyFile(source, join(labDir, path));
    }
    try {
      await Deno.remove(destination); // an empty folder given as destination
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await Deno.rename(staging, destination);
    return { siteFiles, labFiles: files.length };
  } catch (error) {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    if (error instanceof InputError) throw error;
    throw new PathError(
      "--student",
      options.destination,
      `cannot be written (${reasonOf(error)}); nothing was left at ${basename(destination)}`,
    );
  }
}
