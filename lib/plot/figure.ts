/**
 * The displayable objects every builder returns. A figure is plain Plotly JSON (`data`,
 * `layout`) plus a title and a one-paragraph text summary; Jupyter shows it through the
 * `Symbol.for("Jupyter.display")` hook, which the Deno kernel calls to get a MIME bundle.
 */
import { figureHtml } from "./plotly_page.ts";
import { insideJupyterKernel } from "../env.ts";
import type { MimeBundle, PlotlyFigureJson, PlotlyLayout, PlotlyTrace } from "./plotly_types.ts";
import { PLOTLY_MIME } from "./plotly_types.ts";

export const jupyterDisplay = Symbol.for("Jupyter.display");

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
