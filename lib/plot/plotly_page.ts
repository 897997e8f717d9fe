/**
 * How plotly.js reaches a page that shows a figure's `text/html`, with no network at all.
 *
 * plotly.js (npm plotly.js-dist-min, pinned in deno.json) is read from node_modules and
 * inlined; it is never loaded from a CDN. The environment variable LAB_PLOTLY_JS picks who
 * inlines it (read only here):
 *
 * - `inline-once` (default; a kernel outside `deno task lab`): the first figure shown in a kernel
 *   session carries plotly.js (about 5 MB) in its `text/html`; later figures reuse
 *   `window.Plotly`. If that first output is cleared and the page reloaded, re-run the cell
 *   that drew the first figure, or set LAB_PLOTLY_JS=inline-each.
 * - `inline-each`: every figure carries plotly.js (robust, heavy).
 * - `page`: no figure carries it; the page provides it. `deno task reproduce` sets this and
 *   inlines plotly.js once in the head of each exported HTML page (plotlyScriptTag);
 *   `deno task lab` sets it and serves plotly.js to the classic Notebook as an extension.
 *
 * Every figure's html is a div holding the text summary (what a viewer without JavaScript
 * sees) plus a script that draws into it when `window.Plotly` exists.
 */
import { InputError } from "../util/errors.ts";
import type { PlotlyFigureJson } from "./plotly_types.ts";
import { escapeHtml } from "./text.ts";

export const PLOTLY_DELIVERY_VARIABLE = "LAB_PLOTLY_JS";
const deliveryModes = ["inline-once", "inline-each", "page"] as const;
export type PlotlyDelivery = typeof deliveryModes[number];

/** node_modules path of the pinned plotly.js bundle (nodeModulesDir "auto"). */
export const plotlySourceUrl = new URL(
  "../../node_modules/plotly.js-dist-min/plotly.min.js",
  import.meta.url,
);

let plotlySource: string | undefined;
let plotlyDeliveredThisSession = false;

/** The plotly.js bundle's text, read once per process. */
export function readPlotlySource(): string {
  if (plotlySource === undefined) {
    try {
      plotlySource = Deno.readTextFileSync(plotlySourceUrl);
    } catch (error) {
      throw new Error(
        // a relative path, not one from lib/util/system.ts: the explorer page's browser
        // bundle includes this module and cannot load the node: modules system.ts imports
        "plotly.js not found at node_modules/plotly.js-dist-min/plotly.min.js; run " +
          `\`deno install\` in the project root (${(error as Error).message})`,
      );
    }
  }
  return plotlySource;
}

/** `<script>` element that defines `window.Plotly`. */
export function plotlyScriptTag(): string {
  // The bundle contains no "</script", so it can sit in a script element as it is.
  return `<script type="text/javascript">${readPlotlySource()}</script>`;
}

function plotlyDelivery(): PlotlyDelivery {
  let value: string | undefined;
  try {
    value = Deno.env.get(PLOTLY_DELIVERY_VARIABLE);
  } catch {
    value = undefined; // no --allow-env: keep the default
  }
  if (value === undefined || value === "") return "inline-once";
  if (!(deliveryModes as readonly string[]).includes(value)) {
    throw new InputError(PLOTLY_DELIVERY_VARIABLE, value, `expected ${deliveryModes.join(" | ")}`);
  }
  return value as PlotlyDelivery;
}

/** JSON that is safe inside a `<script>` element (no `</script>`, no line separators). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

let figureCounter = 0;

/** The `text/html` of one figure; `summary` is shown where no script runs. */
export function figureHtml(figure: PlotlyFigureJson, summary: string): string {
  const delivery = plotlyDelivery();
  const carriesPlotly = delivery === "inline-each" ||
    (delivery === "inline-once" && !plotlyDeliveredThisSession);
  if (carriesPlotly) plotlyDeliveredThisSession = true;
  return (carriesPlotly ? plotlyScriptTag() : "") + figureDiv(figure, summary);
}

/**
 * A standalone HTML page of one figure, plotly.js inlined once in its head: opens from disk in
 * any browser with no network.
 */
export function figurePage(figure: PlotlyFigureJson, summary: string, title: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<title>${escapeHtml(title)}</title>${plotlyScriptTag()}</head>\n<body>\n` +
    `${figureDiv(figure, summary)}\n</body></html>\n`;
}

/** The figure's div (its text summary until plotly.js draws) and the script that draws it. */
function figureDiv(figure: PlotlyFigureJson, summary: string): string {
  const id = `lab-figure-${crypto.randomUUID().slice(0, 8)}-${++figureCounter}`;
  return `<div id="${id}" class="lab-plotly-figure"><pre>${escapeHtml(summary)}</pre></div>\n` +
    `<script type="text/javascript">(function () {
  var div = document.getElementById("${id}");
  if (!div || !window.Plotly) return;
  var figure = ${jsonForScript(figure)};
  div.textContent = "";
  window.Plotly.newPlot(div, figure.data, figure.layout, { displaylogo: false, responsive: true });
})();</script>`;
}
