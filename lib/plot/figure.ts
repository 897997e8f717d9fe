/**
 * The displayable objects every builder returns. A figure is plain Plotly JSON (`data`,
 * `layout`) plus a title and a one-paragraph text summary; Jupyter shows it through the
 * `Symbol.for("Jupyter.display")` hook, which the Deno kernel calls to get a MIME bundle.
 */
import { figureHtml } from "./plotly_page.ts";
import { insideJupyterKernel } from "../env.ts";
import type { MimeBundle, PlotlyFigureJson, PlotlyLayout, PlotlyTrace } from "./plotly_types.ts";
import { PLOTLY_MIME } from "./plotly_types.ts";
import { typeset } from "./text.ts";

export const jupyterDisplay = Symbol.for("Jupyter.display");

/** Longest title line, in characters, before the title wraps at a word boundary. */
export const TITLE_LINE_CHARS = 60;
/** Distance between title lines in pixels (Plotly's title font, 17 px, at its line spacing). */
export const TITLE_LINE_PX = 22;
/** Height of the title's first line in pixels, from its top to 4 px below its baseline. */
const TITLE_FIRST_LINE_PX = 20;
/** Where the first line's top lies above its anchor (the baseline), in pixels. */
const TITLE_ASCENT_PX = 16;
/** Space above the title, in pixels. */
const TITLE_TOP_PX = 12;

/**
 * The title's words in lines of at most `maxChars` visible characters (a longer word gets a
 * line of its own). Breaks only at spaces outside Plotly's markup tags; given breaks are kept.
 */
export function wrapTitle(text: string, maxChars = TITLE_LINE_CHARS): string[] {
  const visible = (s: string) => s.replace(/<[^>]*>/g, "").length;
  const lines: string[] = [];
  for (const given of text.split(/<br\s*\/?>|\n/i)) {
    let line = "";
    for (const word of given.split(/ +(?![^<]*>)/).filter((w) => w !== "")) {
      if (line !== "" && visible(line) + 1 + visible(word) > maxChars) {
        lines.push(line);
        line = word;
      } else {
        line = line === "" ? word : `${line} ${word}`;
      }
    }
    lines.push(line);
  }
  return lines;
}

export interface TitleLayout {
  /** Plotly's layout.title: wrapped with <br>, its last line `gapBelow` above the plots. */
  title: Record<string, unknown>;
  /** Number of title lines. */
  lines: number;
  /** The top margin that holds the title and the gap under it, in pixels. */
  marginTop: number;
}

/**
 * A title that is never clipped, its TeX-style indices typeset (text.ts's `typeset`): wrapped at word boundaries beyond TITLE_LINE_CHARS, its last
 * line `gapBelow` pixels above the top of the plots, in a top margin (`marginTop`) tall enough
 * for every line. Plotly anchors a multi-line title at its first line's baseline and draws the
 * other lines below it, so the padding under the anchor grows with the number of lines.
 */
export function titleLayout(text: string, gapBelow = 16): TitleLayout {
  const lines = wrapTitle(typeset(text));
  const below = TITLE_FIRST_LINE_PX - TITLE_ASCENT_PX + (lines.length - 1) * TITLE_LINE_PX;
  return {
    title: {
      text: lines.join("<br>"),
      x: 0.5,
      xanchor: "center",
      xref: "container",
      y: 1,
      yanchor: "bottom",
      yref: "paper",
      pad: { b: gapBelow + below },
    },
    lines: lines.length,
    marginTop: TITLE_TOP_PX + TITLE_FIRST_LINE_PX + (lines.length - 1) * TITLE_LINE_PX + gapBelow,
  };
}

/**
 * Where a figure is drawn with nothing to size it (static SVG export): the width its builder
 * chose, kept in layout.meta so the live figure's layout has no fixed width and fills its
 * output area (autosize), and its height.
 */
export function exportSize(layout: PlotlyLayout): { width: number; height: number } {
  const meta = layout.meta as { exportWidth?: unknown } | undefined;
  const width = Number(layout.width ?? meta?.exportWidth ?? 720);
  return { width, height: Number(layout.height ?? 440) };
}

/** Shared shape of figures and tables: Plotly JSON, a title, a text summary, a MIME bundle. */
export abstract class Displayable {
  readonly title: string;
  readonly data: PlotlyTrace[];
  readonly layout: PlotlyLayout;
  /** Short plain-text description: what `text/plain` and the console fallback show. */
  readonly summary: string;

  constructor(title: string, json: PlotlyFigureJson, summary: string) {
    this.title = title;
    this.data = json.data;
    this.layout = json.layout;
    this.summary = summary;
  }

  toJSON(): PlotlyFigureJson {
    return { data: this.data, layout: this.layout };
  }

  abstract mimeBundle(): MimeBundle;

  [jupyterDisplay](): MimeBundle {
    return this.mimeBundle();
  }
}

/**
 * A Plotly figure. Its bundle carries the Plotly MIME type (JupyterLab with the Plotly
 * extension, VS Code, nteract), `text/html` (classic Notebook, HTML export; see
 * plotly_page.ts for how plotly.js reaches the page) and `text/plain`.
 */
export class Figure extends Displayable {
  mimeBundle(): MimeBundle {
    return {
      [PLOTLY_MIME]: this.toJSON(),
      "text/html": figureHtml(this.toJSON(), this.summary),
      "text/plain": this.summary,
    };
  }
}

/**
 * Shows several figures from one cell (Jupyter displays only a cell's last expression).
 * Outside the kernel (a script, a test) it prints each figure's text summary instead.
 */
export async function show(...figures: Displayable[]): Promise<void> {
  const inKernel = insideJupyterKernel();
  for (const figure of figures) {
    if (inKernel) {
      await Deno.jupyter.display(figure.mimeBundle(), { raw: true });
    } else {
      console.log(figure.summary);
    }
  }
}
