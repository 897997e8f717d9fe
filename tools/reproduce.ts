/**
 * deno task reproduce [--quick] [--solutions] [--only NAME] [--out DIR] [--notebooks DIR]
 *
 * Executes every notebook and writes executed copies, HTML pages, SVG figures and an index
 * to out/ (tools/runner/reproduce.ts). With --solutions the exercises' answer cells are filled
 * from notebooks/solutions/ and the output goes to out-solutions/, so out/ can be handed to
 * students as it is; a notebook then fails unless every exercise checks. Exit 1 when a cell fails, 2 for bad flags, a notebooks
 * folder with no notebooks, an --out that is not a folder, or a missing prerequisite; bad
 * input is refused before anything is written.
 */
import {
  EXIT_BAD_INPUT,
  parseFlags,
  rejectPositionals,
  rejectUnknownFlags,
  runTool,
} from "./cli/flags.ts";
import {
  PrerequisiteError,
  reproduce,
  requireNotebooks,
  requireOutputFolder,
} from "./runner/reproduce.ts";
import { readNotebook, selectNotebooks } from "./runner/notebook.ts";
import { join } from "node:path";
import { InputError } from "../lib/util/errors.ts";

/** The student version: the notebooks as shipped, answer cells blank. */
const STUDENT_OUT = "out";
/** Kept apart from out/ so handing out out/ never hands out the solutions. */
const SOLUTIONS_OUT = "out-solutions";

const USAGE = `usage: deno task reproduce [--quick] [--solutions] [--only NAME] [--out DIR] \
[--notebooks DIR]
  --quick      small sizes (LAB_QUICK=1): every notebook in about a minute
  --solutions  fill the exercises' answer cells from <notebooks>/solutions/NN.ts and fail
               unless every exercise checks; writes to ${SOLUTIONS_OUT} unless --out is given
  --only NAME  one notebook: file name, stem or number (e.g. 03)
  --out DIR    where the executed notebooks, pages, figures and index go (default ${STUDENT_OUT},
               ${SOLUTIONS_OUT} with --solutions)
  --notebooks DIR  the notebooks to run (default notebooks)`;

await runTool("reproduce", async () => {
  const parsed = parseFlags(Deno.args, ["quick", "solutions", "help"]);
  rejectUnknownFlags(parsed, ["quick", "solutions", "only", "out", "notebooks", "help"]);
  rejectPositionals(parsed);
  if (parsed.flags.has("help")) return void console.log(USAGE);
  const stringFlag = (name: string, fallback?: string) => {
    const value = parsed.flags.get(name) ?? fallback;
    if (value === true || value === "") {
      throw new InputError(`--${name}`, value, "expected a value");
    }
    return value;
  };
  const solutions = parsed.flags.has("solutions");
  const outDir = stringFlag("out", solutions ? SOLUTIONS_OUT : STUDENT_OUT)!;
  const notebooksDir = stringFlag("notebooks", "notebooks")!;
  const only = stringFlag("only");
  // Every flag is checked here, under its own name, before anything is written.
  const available = await requireNotebooks(notebooksDir, "--notebooks");
  const selected = only === undefined ? available : selectNotebooks(available, only);
  // every notebook is read and checked (a file, JSON, nbformat 4) before --out is touched
  for (const name of selected) await readNotebook(join(notebooksDir, name));
  await requireOutputFolder(outDir, "--out");
  const started = performance.now();
  try {
    const report = await reproduce({
      notebooksDir,
      outDir,
      quick: parsed.flags.has("quick"),
      solutions,
      only,
      onProgress: (line) => console.log(line),
    });
    if (report.failure !== undefined) {
      console.error(`reproduce: ${report.failure}`);
      return 1;
    }
  } catch (error) {
    if (!(error instanceof PrerequisiteError)) throw error;
    console.error(`reproduce: ${error.message}`);
    return EXIT_BAD_INPUT;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`reproduce: done in ${seconds} s; open ${outDir}/index.html`);
});
