/**
 * Line plots: one curve per series, optional log axes and error bars. Every curve gets a look
 * a reader can tell apart: a pattern family or probability map its registered colour
 * (style.ts), a companion line (a threshold, a ceiling) the colour of its curve, and a curve that
 * would hide under an earlier one (same look, or the same values) a dash and markers of its own.
 * Ticks are plain numbers or powers of ten; exact zeros on a log axis sit on a strip marked 0.
 */
import { InputError } from "../util/errors.ts";
import { Figure, TITLE_LINE_PX, titleLayout } from "./figure.ts";
import type { PlotlyTrace } from "./plotly_types.ts";
import { DISTINCT_SYMBOLS, OTHER_COLOURS, registeredColour } from "./style.ts";
import { formatNumber, typeset } from "./text.ts";

export type Dash = "solid" | "dash" | "dot" | "dashdot";

export interface Series {
  name: string;
  /** NaN in x or y leaves a gap in the curve (two segments in one series). */
  x: number[];
  y: number[];
  dash?: Dash;
  /** Symmetric error bar half-widths, one per point. */
  errorY?: number[];
  /** A pattern family or probability map whose registered colour the curve takes. */
  family?: string;
  /** The name of an earlier series whose colour this companion line (threshold, bound) takes. */
  companionOf?: string;
  /** An explicit colour (#rrggbb), ahead of the family's. */
  color?: string;
  /** A marker symbol (Plotly's names); the curve is then drawn with markers. */
  symbol?: string;
}

export interface LinePlotOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  logX?: boolean;
  logY?: boolean;
  markers?: boolean;
}

const dashes: readonly Dash[] = ["solid", "dash", "dot", "dashdot"];
/** Width of the static SVG export, in pixels. */
const EXPORT_WIDTH = 720;
/** Height of a figure with a one-line title, in pixels (each further line adds its own). */
const PLOT_HEIGHT = 440;
/** A legend beside the plot may be this wide at most (the plot keeps more than half). */
const LEGEND_BESIDE_MAX_PX = 230;
/** Width of one character of a legend entry (12 px font), and the height of one entry. */
const LEGEND_PX_PER_CHAR = 6.6;
const LEGEND_ROW_PX = 19;
/** Share of the y axis's span within which two curves' points count as coinciding. */
const COINCIDE_SHARE = 0.01;

/** Axis ticks in plain numbers or powers of ten (10⁻⁶), never SI prefixes (1µ, 10k). */
export const TICK_FORMAT = { exponentformat: "power", showexponent: "all" } as const;

/** Finite numbers, or NaN where a curve leaves a gap (`gaps`). */
function requireNumbers(
  label: string,
  values: unknown,
  length?: number,
  gaps = false,
): number[] {
  if (!Array.isArray(values)) throw new InputError(label, values, "expected an array of numbers");
  if (length !== undefined && values.length !== length) {
    throw new InputError(`${label}.length`, values.length, `expected ${length} (one per x)`);
  }
  values.forEach((value, i) => {
    if (typeof value !== "number" || !(Number.isFinite(value) || (gaps && Number.isNaN(value)))) {
      throw new InputError(`${label}[${i}]`, value, "expected a finite number");
    }
  });
  return values;
}

function requireText(label: string, value: unknown): string {
  if (typeof value !== "string") throw new InputError(label, value, "expected a string");
  return value;
}

/** One line of a figure's text summary: the series' points and the range of its values. */
export function seriesLine(s: Series): string {
  const ys = s.y.filter((y) => !Number.isNaN(y));
  if (ys.length === 0) return `  ${s.name}: no points`;
  const range = `${formatNumber(Math.min(...ys))} to ${formatNumber(Math.max(...ys))}`;
  return `  ${s.name}: ${ys.length} points, y from ${range}`;
}

/** How one curve is drawn: colour, dash and marker (undefined: a line without markers). */
export interface Look {
  color: string;
  dash: Dash;
  symbol?: string;
}

/** Whether `b` lies on `a` over half their shared x or more (within COINCIDE_SHARE of the span). */
function coincides(a: Series, b: Series, span: number, logY: boolean): boolean {
  const at = new Map(a.x.map((x, i) => [x, a.y[i]]));
  const value = (y: number) => (logY ? Math.log10(Math.max(y, 1e-300)) : y);
  let shared = 0, close = 0;
  b.x.forEach((x, i) => {
    const y = at.get(x);
    if (y === undefined) return;
    shared++;
    if (Math.abs(value(y) - value(b.y[i])) <= COINCIDE_SHARE * span) close++;
  });
  return shared > 0 && close >= Math.max(1, 0.5 * Math.min(shared, b.x.length));
}

/**
 * The look of every series, in order: explicit or family colour, else the companion's curve's,
 * else the next unused colour; a series that would look like an earlier one, or (unless it
 * names its own marker or is a companion) coincide with one, gets a dash (if solid) and the next
 * marker no earlier curve uses.
 */
export function seriesLooks(series: readonly Series[], options: {
  logY?: boolean;
  markers?: boolean;
} = {}): Look[] {
  const looks: Look[] = [];
  const used = new Set<string>();
  const ys = series.flatMap((s) => s.y).filter((y) => !Number.isNaN(y) && (!options.logY || y > 0))
    .map((y) => (options.logY ? Math.log10(y) : y));
  const span = ys.length === 0 ? 1 : Math.max(...ys) - Math.min(...ys) || 1;
  let nextOther = 0;
  const unusedOther = () => {
    const free = OTHER_COLOURS.find((c) => !used.has(c));
    return free ?? OTHER_COLOURS[nextOther++ % OTHER_COLOURS.length];
  };
  series.forEach((s, i) => {
    const companion = s.companionOf === undefined
      ? undefined
      : series.findIndex((other, j) => j < i && other.name === s.companionOf);
    if (companion === -1) {
      throw new InputError(`series[${i}].companionOf`, s.companionOf, "expected an earlier series");
    }
    const color = s.color ?? (companion === undefined ? undefined : looks[companion].color) ??
      registeredColour(s.family ?? s.name) ?? unusedOther();
    used.add(color);
    let look: Look = {
      color,
      dash: s.dash ?? "solid",
      symbol: s.symbol ?? (options.markers ? "circle" : undefined),
    };
    const key = (l: Look) => `${l.color}|${l.dash}|${l.symbol ?? "none"}`;
    const hidden = series.some((other, j) =>
      j < i && (key(looks[j]) === key(look) ||
        (s.companionOf === undefined && s.symbol === undefined &&
          coincides(other, s, span, options.logY ?? false)))
    );
    if (hidden) {
      const taken = new Set(looks.map((l) => l.symbol));
      const symbol = DISTINCT_SYMBOLS.find((m) => !taken.has(m) && m !== look.symbol) ??
        DISTINCT_SYMBOLS[i % DISTINCT_SYMBOLS.length];
      look = { color, dash: look.dash === "solid" ? "dash" : look.dash, symbol };
      if (looks.some((l) => key(l) === key(look))) look.dash = "dot";
    }
    looks.push(look);
  });
  return looks;
}

/**
 * Markers drawn large: a point that must stand out over the curves (a pattern of one's own, a
 * family trained at one point whose marker may sit on another curve's).
 */
const LARGE_SYMBOLS: readonly string[] = ["star", "diamond"];

/** A Plotly scatter trace for one series in its look (`y` may hold gaps as null). */
export function scatterTrace(
  s: Series,
  look: Look,
  y: (number | null)[] = s.y,
): PlotlyTrace {
  const trace: PlotlyTrace = {
    type: "scatter",
    mode: look.symbol === undefined ? "lines" : "lines+markers",
    name: typeset(s.name),
    x: s.x,
    y,
    line: { dash: look.dash, color: look.color, width: 2 },
  };
  if (look.symbol !== undefined) {
    const large = LARGE_SYMBOLS.includes(look.symbol);
    trace.marker = {
      symbol: look.symbol,
      color: look.color,
      size: large ? 12 : 7,
      maxdisplayed: 16,
    };
  }
  if (s.errorY !== undefined) {
    trace.error_y = { type: "data", array: s.errorY, visible: true, color: look.color };
  }
  return trace;
}

/** Checks every series (names, finite numbers, lengths, dashes); an InputError names the bad one. */
export function validSeries(series: Series[], logY: boolean, label = "series"): Series[] {
  return series.map((s, i) => {
    const at = `${label}[${i}]`;
    requireText(`${at}.name`, s?.name);
    const x = requireNumbers(`${at}.x`, s.x, undefined, true);
    requireNumbers(`${at}.y`, s.y, x.length, true);
    if (s.dash !== undefined && !dashes.includes(s.dash)) {
      throw new InputError(`${at}.dash`, s.dash, `expected ${dashes.join(" | ")}`);
    }
    if (s.errorY !== undefined) requireNumbers(`${at}.errorY`, s.errorY, x.length);
    if (logY) {
      const negative = s.y.findIndex((y) => y < 0);
      if (negative >= 0) {
        throw new InputError(`${at}.y[${negative}]`, s.y[negative], "expected ≥ 0 on a log axis");
      }
    }
    return s;
  });
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
  const logY = options.logY ?? false;
  validSeries(series, logY);
  const looks = seriesLooks(series, { logY, markers: options.markers });

  // exact zeros cannot sit on a log axis: they go to a strip under it, marked 0
  const zeroStrip = logY && series.some((s) => s.y.some((y) => y === 0));
  const data: PlotlyTrace[] = series.map((s, i) =>
    scatterTrace(s, looks[i], zeroStrip ? s.y.map((y) => (y === 0 ? null : y)) : s.y)
  );
  if (zeroStrip) {
    series.forEach((s, i) => {
      const zeros = s.x.filter((_, j) => s.y[j] === 0);
      if (zeros.length === 0) return;
      data.push({
        ...scatterTrace({ ...s, x: zeros, y: zeros.map(() => 0), errorY: undefined }, looks[i]),
        yaxis: "y2",
        showlegend: false,
        legendgroup: s.name,
      });
      data[i].legendgroup = s.name;
    });
  }

  // No fixed width: the figure fills its output area (autosize); SVG export draws it at
  // EXPORT_WIDTH. The top margin grows with the title's lines; axes make room for their titles.
  const heading = titleLayout(title);
  // beside the plot when the names are short, else listed under it: the plot keeps at least
  // half the width either way
  const entries = series.length;
  const longest = Math.max(...series.map((s) => s.name.replace(/<[^>]*>/g, "").length));
  const below = LEGEND_PX_PER_CHAR * longest + 45 > LEGEND_BESIDE_MAX_PX;
  const legendPx = below ? entries * LEGEND_ROW_PX + 10 : 0;
  const height = PLOT_HEIGHT + (heading.lines - 1) * TITLE_LINE_PX + legendPx;
  const layout: Record<string, unknown> = {
    title: heading.title,
    autosize: true,
    height,
    margin: { t: heading.marginTop, r: 30, b: 60 + legendPx, l: 70 },
    meta: { exportWidth: EXPORT_WIDTH },
    xaxis: {
      title: { text: typeset(xTitle) },
      type: options.logX ? "log" : "linear",
      automargin: true,
      ...TICK_FORMAT,
    },
    yaxis: {
      title: { text: typeset(yTitle) },
      type: logY ? "log" : "linear",
      automargin: true,
      ...TICK_FORMAT,
    },
    // named even when alone (Plotly hides a one-entry legend by default)
    showlegend: true,
    legend: below
      ? {
        orientation: "v",
        x: 0,
        xanchor: "left",
        yref: "container",
        y: legendPx / height,
        yanchor: "top",
      }
      : { orientation: "v" },
  };
  if (zeroStrip) {
    Object.assign(layout.xaxis as object, { anchor: "y2" });
    Object.assign(layout.yaxis as object, { domain: [0.14, 1] });
    layout.yaxis2 = {
      domain: [0, 0.07],
      range: [-1, 1],
      tickvals: [0],
      ticktext: ["0"],
      zeroline: false,
      showgrid: false,
      fixedrange: true,
    };
  }

  const summary = [`line plot: ${title} (${yTitle} vs ${xTitle})`, ...series.map(seriesLine)]
    .join("\n");
  return new Figure(title, { data, layout }, summary);
}
