/**
 * `deno task reproduce`: execute every notebook in order with the project's Deno kernel and
 * write to outDir the course site: the executed notebooks, one HTML page each (previous / index /
 * next links, links rewritten to the site; site.ts), every figure as SVG under
 * figures/<notebook>/, plotly.js once (plotly.min.js), the account of the paper and the course
 * plan as pages (paper.html, course-plan.html), and index.html (course.ts): each notebook with
 * its title, summary, status, run time, first figure and number of exercises, in study order.
 *
 * With `solutions`, each notebook's answer cells get their blocks of notebooks/solutions/NN.ts
 * before it runs (exercises.ts), so the executed copies show the solutions, and a notebook fails
 * unless every exercise printed "checked". Without, the exercises are only counted.
 */
import { SvgRenderer } from "../../lib/plot/svg.ts";
import { join } from "node:path";
import { type CourseEntry, indexPage, notebookIntro } from "./course.ts";
import type { CellError } from "./cell_error.ts";
import { InputError } from "../../lib/util/errors.ts";
import { PathError, reasonOf, requireWritableFolder } from "../../lib/util/output_folder.ts";
import { sweepStaleTemporaries, writeFileAtomic } from "../../lib/util/system.ts";
import { executeNotebook, exportFigures, exportHtml, exportMarkdownPage } from "./execute.ts";
import {
  COURSE_PLAN_PAGE,
  COURSE_PLAN_SOURCE,
  PAPER_PAGE,
  PAPER_SOURCE,
  relinkSite,
  siteOrder,
  type SitePage,
  writeSitePlotly,
} from "./site.ts";
import { installProjectKernel, missingPrerequisites } from "./jupyter.ts";
import {
  listNotebooks,
  type Notebook,
  notebookStem,
  readNotebook,
  selectNotebooks,
} from "./notebook.ts";
import {
  answerCells,
  countExercises,
  describeExerciseCount,
  type ExerciseCount,
  ExerciseSetupError,
  solutionsFailure,
  solutionsFileName,
  withSolutions,
} from "./exercises.ts";

export interface ReproduceOptions {
  notebooksDir: string;
  outDir: string;
  /** Sets LAB_QUICK=1 for the kernel. */
  quick?: boolean;
  /** One notebook: file name with or without .ipynb, or its numeric prefix. */
  only?: string;
  /** These notebooks (file names in notebooksDir), instead of all or `only`. */
  notebooks?: string[];
  /** Fill the answer cells from notebooks/solutions/NN.ts; fail unless every exercise checks. */
  solutions?: boolean;
  /** Run the remaining notebooks after a failure (tests count every notebook). */
  keepGoing?: boolean;
  /** Called with one line per notebook as it finishes. */
  onProgress?: (line: string) => void;
}

export interface NotebookReport {
  name: string;
  status: "ok" | "failed" | "skipped";
  seconds: number;
  /** SVG paths relative to outDir. */
  figures: string[];
  error?: CellError;
  /** The exercise lines it printed (absent when it did not run to the end). */
  exercises?: ExerciseCount;
}

export interface ReproduceReport {
  notebooks: NotebookReport[];
  /** One line naming the first failing notebook, its cell and the error. */
  failure?: string;
}

/** A tool the runner needs is not installed; the message is one line with the fix. */
export class PrerequisiteError extends Error {
  override name = "PrerequisiteError";
}

/**
 * "notebook NAME, cell N: Error: ..." (or "notebook NAME: kernel died while running cell N
 * (exit code C)", where the message names the cell itself).
 */
export function describeFailure(report: NotebookReport): string {
  const error = report.error;
  const where = error?.cell === undefined || error.kernelDied ? "" : `, cell ${error.cell}`;
  return `notebook ${report.name}${where}: ${error?.message ?? "unknown error"}`;
}

/**
 * The notebooks in `directory` (file names, sorted); an InputError naming `parameter` when the
 * folder cannot be read or holds none.
 */
export async function requireNotebooks(directory: string, parameter = "notebooksDir") {
  const names = await listNotebooks(directory, parameter);
  if (names.length === 0) {
    throw new InputError(parameter, directory, "no notebooks (*.ipynb) in it");
  }
  return names;
}

/**
 * Proves `directory` usable for the run's output before any notebook runs: created when missing,
 * then a probe file written and removed in it. A file in its place, a read-only folder, a path
 * under /proc or a full disk is refused with one line naming `parameter` and the path.
 */
export function requireOutputFolder(directory: string, parameter = "outDir"): Promise<void> {
  requireWritableFolder(parameter, directory);
  return Promise.resolve();
}

/**
 * Runs one output step; an error the file system raises (a full disk, a folder made read-only
 * meanwhile) names `--out` and why in one line instead of a stack trace.
 */
async function writingOutput<T>(outDir: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof InputError || !isFsError(error)) throw error;
    throw new PathError("--out", outDir, `cannot be written (${reasonOf(error)})`);
  }
}

/** An operating-system error as Deno reports it ("No space left on device (os error 28)"). */
function isFsError(error: unknown): boolean {
  return error instanceof Error && /\(os error \d+\)/.test(error.message);
}

function progressLine(report: NotebookReport, position: string): string {
  const time = `${report.seconds.toFixed(1)} s`;
  if (report.status === "failed") return `${position} ${report.name}: FAILED after ${time}`;
  const figures = report.figures.length === 1 ? "1 figure" : `${report.figures.length} figures`;
  const exercises = report.exercises && describeExerciseCount(report.exercises);
  return `${position} ${report.name}: ok in ${time}, ${figures}${
    exercises ? `, ${exercises}` : ""
  }`;
}

export async function reproduce(options: ReproduceOptions): Promise<ReproduceReport> {
  const available = await requireNotebooks(options.notebooksDir);
  const names = options.notebooks ??
    (options.only === undefined ? available : selectNotebooks(available, options.only));
  await requireOutputFolder(options.outDir);
  const missing = await missingPrerequisites(true);
  if (missing !== undefined) throw new PrerequisiteError(missing);
  await installProjectKernel();
  try {
    await Deno.mkdir(options.outDir, { recursive: true });
  } catch (error) {
    throw new InputError(
      "outDir",
      options.outDir,
      `cannot create it (${(error as Error).message})`,
    );
  }
  const outDir = await Deno.realPath(options.outDir);
  sweepOutput(outDir);
  const order = await siteOrderOf(options.notebooksDir, available);
  const scratchDir = await Deno.makeTempDir({ prefix: "lab-reproduce-" });

  let renderer: SvgRenderer | undefined;
  const launchRendererOnce = async () => renderer ??= await SvgRenderer.launch();
  const reports: NotebookReport[] = names.map((name) => ({
    name,
    status: "skipped",
    seconds: 0,
    figures: [],
  }));
  let failure: string | undefined;
  try {
    for (const [index, report] of reports.entries()) {
      const stem = notebookStem(report.name);
      const started = performance.now();
      const execution = await runNotebook(report.name, options, scratchDir);
      const exerciseFailure = execution.notebook &&
        checkExercises(report, execution.notebook, options);
      if (execution.notebook === undefined || exerciseFailure !== undefined) {
        Object.assign(report, { status: "failed", seconds: execution.seconds });
        report.error = execution.error ?? { message: exerciseFailure! };
        failure ??= describeFailure(report);
      } else {
        const notebook = execution.notebook;
        report.figures = await writingOutput(
          outDir,
          () => exportFigures(notebook, stem, outDir, launchRendererOnce),
        );
        const executedPath = `${outDir}/${stem}.ipynb`;
        await writingOutput(outDir, async () => {
          await writeFileAtomic(executedPath, JSON.stringify(notebook, null, 1) + "\n");
          await exportHtml(executedPath, `${outDir}/${stem}.html`, { href: `${stem}.html`, order });
        });
        report.status = "ok";
        report.seconds = (performance.now() - started) / 1000;
      }
      options.onProgress?.(progressLine(report, `[${index + 1}/${reports.length}]`));
      if (failure !== undefined && !options.keepGoing) break;
    }
  } finally {
    await renderer?.close();
    await Deno.remove(scratchDir, { recursive: true });
    // written last, from the figures that exist: a figure whose write failed is not linked
    for (const report of reports) {
      report.figures = report.figures.filter((figure) => isFile(join(outDir, figure)));
    }
    await writingOutput(outDir, async () => {
      // plotly.js once for every page that draws a figure (none needs it otherwise)
      if (reports.some((report) => report.figures.length > 0)) await writeSitePlotly(outDir);
      await writeMarkdownPages(options.notebooksDir, outDir, order);
      await relinkSite(outDir, order);
      await writeFileAtomic(`${outDir}/index.html`, await courseIndex(reports, options));
    });
  }
  return { notebooks: reports, failure };
}

/**
 * Executes one notebook; in solutions mode with its answer cells filled in. Answer cells that
 * do not line up with the solutions (or repeat a number) fail it before it runs.
 */
async function runNotebook(name: string, options: ReproduceOptions, scratchDir: string) {
  const path = join(options.notebooksDir, name);
  try {
    const source = await readNotebook(path);
    answerCells(source, name);
    const prepared = options.solutions
      ? await withSolutions(source, name, options.notebooksDir)
      : undefined;
    return await executeNotebook(path, scratchDir, options.quick ?? false, prepared);
  } catch (error) {
    if (!(error instanceof ExerciseSetupError)) throw error;
    return { ok: false, seconds: 0, notebook: undefined, error: { message: error.message } };
  }
}

/** Counts the exercise lines into the report; in solutions mode, why the count fails the run. */
function checkExercises(
  report: NotebookReport,
  executed: Notebook,
  options: ReproduceOptions,
): string | undefined {
  report.exercises = countExercises(executed, report.name);
  if (!options.solutions) return undefined;
  const solutionsName = solutionsFileName(report.name) ?? "no solutions file";
  return solutionsFailure(report.exercises, join(options.notebooksDir, solutionsName));
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Removes what interrupted atomic writes left in outDir and its figure folders. */
function sweepOutput(outDir: string): void {
  sweepStaleTemporaries(outDir);
  try {
    for (const entry of Deno.readDirSync(join(outDir, "figures"))) {
      if (entry.isDirectory) sweepStaleTemporaries(join(outDir, "figures", entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * The site's pages in study order: the course plan, the account of the paper, then every
 * notebook of the folder (not only those this run executes, so a page's previous and next
 * links do not depend on which notebooks ran), titled by its first heading.
 */
async function siteOrderOf(notebooksDir: string, names: string[]): Promise<SitePage[]> {
  const pages: SitePage[] = [];
  for (const name of names) {
    const stem = notebookStem(name);
    let title = stem;
    try {
      title = notebookIntro(await readNotebook(join(notebooksDir, name)), stem).title;
    } catch {
      // an unreadable notebook keeps its file name; its run says why
    }
    pages.push({ href: `${stem}.html`, title: plainTitle(title) });
  }
  return siteOrder(pages);
}

/** A heading's markdown as plain text for a link: maths and code marks dropped. */
function plainTitle(markdown: string): string {
  return markdown.replace(/\$([^$]*)\$/g, "$1").replace(/[`*_]/g, "").replace(
    /\\[a-zA-Z]+\s*/g,
    "",
  );
}

/**
 * The account of the paper and the course plan as pages, when they are next to the notebooks,
 * and their Markdown sources beside the executed notebooks that link to them.
 */
async function writeMarkdownPages(notebooksDir: string, outDir: string, order: SitePage[]) {
  const sources = [
    { source: PAPER_SOURCE, href: PAPER_PAGE, title: "The paper, as this lab reads it" },
    {
      source: COURSE_PLAN_SOURCE,
      href: COURSE_PLAN_PAGE,
      title: "The notebooks and the course plan",
    },
  ];
  for (const { source, href, title } of sources) {
    const path = join(notebooksDir, source);
    if (!isFile(path)) continue;
    await exportMarkdownPage(path, join(outDir, href), title, { href, order });
    // the executed notebooks beside it link to the Markdown source, as the originals do
    await Deno.copyFile(path, join(outDir, source));
  }
}

/** The index page for these reports, titles and summaries read from the source notebooks. */
async function courseIndex(
  reports: NotebookReport[],
  options: ReproduceOptions,
): Promise<string> {
  const notebooksDir = options.notebooksDir;
  const entries: CourseEntry[] = [];
  for (const report of reports) {
    let intro = { title: notebookStem(report.name), summary: "" };
    let exercises: number | undefined;
    try {
      const notebook = await readNotebook(join(notebooksDir, report.name));
      intro = notebookIntro(notebook, notebookStem(report.name));
      exercises = answerCells(notebook, report.name).size;
    } catch {
      // an unreadable notebook is listed under its file name; its run already said why
    }
    entries.push({
      name: report.name,
      status: report.status,
      seconds: report.seconds,
      figures: report.figures,
      intro,
      exercises,
      failure: report.status === "failed" ? describeFailure(report) : undefined,
    });
  }
  const hasPage = (source: string) => isFile(join(notebooksDir, source));
  return indexPage(entries, {
    quick: options.quick ?? false,
    solutions: options.solutions ?? false,
    coursePlanHref: hasPage(COURSE_PLAN_SOURCE) ? COURSE_PLAN_PAGE : undefined,
    paperHref: hasPage(PAPER_SOURCE) ? PAPER_PAGE : undefined,
  });
}
