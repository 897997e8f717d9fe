/**
 * The Jupyter side of the runner: which `jupyter` to use, whether the pieces the runner needs
 * are installed, and the Deno kernelspec, registered in a project-local Jupyter data folder
 * (.jupyter-data/, gitignored) so the user's own Jupyter setup is never touched.
 *
 * `deno jupyter --install` always writes to ~/.local/share/jupyter (it ignores
 * JUPYTER_DATA_DIR), so the kernelspec is written here instead; it runs the very deno binary
 * that runs this code, with NO_COLOR=1 so text outputs carry no ANSI codes.
 */
import { findChromium } from "../../lib/plot/chromium.ts";
import { pathFromUrl, runCommand, writeFileAtomic } from "../../lib/util/system.ts";

export const KERNEL_NAME = "deno";
export const INSTALL_HINT = "apt-get install -y jupyter-notebook jupyter-nbconvert " +
  "python3-nbclient chromium (or: pip install notebook nbconvert nbclient)";

/** The jupyter launcher: $JUPYTER, else Debian's /usr/bin/jupyter, else `jupyter` on PATH. */
export function jupyterProgram(): string {
  const fromEnvironment = Deno.env.get("JUPYTER");
  if (fromEnvironment) return fromEnvironment;
  try {
    if (Deno.statSync("/usr/bin/jupyter").isFile) return "/usr/bin/jupyter";
  } catch {
    // not a Debian install; fall back to PATH
  }
  return "jupyter";
}

/** The Python that runs jupyter (its launcher's #! line): it has nbclient installed. */
export function jupyterPython(): string {
  try {
    const firstLine = Deno.readTextFileSync(jupyterProgram()).split("\n", 1)[0];
    const interpreter = /^#!\s*(\S*python\S*)\s*$/.exec(firstLine)?.[1];
    if (interpreter !== undefined) return interpreter;
  } catch {
    // jupyter found on PATH only, or not a script: fall through
  }
  return "/usr/bin/python3";
}

/** Folder of the project (tools/runner/ is two levels below it). */
export const projectRoot: string = pathFromUrl("../../", import.meta.url).replace(/\/$/, "");

/** The project-local Jupyter data folder that holds the kernelspec. */
export const jupyterDataDir = `${projectRoot}/.jupyter-data`;

/** Environment that makes jupyter find the project-local kernel. */
export function jupyterEnvironment(): Record<string, string> {
  return { JUPYTER_DATA_DIR: jupyterDataDir, NO_COLOR: "1" };
}

/**
 * What is missing for running notebooks (and, when asked, for static export), as one line
 * that ends with the install command; undefined when everything is there.
 */
export async function missingPrerequisites(needChromium: boolean): Promise<string | undefined> {
  const jupyter = jupyterProgram();
  const [nbconvert, nbclient] = await Promise.all([
    runCommand(jupyter, ["nbconvert", "--version"]),
    runCommand(jupyter, ["execute", "--help"]),
  ]);
  const missing: string[] = [];
  if (nbconvert.code === 127) missing.push(`jupyter (${jupyter})`);
  else if (nbconvert.code !== 0) missing.push("jupyter nbconvert");
  if (nbconvert.code !== 127 && nbclient.code !== 0) missing.push("nbclient (jupyter execute)");
  if (needChromium && findChromium() === undefined) missing.push("chromium");
  if (missing.length === 0) return undefined;
  return `missing prerequisite: ${missing.join(", ")}; install with: ${INSTALL_HINT}`;
}

/** Writes the Deno kernelspec into .jupyter-data/kernels/deno (idempotent). */
export async function installProjectKernel(): Promise<string> {
  const kernelDir = `${jupyterDataDir}/kernels/${KERNEL_NAME}`;
  await Deno.mkdir(kernelDir, { recursive: true });
  const spec = {
    argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno (O(n) lab)",
    language: "typescript",
    env: { NO_COLOR: "1" },
  };
  await writeFileAtomic(`${kernelDir}/kernel.json`, JSON.stringify(spec, null, 2) + "\n");
  return kernelDir;
}
