/**
 * What a reader sees in an exported figure, measured in the SVG itself (headless Chromium lays
 * it out; boxes are in the SVG's pixels) and checked against the lab's rules for figures:
 *
 * - the plot areas cover at least half the canvas width;
 * - the title and every legend entry lie inside the canvas, every entry inside its legend's
 *   visible box (a legend that scrolls hides entries), and no legend lies over a plot area;
 * - every series drawn has a legend entry that looks like it (colour, dash and marker);
 * - no two series in one panel look alike (same colour, dash and marker).
 *
 * `measureFigureSvg` turns an SVG into plain boxes and looks; `figureProblems` judges them, so
 * the rules are tested on measurements as well as on SVGs.
 */
import { join } from "node:path";
import { launchChromium, offlinePage, type Page } from "./chromium.ts";

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MeasuredPlot {
  /** The subplot's name (xy, x2y2, …). */
  id: string;
  box: Box;
  /** The look of every line series drawn in it: "colour|dash|marker". */
  series: string[];
}

export interface MeasuredLegend {
  /** The legend's visible box (its background; entries outside it are clipped away). */
  box: Box;
  entries: { text: string; box: Box; look: string }[];
}

export interface MeasuredFigure {
  width: number;
  height: number;
  /** The figure title's lines. */
  title: Box[];
  plots: MeasuredPlot[];
  legends: MeasuredLegend[];
}

/** Share of the canvas width the plot areas must cover. */
export const MIN_PLOT_WIDTH_SHARE = 0.5;
/** Pixels a box may poke out of the canvas (anti-aliasing, rounding). */
const SLACK_PX = 1;

const inside = (b: Box, outer: Box) =>
  b.x >= outer.x - SLACK_PX && b.y >= outer.y - SLACK_PX &&
  b.x + b.width <= outer.x + outer.width + SLACK_PX &&
  b.y + b.height <= outer.y + outer.height + SLACK_PX;

const overlaps = (a: Box, b: Box) =>
  a.x + SLACK_PX < b.x + b.width && b.x + SLACK_PX < a.x + a.width &&
  a.y + SLACK_PX < b.y + b.height && b.y + SLACK_PX < a.y + a.height;

const show = (b: Box) =>
  `(${Math.round(b.x)}, ${Math.round(b.y)}, ${Math.round(b.width)}×${Math.round(b.height)})`;

/** Length of the union of intervals [start, end). */
function coveredLength(intervals: [number, number][]): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0, end = -Infinity;
  for (const [a, b] of sorted) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total;
}

/** Every rule a figure breaks, one line each (none: the figure reads). */
export function figureProblems(figure: MeasuredFigure): string[] {
  const problems: string[] = [];
  const canvas = { x: 0, y: 0, width: figure.width, height: figure.height };
  if (figure.plots.length === 0) problems.push("no plot area");
  else {
    const covered = coveredLength(figure.plots.map((p) => [p.box.x, p.box.x + p.box.width]));
    if (covered < MIN_PLOT_WIDTH_SHARE * figure.width) {
      problems.push(
        `plot area covers ${Math.round(covered)} of ${figure.width} px ` +
          `(${Math.round((100 * covered) / figure.width)}% < ${100 * MIN_PLOT_WIDTH_SHARE}%)`,
      );
    }
  }
  if (figure.title.length === 0) problems.push("no title");
  for (const line of figure.title) {
    if (!inside(line, canvas)) problems.push(`title ${show(line)} outside the canvas`);
  }
  const looks = new Set<string>();
  // a series drawn as markers only (one point) matches an entry of its colour and marker
  const markerOnly = (look: string) => look.replace(/\|[^|]*\|/, "|none|");
  figure.legends.forEach((legend, l) => {
    for (const entry of legend.entries) {
      looks.add(entry.look);
      looks.add(markerOnly(entry.look));
      const what = `legend entry "${entry.text}" ${show(entry.box)}`;
      if (!inside(entry.box, canvas)) problems.push(`${what} outside the canvas`);
      else if (!inside(entry.box, legend.box)) {
        problems.push(`${what} hidden: outside legend ${l + 1}'s visible box ${show(legend.box)}`);
      }
      for (const plot of figure.plots) {
        if (overlaps(entry.box, plot.box)) {
          problems.push(`${what} over the plot area ${plot.id} ${show(plot.box)}`);
        }
      }
    }
  });
  for (const plot of figure.plots) {
    const seen = new Map<string, number>();
    for (const look of plot.series) seen.set(look, (seen.get(look) ?? 0) + 1);
    for (const [look, count] of seen) {
      if (count > 1) problems.push(`${count} series in ${plot.id} look alike (${look})`);
      if (!looks.has(look)) problems.push(`a series in ${plot.id} has no legend entry (${look})`);
    }
  }
  return problems;
}

/**
 * Boxes and looks of one SVG as Chromium lays it out. Runs in the page: Plotly's SVG classes
 * (g.subplot, g.trace.scatter, g.legend, g.g-gtitle) say what each element is.
 */
function measureInPage(): MeasuredFigure {
  // deno-lint-ignore no-explicit-any
  const document = (globalThis as any).document;
  // deno-lint-ignore no-explicit-any
  type El = any;
  const root = document.querySelector("svg") as El;
  const box = (element: El) => {
    const b = element.getBBox();
    const m = element.getCTM();
    const p = new DOMPoint(b.x, b.y).matrixTransform(m);
    const q = new DOMPoint(b.x + b.width, b.y + b.height).matrixTransform(m);
    return {
      x: Math.min(p.x, q.x),
      y: Math.min(p.y, q.y),
      width: Math.abs(q.x - p.x),
      height: Math.abs(q.y - p.y),
    };
  };
  const style = (element: El | null, property: string) =>
    element === null ? "" : String(element.style?.getPropertyValue(property) ?? "").trim();
  /** A marker's shape: the commands of its path, without the numbers. */
  const shape = (path: El | null) =>
    path === null ? "none" : String(path.getAttribute("d") ?? "").replace(/[^A-Za-z]/g, "");
  const drawn = (path: El | null) =>
    path !== null && !/^M?[\d.,\s-]*$/.test(String(path.getAttribute("d") ?? "")) &&
    style(path, "stroke") !== "" && style(path, "stroke-opacity") !== "0";
  const look = (line: El | null, point: El | null) => {
    const hasLine = drawn(line);
    const colour = hasLine
      ? style(line, "stroke")
      : style(point, "fill") || style(point, "stroke") || "none";
    const dash = hasLine ? (style(line, "stroke-dasharray") || "solid") : "none";
    return `${colour}|${dash}|${shape(point)}`;
  };
  // each plot area is a group translated to its corner and clipped to its size; its traces
  // are drawn inside it
  const plots = [...root.querySelectorAll(".overplot > g[clip-path]")].map((plot: El) => {
    const id = String(plot.getAttribute("class") ?? "xy");
    const clip = /url\(["']?#([^"')]+)/.exec(plot.getAttribute("clip-path") ?? "");
    const rect = clip ? root.querySelector(`[id="${clip[1]}"] rect`) : null;
    let area = { x: 0, y: 0, width: 0, height: 0 };
    if (rect !== null) {
      const p = new DOMPoint(0, 0).matrixTransform(plot.getCTM());
      const w = Number(rect.getAttribute("width")), h = Number(rect.getAttribute("height"));
      area = { x: p.x, y: p.y, width: w, height: h };
    }
    const series = [...plot.querySelectorAll("g.trace.scatter")]
      .map((trace: El) => ({
        line: trace.querySelector("path.js-line"),
        point: trace.querySelector("g.points path.point"),
      }))
      .filter(({ line, point }) => drawn(line) || point !== null)
      .map(({ line, point }) => look(line, point));
    return { id, box: area, series };
  }).filter((p: MeasuredPlot) => p.box.width > 0);
  const legends = [...root.querySelectorAll("g.infolayer > g[class^='legend']")]
    .filter((legend: El) => /^legend\d*$/.test(legend.getAttribute("class") ?? ""))
    .map((legend: El) => {
      const bg = legend.querySelector(":scope > rect.bg");
      const scrollbar = legend.querySelector("rect.scrollbar");
      const scrolls = scrollbar !== null && Number(scrollbar.getAttribute("height")) > 0;
      const visible = bg === null ? box(legend) : box(bg);
      if (scrolls) visible.height = 0; // a scrolling legend hides entries in a static picture
      const entries = [...legend.querySelectorAll("g.traces")].map((entry: El) => {
        const text = entry.querySelector("text.legendtext");
        return {
          text: String(text?.textContent ?? ""),
          box: text === null ? box(entry) : box(text),
          look: look(
            entry.querySelector("g.legendlines path.js-line"),
            entry.querySelector("g.legendpoints path.scatterpts"),
          ),
        };
      });
      return { box: visible, entries };
    });
  return {
    width: Number(root.getAttribute("width")),
    height: Number(root.getAttribute("height")),
    title: [...root.querySelectorAll(".g-gtitle text")]
      .filter((t: El) => (t.textContent ?? "") !== "").map(box),
    plots,
    legends,
  };
}

/** Lays `svg` out in `page` and measures it. */
export async function measureFigureSvg(page: Page, svg: string): Promise<MeasuredFigure> {
  await page.setContent(`<!DOCTYPE html><html><body style="margin:0">${svg}</body></html>`);
  return await page.evaluate(measureInPage);
}

/** The SVG files under `dir`, recursively, sorted. */
export function svgFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) found.push(...svgFilesUnder(path));
    else if (entry.isFile && entry.name.endsWith(".svg")) found.push(path);
  }
  return found.sort();
}

/** Every SVG's problems (one browser for all); a figure that reads has an empty list. */
export async function checkFigureFiles(
  paths: readonly string[],
): Promise<{ path: string; problems: string[] }[]> {
  const browser = await launchChromium();
  try {
    const page = await offlinePage(browser);
    const results = [];
    for (const path of paths) {
      const figure = await measureFigureSvg(page, await Deno.readTextFile(path));
      results.push({ path, problems: figureProblems(figure) });
    }
    return results;
  } finally {
    await browser.close();
  }
}
