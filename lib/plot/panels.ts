/**
 * Small multiples: one line-plot panel per group of series (a pattern family, say), each with
 * its own y range and its own legend directly under it, so no legend covers a plot and no
 * outlier squashes another panel's curves. Looks come from line.ts (family colours, companions
 * in their curve's colour, coinciding curves dashed and marked), decided per panel. The layout
 * is laid out in pixels: panel titles, plots, axis titles and legends never overlap, and the
 * static SVG is printed at a paper's figure width.
 */
import { InputError } from "../util/errors.ts";
import { Figure, titleLayout } from "./figure.ts";
import {
  scatterTrace,
  type Series,
  seriesLine,
  seriesLooks,
  TICK_FORMAT,
  validSeries,
} from "./line.ts";
import type { PlotlyTrace } from "./plotly_types.ts";
import { typeset } from "./text.ts";

export interface Panel {
  /** Written above the panel. */
  title: string;
  series: Series[];
}

export interface PanelPlotOptions {
  title: string;
  /** Each panel's x axis title (short: the panels are narrow). */
  xTitle: string;
  /** The y axis title, written beside the first panel of each row. */
  yTitle: string;
  logX?: boolean;
  logY?: boolean;
  markers?: boolean;
  /** Panels per row (default: all in one row up to 3; four as 2 × 2). */
  columns?: number;
  /** One x range for every panel (default: each panel's own). */
  xRange?: [number, number];
  /** Integer ticks on the x axis (layers). */
  integerX?: boolean;
  /**
   * Series drawn in every panel (dense, a baseline), named once in a legend above the panels;
   * a shared series takes its family's colour and never a panel's marker.
   */
  shared?: Series[];
}

/** Pixel sizes of the grid: a column is the y axis gutter, the plot, and a gap. */
const GUTTER_PX = 66;
const PLOT_W_PX = 236;
const GAP_X_PX = 24;
const PANEL_TITLE_PX = 24;
const PLOT_H_PX = 170;
/** Under a plot: tick labels and the x axis title. */
const X_AXIS_PX = 46;
/** One legend entry at the legend's 11 px font. */
const LEGEND_ROW_PX = 18;
const ROW_GAP_PX = 16;
const BOTTOM_PX = 8;
/**
 * A shared legend entry's text width and height; Plotly adds the line sample and gaps
 * (SHARED_ENTRY_EXTRA_PX) and wraps the entries into rows of the figure's width.
 */
const SHARED_ENTRY_PX = 300;
const SHARED_ENTRY_EXTRA_PX = 45;
const SHARED_ROW_PX = 20;

/** Panels per row: all in one row up to three, four as two rows of two, else three a row. */
export function panelColumns(count: number): number {
  return count <= 3 ? count : count === 4 ? 2 : 3;
}

/** Where everything goes: the canvas, the title's margin, and each panel's pixel rows. */
interface Geometry {
  columns: number;
  width: number;
  height: number;
  heading: ReturnType<typeof titleLayout>;
  /** Height of the shared legend above the panels. */
  sharedPx: number;
  /** The top of each panel's row, in pixels below the top of the panels' area. */
  rowTops: number[];
  /** Paper y (0 at the bottom, 1 at the top of the panels' area) of a pixel offset below its top. */
  paperY: (pxFromTop: number) => number;
}

function geometry(panels: readonly Panel[], options: PanelPlotOptions, shared: number): Geometry {
  const columns = options.columns ?? panelColumns(panels.length);
  const rows = Math.ceil(panels.length / columns);
  const heading = titleLayout(options.title);
  const rowHeights = Array.from({ length: rows }, (_, r) => {
    const entries = Math.max(
      ...panels.slice(r * columns, (r + 1) * columns).map((p) => p.series.length),
    );
    return PANEL_TITLE_PX + PLOT_H_PX + X_AXIS_PX + entries * LEGEND_ROW_PX + ROW_GAP_PX;
  });
  const width = columns * (GUTTER_PX + PLOT_W_PX + GAP_X_PX);
  const perRow = Math.max(
    1,
    Math.floor((width - GUTTER_PX) / (SHARED_ENTRY_PX + SHARED_ENTRY_EXTRA_PX)),
  );
  const sharedPx = shared === 0 ? 0 : Math.ceil(shared / perRow) * SHARED_ROW_PX + 10;
  const rowTops = rowHeights.map((_, r) =>
    sharedPx + rowHeights.slice(0, r).reduce((a, b) => a + b, 0)
  );
  const paperHeight = sharedPx + rowHeights.reduce((a, b) => a + b, 0) + BOTTOM_PX;
  return {
    columns,
    width,
    height: heading.marginTop + paperHeight,
    heading,
    sharedPx,
    rowTops,
    paperY: (pxFromTop) => 1 - pxFromTop / paperHeight,
  };
}

/** One panel's axes, its legend (named `legend`) and its title, as layout entries. */
function panelLayout(
  index: number,
  legend: string,
  title: string,
  at: Geometry,
  options: PanelPlotOptions,
): { entries: Record<string, unknown>; annotation: Record<string, unknown> } {
  const column = index % at.columns;
  const rowTop = at.rowTops[Math.floor(index / at.columns)];
  const suffix = index === 0 ? "" : String(index + 1);
  const left = column * (GUTTER_PX + PLOT_W_PX + GAP_X_PX) + GUTTER_PX;
  const plotBottom = rowTop + PANEL_TITLE_PX + PLOT_H_PX;
  const domainX = [left / at.width, (left + PLOT_W_PX) / at.width];
  const entries = {
    [`xaxis${suffix}`]: {
      domain: domainX,
      anchor: `y${suffix}`,
      title: { text: typeset(options.xTitle), font: { size: 12 }, standoff: 6 },
      type: options.logX ? "log" : "linear",
      range: options.xRange,
      ...(options.integerX ? { dtick: 1, tick0: 0 } : {}),
      ...TICK_FORMAT,
    },
    [`yaxis${suffix}`]: {
      domain: [at.paperY(plotBottom), at.paperY(rowTop + PANEL_TITLE_PX)],
      anchor: `x${suffix}`,
      title: column === 0
        ? { text: typeset(options.yTitle), font: { size: 12 }, standoff: 4 }
        : undefined,
      type: options.logY ? "log" : "linear",
      ...TICK_FORMAT,
    },
    [legend]: {
      x: domainX[0] - 20 / at.width,
      xanchor: "left",
      y: at.paperY(plotBottom + X_AXIS_PX),
      yanchor: "top",
      orientation: "v",
      font: { size: 11 },
      bgcolor: "rgba(255,255,255,0)",
      tracegroupgap: 0,
      itemwidth: 30,
    },
  };
  const annotation = {
    text: `<b>${typeset(title)}</b>`,
    xref: "paper",
    yref: "paper",
    x: (domainX[0] + domainX[1]) / 2,
    y: at.paperY(rowTop + 4),
    xanchor: "center",
    yanchor: "top",
    showarrow: false,
    font: { size: 13 },
  };
  return { entries, annotation };
}

/** The legend above the panels that names the series drawn in every panel. */
function sharedLegend(at: Geometry): Record<string, unknown> {
  return {
    x: (GUTTER_PX - 20) / at.width,
    xanchor: "left",
    y: 1,
    yanchor: "top",
    orientation: "h",
    font: { size: 11 },
    entrywidth: SHARED_ENTRY_PX,
    entrywidthmode: "pixels",
    bgcolor: "rgba(255,255,255,0)",
  };
}

export function panelPlot(panels: Panel[], options: PanelPlotOptions): Figure {
  if (!Array.isArray(panels) || panels.length === 0) {
    throw new InputError("panels", panels, "expected a non-empty array of panels");
  }
  panels.forEach((panel, i) => {
    if (!Array.isArray(panel?.series) || panel.series.length === 0) {
      throw new InputError(`panels[${i}].series`, panel?.series, "expected a non-empty array");
    }
    validSeries(panel.series, options.logY ?? false, `panels[${i}].series`);
  });
  const shared = validSeries(options.shared ?? [], options.logY ?? false, "options.shared");
  const at = geometry(panels, options, shared.length);
  const layout: Record<string, unknown> = {
    title: at.heading.title,
    autosize: true,
    height: at.height,
    margin: { t: at.heading.marginTop, r: 0, b: 0, l: 0 },
    meta: { exportWidth: at.width },
    showlegend: true,
    ...(shared.length > 0 ? { legend: sharedLegend(at) } : {}),
  };
  const annotations: unknown[] = [];
  const data: PlotlyTrace[] = [];
  const sharedLooks = seriesLooks(shared, { logY: options.logY, markers: options.markers });
  panels.forEach((panel, index) => {
    const suffix = index === 0 ? "" : String(index + 1);
    // the shared legend is "legend"; the panels' legends follow it
    const legend = shared.length === 0 ? `legend${suffix}` : `legend${index + 2}`;
    const { entries, annotation } = panelLayout(index, legend, panel.title, at, options);
    Object.assign(layout, entries);
    annotations.push(annotation);
    const axes = { xaxis: `x${suffix}`, yaxis: `y${suffix}` };
    shared.forEach((s, i) => {
      data.push({
        ...scatterTrace(s, sharedLooks[i]),
        ...axes,
        legend: "legend",
        legendgroup: `shared ${i}`,
        showlegend: index === 0,
      });
    });
    // looked at after the shared series, so none of the panel's looks like one of them
    const looks = seriesLooks([...shared, ...panel.series], {
      logY: options.logY,
      markers: options.markers,
    }).slice(shared.length);
    panel.series.forEach((s, i) => {
      data.push({ ...scatterTrace(s, looks[i]), ...axes, legend, showlegend: true });
    });
  });
  layout.annotations = annotations;

  const summary = [
    `panels: ${options.title} (${options.yTitle} vs ${options.xTitle})`,
    ...shared.map((s) => `in every panel: ${s.name}`),
    ...panels.flatMap((panel) => [`${panel.title}:`, ...panel.series.map(seriesLine)]),
  ].join("\n");
  return new Figure(options.title, { data, layout }, summary);
}
