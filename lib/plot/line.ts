/** Line plots: one curve per series, optional log axes and error bars. */
import { InputError } from "../util/errors.ts";
import { Figure, TITLE_LINE_PX, titleLayout } from "./figure.ts";
import type { PlotlyTrace } from "./plotly_types.ts";
import { formatNumber } from "./text.ts";

export interface Series {
  name: string;
  x: number[];
  y: number[];
  dash?: "solid" | "dash" | "dot";
  /** Symmetric error bar half-widths, one per point. */
  errorY?: number[];
}

export interface LinePlotOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  logY?: boolean;
  markers?: boolean;
}

const dashes = ["solid", "dash", "dot"];
/** Width of the static SVG export, in pixels. */
const EXPORT_WIDTH = 720;
/** Height of a figure with a one-line title, in pixels (each further line adds its own). */
const PLOT_HEIGHT = 440;

function requireNumbers(label: string, values: unknown, length?: number): number[] {
  if (!Array.isArray(values)) throw new InputError(label, values, "expected an array of numbers");
  if (length !== undefined && values.length !== length) {
    throw new InputError(`${label}.length`, values.length, `expected ${length} (one per x)`);
  }
  values.forEach((value, i) => {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new InputError(`${label}[${i}]`, value, "expected a finite number");
    }
  });
  return values;
}

function requireText(label: string, value: unknown): string {
  if (typeof value !== "string") throw new InputError(label, value, "expected a string");
  return value;
}

export function linePlot(series: Series[], options: LinePlotOptions): Figure {
  if (!Array.isArray(series) || series.length === 0) {
    throw new InputError("series", series, "expected a non-empty array of series");
  }
  if (options === null || typeof options !== "object") {
    throw new InputError("options", options, "expected { title, xTitle, yTitle, ... }");
  }
  const title = requireText("options.title", options.title);
  const xTitle = requireText("options.xTitle", options.xTitle);
  const yTitle = requireText("options.yTitle", options.yTitle);

  const data: PlotlyTrace[] = series.map((s, i) => {
    const label = `series[${i}]`;
    requireText(`${label}.name`, s?.name);
    const x = requireNumbers(`${label}.x`, s.x);
    const y = requireNumbers(`${label}.y`, s.y, x.length);
    if (s.dash !== undefined && !dashes.includes(s.dash)) {
      throw new InputError(`${label}.dash`, s.dash, `expected ${dashes.join(" | ")}`);
    }
    const trace: PlotlyTrace = {
      type: "scatter",
      mode: options.markers ? "lines+markers" : "lines",
      name: s.name,
      x,
      y,
      line: { dash: s.dash ?? "solid" },
    };
    if (s.errorY !== undefined) {
      const errors = requireNumbers(`${label}.errorY`, s.errorY, x.length);
      trace.error_y = { type: "data", array: errors, visible: true };
    }
    return trace;
  });

  // No fixed width: the figure fills its output area (autosize); SVG export draws it at
  // EXPORT_WIDTH. The top margin grows with the title's lines; axes make room for their titles.
  const heading = titleLayout(title);
  const layout = {
    title: heading.title,
    autosize: true,
    height: PLOT_HEIGHT + (heading.lines - 1) * TITLE_LINE_PX,
    margin: { t: heading.marginTop, r: 30, b: 60, l: 70 },
    meta: { exportWidth: EXPORT_WIDTH },
    xaxis: {
      title: { text: xTitle },
      type: options.logX ? "log" : "linear",
      automargin: true,
    },
    yaxis: {
      title: { text: yTitle },
      type: options.logY ? "log" : "linear",
      automargin: true,
    },
    legend: { orientation: "v" },
  };

  const lines = series.map((s) => {
    if (s.y.length === 0) return `  ${s.name}: no points`;
    const range = `${formatNumber(Math.min(...s.y))} to ${formatNumber(Math.max(...s.y))}`;
    return `  ${s.name}: ${s.y.length} points, y from ${range}`;
  });
  const summary = [`line plot: ${title} (${yTitle} vs ${xTitle})`, ...lines].join("\n");
  return new Figure(title, { data, layout }, summary);
}
