/**
 * Maths in the exported pages, typeset at export time with KaTeX (npm katex, pinned in
 * deno.json): no script runs in the page and nothing is fetched.
 *
 * Before nbconvert sees a notebook, every `$...$` and `$$...$$` in its markdown cells (outside
 * code spans and fenced code) is swapped for a placeholder word, so the markdown converter
 * cannot mangle the TeX (underscores, backslashes, `|` in tables). After the export each
 * placeholder in the page's text becomes KaTeX's HTML; inside a tag (a heading's anchor id)
 * it becomes plain letters. The KaTeX stylesheet is inlined with its woff2 fonts as data URLs.
 */
import katex from "katex";
import { Buffer } from "node:buffer";
import type { Notebook } from "./notebook.ts";

export interface Formula {
  tex: string;
  display: boolean;
}

export interface ExtractedMath {
  text: string;
  formulas: Formula[];
}

/** A placeholder word no markdown rule touches: letters and digits only. */
function placeholder(token: string, index: number): string {
  return `LABMATH${token}N${index}Z`;
}

/**
 * A dollar that is not maths, as an HTML entity: nbconvert's markdown converter pairs any two
 * dollars on a line as maths of its own and would print what lies between them raw.
 */
const DOLLAR = "&#36;";

/**
 * Replaces the maths in one markdown cell with placeholders (`first` numbers them on from a
 * running count). A `$` with no partner and an escaped `\$` become DOLLAR; code stays as it is.
 */
export function extractMath(markdown: string, token: string, first = 0): ExtractedMath {
  const formulas: Formula[] = [];
  let out = "";
  let i = 0;
  let lineStart = true;
  let fence: string | undefined;
  const push = (tex: string, display: boolean) => {
    formulas.push({ tex, display });
    return placeholder(token, first + formulas.length - 1);
  };
  while (i < markdown.length) {
    if (lineStart) {
      const line = markdown.slice(i, nextLineEnd(markdown, i));
      const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence !== undefined || marker !== undefined) {
        if (fence === undefined) fence = marker;
        else if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length) {
          fence = undefined;
        }
        const end = nextLineEnd(markdown, i);
        out += markdown.slice(i, end + 1);
        i = end + 1;
        continue;
      }
    }
    const char = markdown[i];
    lineStart = false;
    if (char === "\n") {
      out += char;
      i++;
      lineStart = true;
      continue;
    }
    if (char === "\\" && markdown[i + 1] === "$") {
      out += DOLLAR;
      i += 2;
      continue;
    }
    if (char === "\\" && i + 1 < markdown.length) {
      out += markdown.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (char === "`") {
      const run = /^`+/.exec(markdown.slice(i))![0];
      const close = markdown.indexOf(run, i + run.length);
      const end = close < 0 ? i + run.length : close + run.length;
      out += markdown.slice(i, end);
      i = end;
      continue;
    }
    if (char === "$" && markdown[i + 1] === "$") {
      const close = markdown.indexOf("$$", i + 2);
      const tex = close < 0 ? "" : markdown.slice(i + 2, close);
      if (close >= 0 && tex.trim() !== "" && !/\n[ \t]*\n/.test(tex)) {
        out += push(tex.trim(), true);
        i = close + 2;
        continue;
      }
    } else if (char === "$") {
      const close = inlineClose(markdown, i);
      if (close !== undefined) {
        out += push(markdown.slice(i + 1, close), false);
        i = close + 1;
        continue;
      }
    }
    out += char === "$" ? DOLLAR : char;
    i++;
  }
  return { text: out, formulas };
}

function nextLineEnd(text: string, from: number): number {
  const end = text.indexOf("\n", from);
  return end < 0 ? text.length : end;
}

/**
 * The closing `$` of inline maths opened at `open`, or undefined. Pandoc's rule, less its ban
 * on a space before the closing dollar (Jupyter typesets `$\gamma = $`): no space right after
 * the opening dollar, no digit right after the closing one (so "$5 and $6" stays text), no
 * blank line between.
 */
function inlineClose(text: string, open: number): number | undefined {
  if (/\s/.test(text[open + 1] ?? " ")) return undefined;
  for (let j = open + 1; j < text.length; j++) {
    const char = text[j];
    if (char === "\\") {
      j++;
      continue;
    }
    if (char === "\n" && /^\n[ \t]*\n/.test(text.slice(j))) return undefined;
    if (char !== "$") continue;
    if (/[0-9]/.test(text[j + 1] ?? "")) return undefined;
    return j === open + 1 ? undefined : j;
  }
  return undefined;
}

/** KaTeX's HTML for one formula; throws (KaTeX's ParseError) on TeX it cannot typeset. */
export function renderFormula(formula: Formula): string {
  return katex.renderToString(formula.tex, {
    displayMode: formula.display,
    throwOnError: true,
    output: "htmlAndMathml",
    strict: "ignore",
  });
}

export interface PreparedNotebook {
  notebook: Notebook;
  formulas: Formula[];
  token: string;
}

/**
 * A copy of the notebook whose markdown cells carry placeholders instead of maths. Every
 * formula is typeset once here, so TeX KaTeX cannot read fails the export with the cell named.
 */
export function prepareMath(notebook: Notebook, label: string): PreparedNotebook {
  const token = crypto.randomUUID().replace(/[^0-9a-f]/g, "").slice(0, 12);
  const formulas: Formula[] = [];
  const cells = notebook.cells.map((cell, index) => {
    if (cell.cell_type !== "markdown") return cell;
    const source = Array.isArray(cell.source) ? cell.source.join("") : String(cell.source);
    const extracted = extractMath(source, token, formulas.length);
    for (const formula of extracted.formulas) {
      try {
        renderFormula(formula);
      } catch (error) {
        throw new Error(
          `${label}, cell ${index + 1}: KaTeX cannot typeset $${formula.tex}$ ` +
            `(${(error as Error).message})`,
        );
      }
    }
    formulas.push(...extracted.formulas);
    return { ...cell, source: extracted.text };
  });
  return { notebook: { ...notebook, cells }, formulas, token };
}

/** Letters and digits of a formula: what stands for it inside an attribute (an anchor id). */
function slug(tex: string): string {
  return tex.replace(/\\[a-zA-Z]+/g, (command) => command.slice(1)).replace(/[^0-9A-Za-z]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** Text with every placeholder put back as the TeX it stands for, between dollars. */
export function placeholderTex(text: string, prepared: PreparedNotebook): string {
  if (prepared.formulas.length === 0) return text;
  const word = new RegExp(`LABMATH${prepared.token}N(\\d+)Z`, "g");
  return text.replace(word, (whole, index: string) => {
    const formula = prepared.formulas[Number(index)];
    return formula === undefined ? whole : `$${formula.tex}$`;
  });
}

/** The exported page with every placeholder typeset (text) or spelled out (inside tags). */
export function typesetPlaceholders(html: string, prepared: PreparedNotebook): string {
  if (prepared.formulas.length === 0) return html;
  const word = new RegExp(`LABMATH${prepared.token}N(\\d+)Z`, "g");
  const formulaAt = (index: string) => {
    const formula = prepared.formulas[Number(index)];
    if (formula === undefined) throw new Error(`math placeholder ${index} has no formula`);
    return formula;
  };
  const pattern = new RegExp(`<[^>]*>|${word.source}`, "g");
  return html.replace(pattern, (match, index?: string) => {
    if (index === undefined) {
      return match.replace(word, (_whole, inner: string) => slug(formulaAt(inner).tex));
    }
    return renderFormula(formulaAt(index));
  });
}

const katexDist = new URL("../../node_modules/katex/dist/", import.meta.url);
let stylesheet: string | undefined;

/**
 * KaTeX's stylesheet with each font as an inlined woff2 data URL (every browser that runs
 * the page reads woff2; the woff and ttf fallbacks are dropped), read once per process.
 */
export function katexStylesheet(): string {
  if (stylesheet !== undefined) return stylesheet;
  let css: string;
  try {
    css = Deno.readTextFileSync(new URL("katex.min.css", katexDist));
  } catch (error) {
    throw new Error(
      "KaTeX not found at node_modules/katex/dist/katex.min.css; run `deno install` in the " +
        `project root (${(error as Error).message})`,
    );
  }
  let fonts = 0;
  css = css.replace(
    /src:url\((fonts\/[A-Za-z0-9_-]+\.woff2)\) format\("woff2"\)(,url\([^)]*\) format\("[a-z]+"\))*/g,
    (_match, file: string) => {
      fonts++;
      const bytes = Deno.readFileSync(new URL(file, katexDist));
      return `src:url(data:font/woff2;base64,${
        Buffer.from(bytes).toString("base64")
      }) format("woff2")`;
    },
  );
  if (fonts === 0 || /url\(fonts\//.test(css)) {
    throw new Error("KaTeX stylesheet: could not inline its fonts (unexpected @font-face form)");
  }
  stylesheet = css;
  return css;
}
