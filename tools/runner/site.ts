/**
 * The course site as a whole: the pages of out/ link to each other and to nothing outside it.
 *
 * - The account of the paper (notebooks/paper.md) and the course plan (notebooks/README.md) are
 *   rendered as pages of their own (paper.html, course-plan.html), their headings carrying the
 *   anchors GitHub gives them, so a link to a heading of `paper.md` keeps working as the same
 *   anchor of `paper.html`.
 * - Every page's links to the sources are rewritten to the site: `paper.md` → `paper.html`, the
 *   course plan → `course-plan.html`, a notebook `NN_name.ipynb` → `NN_name.html`; a relative
 *   link to anything else (a file of the repository outside the site) becomes plain text.
 * - Every page carries previous / index / next links in study order (SITE_ORDER).
 * - plotly.js is written once, as out/plotly.min.js, and every page loads it from there.
 * - `siteLinkProblems` lists every link of the site that does not resolve inside it.
 */
import { dirname, join, normalize, relative } from "node:path";
import { readPlotlySource } from "../../lib/plot/plotly_page.ts";
import { escapeHtml } from "../../lib/plot/text.ts";
import { writeFileAtomic } from "../../lib/util/system.ts";

/** plotly.js, once for the whole site, beside index.html. */
export const PLOTLY_FILE = "plotly.min.js";
/** The account of the paper as a page. */
export const PAPER_PAGE = "paper.html";
/** The course plan as a page. */
export const COURSE_PLAN_PAGE = "course-plan.html";
/** The account of the paper and the course plan, next to the notebooks. */
export const PAPER_SOURCE = "paper.md";
export const COURSE_PLAN_SOURCE = "README.md";

/** One page of the site, for the navigation links. */
export interface SitePage {
  href: string;
  title: string;
}

/** The course plan, then the account of the paper, then the notebooks in study order. */
export function siteOrder(notebookPages: SitePage[]): SitePage[] {
  return [
    { href: COURSE_PLAN_PAGE, title: "Course plan" },
    { href: PAPER_PAGE, title: "The paper, as this lab reads it" },
    ...notebookPages,
  ];
}

/** GitHub's heading anchor: lowercase, punctuation dropped except hyphens, spaces to hyphens. */
export function githubAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, "").replace(/ /g, "-");
}

/**
 * The site's address for a link written in a notebook or a markdown source next to the
 * notebooks; undefined for a relative link that leads out of the site. Absolute URLs, in-page
 * anchors and links already into the site are returned as they are.
 */
export function siteHref(href: string): string | undefined {
  if (/^([a-z][a-z0-9+.-]*:|#|\/\/)/i.test(href)) return href;
  const hash = href.indexOf("#");
  const path = hash < 0 ? href : href.slice(0, hash);
  const fragment = hash < 0 ? "" : href.slice(hash);
  const file = path.replace(/^\.\//, "");
  if (file === PAPER_SOURCE) return PAPER_PAGE + fragment;
  if (file === COURSE_PLAN_SOURCE) return COURSE_PLAN_PAGE + fragment;
  if (/^[^/]+\.ipynb$/.test(file) && /^\d+_/.test(file)) {
    return file.replace(/\.ipynb$/, ".html") + fragment;
  }
  if (/^[^/]+\.(html|svg|js|css|ipynb)$/.test(file) || /^figures\//.test(file)) return href;
  return undefined;
}

/** The page with script and style contents blanked, so links are read from markup only. */
function markupOnly(html: string): string {
  return html.replace(
    /(<(script|style)\b[^>]*>)[\s\S]*?(<\/\2>)/gi,
    (_whole, open: string, _tag: string, close: string) => open + close,
  );
}

/**
 * Rewrites the page's `<a href>` links to the site (siteHref); a link out of the site keeps its
 * text and loses its href. Script and style contents are left alone.
 */
export function rewriteLinks(html: string): string {
  return html.replace(
    /(<script\b[^>]*>[\s\S]*?<\/script>)|(<style\b[^>]*>[\s\S]*?<\/style>)|<a\b([^>]*?)\bhref="([^"]*)"([^>]*)>/gi,
    (whole, script?: string, style?: string, before = "", href = "", after = "") => {
      if (script !== undefined || style !== undefined) return whole;
      const target = siteHref(decodeEntities(href));
      if (target === undefined) return `<a${before.trimEnd()}${after} class="outside-site">`;
      return `<a${before}href="${escapeHtml(target)}"${after}>`;
    },
  );
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">");
}

/** The text of an HTML fragment: tags dropped, entities decoded, the "¶" anchor link dropped. */
function textOf(fragment: string): string {
  return decodeEntities(
    fragment.replace(/<a class="anchor-link"[\s\S]*?<\/a>/g, "")
      .replace(/<annotation\b[\s\S]*?<\/annotation>/g, "").replace(/<[^>]*>/g, ""),
  );
}

/**
 * Gives every heading the anchor GitHub gives it (repeated anchors get -1, -2, … as on GitHub),
 * and points its "¶" link there, so links written against the markdown on GitHub resolve.
 * `source` turns a heading's text back into its markdown where they differ (maths, before
 * it is typeset, is its TeX between dollars, as GitHub reads it).
 */
export function githubHeadingIds(html: string, source = (text: string) => text): string {
  const seen = new Map<string, number>();
  return html.replace(
    /<(h[1-6])\b([^>]*)>([\s\S]*?)<\/\1>/g,
    (_whole, tag: string, attributes: string, inner: string) => {
      let anchor = githubAnchor(source(textOf(inner)));
      const count = seen.get(anchor) ?? 0;
      seen.set(anchor, count + 1);
      if (count > 0) anchor = `${anchor}-${count}`;
      const rest = attributes.replace(/\s*\bid="[^"]*"/, "");
      const body = inner.replace(
        /(<a class="anchor-link" href=")[^"]*(")/,
        (_m, open: string, close: string) => `${open}#${encodeURIComponent(anchor)}${close}`,
      );
      return `<${tag} id="${escapeHtml(anchor)}"${rest}>${body}</${tag}>`;
    },
  );
}

/** Previous / index / next for the page at `href` in `order` (an index link alone when absent). */
export function navigationHtml(order: SitePage[], href: string): string {
  const at = order.findIndex((page) => page.href === href);
  const link = (page: SitePage | undefined, rel: string, arrow: string) =>
    page === undefined
      ? `<span class="${rel}"></span>`
      : `<a class="${rel}" rel="${rel}" href="${escapeHtml(page.href)}">${
        rel === "prev" ? `${arrow} ${escapeHtml(page.title)}` : `${escapeHtml(page.title)} ${arrow}`
      }</a>`;
  const previous = at > 0 ? order[at - 1] : undefined;
  const next = at >= 0 ? order[at + 1] : undefined;
  return `<nav class="lab-nav">${link(previous, "prev", "←")}` +
    `<a class="index" href="index.html">Index</a>${link(next, "next", "→")}</nav>`;
}

/** The styles the site adds to every page: the navigation bar and readable tables. */
export const SITE_STYLE = `<style>
nav.lab-nav { display: flex; justify-content: space-between; gap: 1em; max-width: 1140px;
  margin: 0.6em auto; padding: 0.4em 1em; font: 14px system-ui, sans-serif;
  border-top: 1px solid #ddd; border-bottom: 1px solid #ddd; }
nav.lab-nav a { text-decoration: none; }
nav.lab-nav .next { text-align: right; }
nav.lab-nav .prev, nav.lab-nav .next { flex: 1; }
.rendered_html table, .output_html table { border-collapse: collapse; margin: 0.5em 0; }
.rendered_html th, .rendered_html td, .output_html th, .output_html td {
  padding: 0.25em 0.75em; border: 1px solid #ddd; text-align: left; vertical-align: top; }
.rendered_html tr:nth-child(even), .output_html tr:nth-child(even) { background: #f7f7f7; }
a.outside-site { color: inherit; text-decoration: none; }
</style>`;

/**
 * A page made part of the site: links rewritten, the site's styles in its head, the navigation
 * at the top and the bottom of its body. Idempotent: a page that has the navigation keeps one.
 */
export function sitePage(html: string, order: SitePage[], href: string): string {
  const nav = navigationHtml(order, href);
  let page = rewriteLinks(html).replace(/\n<nav class="lab-nav">[\s\S]*?<\/nav>\n/g, "");
  if (!page.includes('id="lab-site-style"')) {
    page = page.replace(
      /<\/head>/i,
      () => SITE_STYLE.replace("<style>", '<style id="lab-site-style">') + "\n</head>",
    );
  }
  return page.replace(/<body\b[^>]*>/i, (body) => `${body}\n${nav}\n`)
    .replace(/<\/body>/i, () => `\n${nav}\n</body>`);
}

/** The `<script>` element that loads the site's one copy of plotly.js. */
export function plotlyScriptReference(): string {
  return `<script type="text/javascript" src="${PLOTLY_FILE}"></script>`;
}

/** Writes plotly.js into the site folder once (again only when the bundle changed). */
export async function writeSitePlotly(outDir: string): Promise<void> {
  const source = readPlotlySource();
  const path = join(outDir, PLOTLY_FILE);
  try {
    if ((await Deno.readTextFile(path)) === source) return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await writeFileAtomic(path, source);
}

/** Every HTML page under `dir`, as paths relative to it, sorted; folders in `skip` left out. */
export function sitePages(dir: string, skip: readonly string[] = []): string[] {
  const pages: string[] = [];
  const walk = (sub: string) => {
    for (const entry of Deno.readDirSync(join(dir, sub))) {
      const path = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory && skip.includes(path)) continue;
      if (entry.isDirectory) walk(path);
      else if (entry.isFile && entry.name.endsWith(".html")) pages.push(path);
    }
  };
  walk("");
  return pages.sort();
}

/** The ids a page defines (what a `#fragment` may name). */
function pageIds(html: string): Set<string> {
  const ids = new Set<string>();
  for (const match of markupOnly(html).matchAll(/\b(?:id|name)="([^"]*)"/g)) {
    ids.add(decodeEntities(match[1]));
  }
  return ids;
}

/**
 * Every link and resource of the site under `dir` that does not resolve inside it: an `href` or
 * `src` (outside scripts and styles) to a missing file, to a path that leaves `dir`, or to an
 * anchor its page does not define. Absolute URLs (https:, mailto:, data:) are not followed: a
 * page that loads a script or a stylesheet from the network is reported too.
 * Each problem is one line, "page: link (why)". Folders in `skip` (a source tree shipped beside
 * the site) are not pages of the site and are not checked.
 */
export async function siteLinkProblems(
  dir: string,
  skip: readonly string[] = [],
): Promise<string[]> {
  const problems: string[] = [];
  const idsOf = new Map<string, Set<string>>();
  const ids = async (page: string) => {
    if (!idsOf.has(page)) idsOf.set(page, pageIds(await Deno.readTextFile(join(dir, page))));
    return idsOf.get(page)!;
  };
  for (const page of sitePages(dir, skip)) {
    const html = markupOnly(await Deno.readTextFile(join(dir, page)));
    for (const match of html.matchAll(/<(\w+)\b[^>]*?\s(href|src)="([^"]*)"/g)) {
      const [, tag, attribute, raw] = match;
      const link = decodeEntities(raw);
      if (/^(data|mailto|javascript):/i.test(link)) continue;
      if (/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(link)) {
        // a link the reader follows may leave the site; what the page loads itself may not
        if (tag.toLowerCase() !== "a") problems.push(`${page}: ${link} (loaded from the network)`);
        continue;
      }
      const hash = link.indexOf("#");
      const path = decodeURIComponent(hash < 0 ? link : link.slice(0, hash));
      const fragment = hash < 0 ? undefined : decodeURIComponent(link.slice(hash + 1));
      const target = path === "" ? page : normalize(join(dirname(page), path));
      if (target.startsWith("..") || relative(dir, join(dir, target)).startsWith("..")) {
        problems.push(`${page}: ${link} (leaves the site)`);
        continue;
      }
      let isFile = false;
      try {
        isFile = (await Deno.stat(join(dir, target))).isFile;
      } catch {
        isFile = false;
      }
      if (!isFile) {
        problems.push(`${page}: ${link} (no such file)`);
        continue;
      }
      if (fragment && attribute === "href" && target.endsWith(".html")) {
        if (!(await ids(target)).has(fragment)) problems.push(`${page}: ${link} (no such anchor)`);
      }
    }
  }
  return problems;
}

/**
 * Gives every page of `order` that exists in `outDir` its navigation among the pages that exist,
 * so a run of some notebooks (`--only`) never links to a page it has not written; pages are
 * rewritten only when their navigation changed.
 */
export async function relinkSite(outDir: string, order: SitePage[]): Promise<void> {
  const existing = order.filter((page) => {
    try {
      return Deno.statSync(join(outDir, page.href)).isFile;
    } catch {
      return false;
    }
  });
  for (const page of existing) {
    const path = join(outDir, page.href);
    const html = await Deno.readTextFile(path);
    const placed = sitePage(html, existing, page.href);
    if (placed !== html) await writeFileAtomic(path, placed);
  }
}

/** The most a page of the site may weigh (plotly.js is shared, never inlined). */
export const SITE_PAGE_LIMIT_BYTES = 1.5 * 1024 * 1024;

/**
 * Every top-level page of the site under `dir` heavier than SITE_PAGE_LIMIT_BYTES or carrying
 * its own copy of plotly.js, one line each ("page: why").
 */
export async function sitePageProblems(dir: string): Promise<string[]> {
  const problems: string[] = [];
  let plotlyHeader: string | undefined;
  try {
    plotlyHeader = (await Deno.readTextFile(join(dir, PLOTLY_FILE))).slice(0, 60);
  } catch {
    plotlyHeader = undefined; // no page draws a figure
  }
  for (const page of sitePages(dir).filter((page) => !page.includes("/"))) {
    const html = await Deno.readTextFile(join(dir, page));
    const bytes = new TextEncoder().encode(html).length;
    if (bytes >= SITE_PAGE_LIMIT_BYTES) {
      problems.push(`${page}: ${bytes} bytes (at most ${SITE_PAGE_LIMIT_BYTES})`);
    }
    if (plotlyHeader && html.includes(plotlyHeader)) {
      problems.push(`${page}: carries its own copy of plotly.js`);
    }
  }
  return problems;
}
