/**
 * One notebook executed with the project's Deno kernel (nbclient, like nbconvert), then
 * its exports: every Plotly figure as a static SVG (also put into the executed notebook's
 * output bundle as image/svg+xml, for viewers that run no JavaScript) and an HTML page of the
 * course site (site.ts): maths typeset, plotly.js loaded from the site's one copy, navigation
 * to the previous page, the index and the next page. Markdown sources (the account of the paper,
 * the course plan) become pages of the same kind.
 */
import { PLOTLY_MIME, type PlotlyFigureJson } from "../../lib/plot/plotly_types.ts";
import { PLOTLY_DELIVERY_VARIABLE } from "../../lib/plot/plotly_page.ts";
import type { SvgRenderer } from "../../lib/plot/svg.ts";
import { basename, dirname, join } from "node:path";
import {
  type CellError,
  explainUnparsedCell,
  failureLine,
  parseExecutorFailure,
} from "./cell_error.ts";
import { pathFromUrl, runCommand, writeFileAtomic } from "../../lib/util/system.ts";
import { jupyterEnvironment, jupyterProgram, jupyterPython, KERNEL_NAME } from "./jupyter.ts";
import { katexStylesheet, placeholderTex, prepareMath, typesetPlaceholders } from "./math.ts";
import { type Notebook, notebookStem, readNotebook } from "./notebook.ts";
import { githubHeadingIds, plotlyScriptReference, type SitePage, sitePage } from "./site.ts";

/** The environment variable notebooks read their quick mode from. */
export const QUICK_VARIABLE = "LAB_QUICK";
const CELL_TIMEOUT_SECONDS = 1800;
const TEMPLATE_DIR = pathFromUrl("./templates", import.meta.url);
const EXECUTOR = pathFromUrl("./execute_notebook.py", import.meta.url);
/** Loaded into the kernel by the executor: fails the run on errors that escape a cell late. */
const ASYNC_GUARD_URL = new URL("./async_guard.ts", import.meta.url).href;
const PLOTLY_MARKER = "<!-- LAB_PLOTLY_JS -->";
const KATEX_MARKER = "<!-- LAB_KATEX_CSS -->";

export interface ExecutionResult {
  ok: boolean;
  seconds: number;
  /** The executed notebook (undefined when a cell failed). */
  notebook?: Notebook;
  error?: CellError;
}

/**
 * Executes a notebook with its own folder as working directory, into scratchDir. It runs
 * through execute_notebook.py (nbclient, as `nbconvert --execute` does) rather than nbconvert
 * itself: Deno's kernel may report a cell idle before its last outputs, which nbconvert then
 * drops; that executor waits for them (see its docstring). It also loads async_guard.ts into
 * the kernel, so an error thrown after a cell returned fails the run too, and it names the
 * cell of every failure (a syntax error, which the kernel reports without a reason, is parsed
 * again here to say what is wrong; a kernel that dies is reported with its exit code).
 * `prepared`, when given, is executed instead of the file's contents (solutions mode).
 */
export async function executeNotebook(
  notebookPath: string,
  scratchDir: string,
  quick: boolean,
  prepared?: Notebook,
): Promise<ExecutionResult> {
  const started = performance.now();
  const directory = dirname(notebookPath);
  const fileName = basename(notebookPath);
  const executedPath = join(scratchDir, fileName);
  // A prepared copy (the answer cells filled in) runs from scratchDir, still with the
  // notebook's own folder as working directory, so its relative imports resolve the same.
  let input = fileName;
  if (prepared !== undefined) {
    input = join(scratchDir, `prepared-${fileName}`);
    await Deno.writeTextFile(input, JSON.stringify(prepared));
  }
  const result = await runCommand(jupyterPython(), [
    EXECUTOR,
    input,
    executedPath,
    "--kernel",
    KERNEL_NAME,
    "--timeout",
    String(CELL_TIMEOUT_SECONDS),
    "--guard",
    ASYNC_GUARD_URL,
  ], {
    cwd: directory,
    env: {
      ...jupyterEnvironment(),
      [PLOTLY_DELIVERY_VARIABLE]: "page",
      ...(quick ? { [QUICK_VARIABLE]: "1" } : {}),
    },
    unset: quick ? [] : [QUICK_VARIABLE],
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) {
    const error = parseExecutorFailure(result.stdout, result.stderr);
    if (error.unparsedSource !== undefined) {
      error.message = await explainUnparsedCell(error.unparsedSource) ??
        `${error.message} (the kernel gave no reason)`;
      delete error.unparsedSource;
    }
    return { ok: false, seconds, error };
  }
  return { ok: true, seconds, notebook: await readNotebook(executedPath) };
}

/**
 * Renders every Plotly output to out/figures/<notebook>/figure-NN.svg and adds the SVG to
 * that output's bundle. Returns the written paths, relative to outDir.
 */
export async function exportFigures(
  notebook: Notebook,
  stem: string,
  outDir: string,
  renderer: () => Promise<SvgRenderer>,
): Promise<string[]> {
  const figureDir = `figures/${stem}`;
  await Deno.remove(`${outDir}/${figureDir}`, { recursive: true }).catch(() => {});
  const written: string[] = [];
  for (const cell of notebook.cells) {
    for (const output of cell.outputs ?? []) {
      const figure = output.data?.[PLOTLY_MIME] as PlotlyFigureJson | undefined;
      if (figure === undefined) continue;
      const svg = await (await renderer()).render(figure);
      if (written.length === 0) await Deno.mkdir(`${outDir}/${figureDir}`, { recursive: true });
      const path = `${figureDir}/figure-${String(written.length + 1).padStart(2, "0")}.svg`;
      await writeFileAtomic(`${outDir}/${path}`, svg);
      output.data!["image/svg+xml"] = svg;
      written.push(path);
    }
  }
  return written;
}

/** Where a page sits in the course site: its address and the pages in study order. */
export interface PagePlace {
  href: string;
  order: SitePage[];
}

/**
 * Converts an executed notebook to a page of the course site that needs no network: the maths
 * of its markdown cells typeset by KaTeX at export time (math.ts), with KaTeX's stylesheet and
 * fonts inlined when the page has any; plotly.js loaded from the site's one copy
 * (site.ts, PLOTLY_FILE), which the caller writes; links rewritten to the site, headings
 * anchored as GitHub anchors them, and previous / index / next links from `place`.
 */
export async function exportHtml(
  executedPath: string,
  htmlPath: string,
  place?: PagePlace,
): Promise<void> {
  const scratchDir = await Deno.makeTempDir({ prefix: "lab-html-" });
  try {
    const stem = notebookStem(basename(executedPath));
    const prepared = prepareMath(await readNotebook(executedPath), `notebook ${stem}`);
    const sourcePath = join(scratchDir, `${stem}.ipynb`);
    await Deno.writeTextFile(sourcePath, JSON.stringify(prepared.notebook));
    const pageDir = join(scratchDir, "page");
    const result = await runCommand(jupyterProgram(), [
      "nbconvert",
      "--to",
      "html",
      `--TemplateExporter.extra_template_basedirs=${TEMPLATE_DIR}`,
      "--template",
      "lab_page",
      "--output-dir",
      pageDir,
      sourcePath,
    ], { env: jupyterEnvironment() });
    if (result.code !== 0) {
      throw new Error(`HTML export of ${executedPath} failed: ${failureLine(result.stderr)}`);
    }
    const page = await Deno.readTextFile(`${pageDir}/${stem}.html`);
    for (const marker of [PLOTLY_MARKER, KATEX_MARKER]) {
      if (!page.includes(marker)) throw new Error(`HTML template lost the ${marker} marker`);
    }
    const katexCss = prepared.formulas.length === 0 ? "" : `<style>${katexStylesheet()}</style>`;
    const hasFigures = prepared.notebook.cells.some((cell) =>
      (cell.outputs ?? []).some((output) => output.data?.[PLOTLY_MIME] !== undefined)
    );
    // Function replacements, so "$" sequences in KaTeX's output are not taken as patterns.
    // Anchors first, from the headings' markdown (maths as its TeX), then the maths typeset.
    const anchored = githubHeadingIds(page, (text) => placeholderTex(text, prepared));
    const typeset = typesetPlaceholders(anchored, prepared)
      .replace(KATEX_MARKER, () => katexCss)
      .replace(PLOTLY_MARKER, () => hasFigures ? plotlyScriptReference() : "");
    const placed = place === undefined ? typeset : sitePage(typeset, place.order, place.href);
    await writeFileAtomic(htmlPath, placed);
  } finally {
    await Deno.remove(scratchDir, { recursive: true });
  }
}

/**
 * A markdown file (the account of the paper, the course plan) as a page of the site, through
 * the same template, maths typesetting and link rewriting as the notebooks' pages.
 */
export async function exportMarkdownPage(
  markdownPath: string,
  htmlPath: string,
  title: string,
  place: PagePlace,
): Promise<void> {
  const scratchDir = await Deno.makeTempDir({ prefix: "lab-markdown-" });
  try {
    const notebook: Notebook = {
      cells: [{
        cell_type: "markdown",
        metadata: {},
        source: await Deno.readTextFile(markdownPath),
      }],
      metadata: { title },
      nbformat: 4,
      nbformat_minor: 5,
    };
    const stem = basename(htmlPath).replace(/\.html$/, "");
    const notebookPath = join(scratchDir, `${stem}.ipynb`);
    await Deno.writeTextFile(notebookPath, JSON.stringify(notebook));
    await exportHtml(notebookPath, htmlPath, place);
  } finally {
    await Deno.remove(scratchDir, { recursive: true });
  }
}
