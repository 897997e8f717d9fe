/**
 * The course site: out/index.html lists the notebooks in study order, grouped into the parts
 * of the course (COURSE_PARTS, keyed by notebook number), each with its title (the first
 * markdown heading), a one-line summary (the first sentence of the first paragraph after it),
 * its run time, a thumbnail of its first figure and links to its page and executed notebook.
 * Maths in titles and summaries is typeset by KaTeX as MathML, which browsers draw natively,
 * so the index needs no stylesheet or fonts of KaTeX's.
 */
import katex from "katex";
import { escapeHtml } from "../../lib/plot/text.ts";
import { extractMath, type Formula } from "./math.ts";
import { cellSource, type Notebook, notebookStem } from "./notebook.ts";

/** The parts of the course, in study order: notebooks `first`..`last` by number. */
export const COURSE_PARTS: readonly { title: string; first: number; last: number }[] = [
  { title: "The framework", first: 0, last: 4 },
  { title: "The proof, stage by stage", first: 5, last: 10 },
  { title: "The experiments", first: 11, last: 15 },
  { title: "Deployment", first: 16, last: 16 },
];
const OTHER_PART = "Other notebooks";

export interface NotebookIntro {
  /** The first markdown heading (markdown source, maths included). */
  title: string;
  /** The first sentence of the first paragraph after the heading ("" when none). */
  summary: string;
}

/** Title and one-line summary from a notebook's first markdown cells. */
export function notebookIntro(notebook: Notebook, fallbackTitle: string): NotebookIntro {
  const markdown = notebook.cells.filter((cell) => cell.cell_type === "markdown")
    .map(cellSource).join("\n\n");
  const blocks = markdown.split(/\n[ \t]*\n/).map((block) => block.trim()).filter(Boolean);
  const headingAt = blocks.findIndex((block) => /^#{1,6}\s/.test(block));
  const title = headingAt < 0
    ? fallbackTitle
    : blocks[headingAt].split("\n")[0].replace(/^#{1,6}\s+/, "").replace(/\s+#*\s*$/, "");
  const paragraph = blocks.slice(headingAt + 1).find((block) =>
    !/^(#|```|~~~|\||[-*+] |\d+\. |>|<|\$\$)/.test(block)
  );
  return { title, summary: paragraph === undefined ? "" : firstSentence(paragraph) };
}

/**
 * The first sentence of a markdown paragraph, with a leading bold label ("**What this notebook
 * shows.**") dropped. A sentence ends at ".", "!" or "?" before a space and a capital letter,
 * except after an abbreviation ("et al.", "e.g.", "i.e.", "cf.", "§").
 */
export function firstSentence(paragraph: string): string {
  const text = paragraph.replace(/\s+/g, " ").replace(/^\*\*[^*]+[.:]\*\*\s*/, "").trim();
  const end = /(?<!\bal|\be\.g|\bi\.e|\bcf|\bvs|\bFig|\bEq)([.!?])(?=\s+[A-Z(_*"“])/.exec(text);
  return end === null ? text : text.slice(0, end.index + 1);
}

/**
 * HTML for one line of markdown: maths as MathML, code spans as <code>, links as their text,
 * emphasis marks dropped; everything else escaped.
 */
export function inlineHtml(markdown: string): string {
  const { text, formulas } = extractMath(markdown, "I");
  const mathml = (formula: Formula) =>
    katex.renderToString(formula.tex, { output: "mathml", throwOnError: false, strict: "ignore" });
  const parts = text.split(/(`[^`]+`)/);
  return parts.map((part, index) => {
    if (index % 2 === 1) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
    const plain = part.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/\*\*|__/g, "")
      .replace(/(^|[\s(])[*_]([^*_]+)[*_](?=[\s.,;:)!?]|$)/g, "$1$2").replace(/&#36;/g, "$")
      .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, "$1");
    return escapeHtml(plain).replace(
      /LABMATHIN(\d+)Z/g,
      (_whole, i: string) => mathml(formulas[Number(i)]),
    );
  }).join("");
}

export interface CourseEntry {
  name: string;
  status: "ok" | "failed" | "skipped";
  seconds: number;
  /** SVG paths relative to the index. */
  figures: string[];
  intro: NotebookIntro;
  /** How many exercises (answer cells) the notebook has, when known. */
  exercises?: number;
  /** One line for a failed notebook. */
  failure?: string;
}

/** The part of the course a notebook belongs to, by its leading number. */
export function coursePart(name: string): string {
  const number = /^(\d+)/.exec(name)?.[1];
  if (number === undefined) return OTHER_PART;
  const part = COURSE_PARTS.find((p) => p.first <= Number(number) && Number(number) <= p.last);
  return part?.title ?? OTHER_PART;
}

export interface IndexOptions {
  quick: boolean;
  /** The answer cells were filled from the solutions (reproduce --solutions). */
  solutions?: boolean;
  /** Link to the course plan's page (relative URL), when there is one. */
  coursePlanHref?: string;
  /** Link to the page of the account of the paper (relative URL), when there is one. */
  paperHref?: string;
  generatedAt?: Date;
}

function entryHtml(entry: CourseEntry): string {
  const stem = encodeURIComponent(notebookStem(entry.name));
  const title = inlineHtml(entry.intro.title);
  const heading = entry.status === "ok" ? `<a href="${stem}.html">${title}</a>` : title;
  const links = entry.status === "ok"
    ? `<a href="${stem}.html">page</a> · <a href="${stem}.ipynb">executed notebook</a>`
    : "";
  const time = entry.status === "skipped" ? "not run" : `${entry.seconds.toFixed(1)} s`;
  const figure = entry.figures[0];
  const thumbnail = figure === undefined
    ? `<div class="thumbnail none"></div>`
    : `<a class="thumbnail" href="${
      entry.status === "ok" ? `${stem}.html` : escapeHtml(figure)
    }">` +
      `<img src="${escapeHtml(figure.split("/").map(encodeURIComponent).join("/"))}" ` +
      `alt="first figure of ${escapeHtml(entry.name)}"></a>`;
  const failure = entry.failure === undefined
    ? ""
    : `<p class="error">${escapeHtml(entry.failure)}</p>`;
  const figures = entry.figures.length === 1 ? "1 figure" : `${entry.figures.length} figures`;
  const exercises = entry.exercises
    ? ` · <span class="exercises">${entry.exercises} exercise${
      entry.exercises === 1 ? "" : "s"
    }</span>`
    : "";
  return `<li class="notebook ${entry.status}" data-notebook="${escapeHtml(entry.name)}">
${thumbnail}
<div class="about">
<h3>${heading}</h3>
<p class="summary">${inlineHtml(entry.intro.summary)}</p>
<p class="meta"><span class="status">${entry.status}</span> · <span class="time">${time}</span> · ` +
    `${figures}${exercises}${links === "" ? "" : ` · ${links}`}</p>
${failure}</div>
</li>`;
}

/** The whole index page; notebooks keep their order within each part. */
export function indexPage(entries: CourseEntry[], options: IndexOptions): string {
  const parts = [...COURSE_PARTS.map((part) => part.title), OTHER_PART];
  const sections = parts.map((part) => {
    const inPart = entries.filter((entry) => coursePart(entry.name) === part);
    if (inPart.length === 0) return "";
    return `<section class="part">
<h2>${escapeHtml(part)}</h2>
<ol class="notebooks">
${inPart.map(entryHtml).join("\n")}
</ol>
</section>`;
  }).filter(Boolean);
  const plan = options.coursePlanHref === undefined
    ? ""
    : ` The <a class="course-plan" href="${escapeHtml(options.coursePlanHref)}">course plan</a> ` +
      "suggests lectures and the notebooks each uses.";
  const paper = options.paperHref === undefined
    ? ""
    : ` <a class="paper" href="${
      escapeHtml(options.paperHref)
    }">The paper, as this lab reads it</a>` +
      " says what is known of the paper and how sure the lab is of each statement.";
  const first = options.coursePlanHref ?? options.paperHref ??
    (entries[0] === undefined
      ? undefined
      : `${encodeURIComponent(notebookStem(entries[0].name))}.html`);
  const nav = first === undefined
    ? ""
    : `<nav class="lab-nav"><span class="prev"></span><a class="index" href="index.html">Index</a>` +
      `<a class="next" rel="next" href="${escapeHtml(first)}">Start →</a></nav>`;
  const generated = (options.generatedAt ?? new Date()).toISOString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="lab-solutions" content="${options.solutions ? "shown" : "hidden"}">
<title>The O(n) lab: a course in executed notebooks</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 62em; padding: 0 1em; }
ol.notebooks { list-style: none; padding: 0; }
li.notebook { display: flex; gap: 1em; align-items: flex-start; padding: 0.8em 0;
  border-bottom: 1px solid #ddd; }
.thumbnail { flex: 0 0 12em; height: 7.5em; display: block; border: 1px solid #eee;
  background: #fafafa; }
.thumbnail img { width: 100%; height: 100%; object-fit: cover; object-position: center top; }
.about { flex: 1; min-width: 0; }
.about h3 { margin: 0 0 0.3em; font-size: 1.1em; }
.summary { margin: 0 0 0.3em; }
.meta { margin: 0; color: #555; font-size: 0.9em; }
li.failed .status, .error { color: #a00; }
li.skipped { color: #888; }
@media (max-width: 40em) { li.notebook { flex-direction: column; } .thumbnail { width: 100%; } }
nav.lab-nav { display: flex; justify-content: space-between; gap: 1em; padding: 0.4em 0;
  border-bottom: 1px solid #ddd; font-size: 0.9em; }
nav.lab-nav a { text-decoration: none; }
nav.lab-nav .prev, nav.lab-nav .next { flex: 1; }
nav.lab-nav .next { text-align: right; }
</style>
</head>
<body>
${nav}
<h1>The O(n) lab: a course in executed notebooks</h1>
<p>An executable companion to Yun et al. (2020), <em>O(n) Connections are Expressive Enough</em>,
in study order.${plan}${paper}</p>
<p class="mode">${options.quick ? "Quick mode (LAB_QUICK=1)" : "Full mode"}${
    options.solutions ? ", with the exercises' solutions" : ""
  }, generated ${escapeHtml(generated)}.</p>
${sections.join("\n")}
</body>
</html>
`;
}
