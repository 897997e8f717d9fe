/**
 * Attention masks as heatmaps: one panel per pattern, side by side. Row k is query token k
 * (k = 0 at the top), column j is key token j, so a cell is the pair "k may attend to j".
 * Masks larger than MAX_CELLS per side are shown as blocks, each the mean of its cells
 * (for a 0/1 mask: the fraction of allowed pairs), and the title says so.
 */
import { InputError, requireInteger } from "../util/errors.ts";
import { Figure, titleLayout } from "./figure.ts";
import type { PlotlyLayout, PlotlyTrace } from "./plotly_types.ts";
import { formatNumber, typeset } from "./text.ts";

export interface MaskPanel {
  title: string;
  n: number;
  /** Row-major n*n: mask[k * n + j] is query k, key j; 0/1 or any finite values. */
  mask: ArrayLike<number>;
  /** A token order γ, drawn as a line through the cells (row γ(i+1), column γ(i)). */
  path?: number[];
}

export interface MaskHeatmapOptions {
  title?: string;
  /** Panels per row (default: all panels in one row, at most 3). */
  columns?: number;
  colorTitle?: string;
}

/** Largest number of cells drawn per side; bigger masks are averaged over blocks. */
export const MAX_CELLS = 256;

const PANEL_PX = 300;
const GAP_X_PX = 70;
const GAP_Y_PX = 80;
const MARGIN = { l: 70, r: 110, b: 60 };
/** Room between the figure's title and the panels, for the panel titles, in pixels. */
const PANEL_TITLE_PX = 34;
/** Room under the panels for the legend of a path γ, in pixels. */
const LEGEND_PX = 26;

/** A panel reduced to what is drawn: a grid of cell values and where its edges lie. */
interface Grid {
  z: number[][];
  /** Token coordinate of every cell edge, length cells + 1 (shared by both axes). */
  edges: number[];
  blockSize: number;
  nonzero: number;
  min: number;
  max: number;
}

function gridOf(panel: MaskPanel, label: string): Grid {
  const { n, mask } = panel;
  const blockSize = Math.ceil(n / MAX_CELLS);
  const cells = Math.ceil(n / blockSize);
  const sums = Array.from({ length: cells }, () => new Array<number>(cells).fill(0));
  let nonzero = 0, min = Infinity, max = -Infinity;
  for (let k = 0; k < n; k++) {
    const row = sums[Math.floor(k / blockSize)];
    for (let j = 0; j < n; j++) {
      const value = mask[k * n + j];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new InputError(`${label}.mask[${k * n + j}]`, value, "expected a finite number");
      }
      row[Math.floor(j / blockSize)] += value;
      if (value !== 0) nonzero++;
      if (value < min) min = value;
      if (value > max) max = value;
    }
  }
  const edges = Array.from({ length: cells + 1 }, (_, c) => Math.min(c * blockSize, n) - 0.5);
  const cellCount = (c: number) => edges[c + 1] - edges[c];
  const z = sums.map((row, r) => row.map((sum, c) => sum / (cellCount(r) * cellCount(c))));
  return { z, edges, blockSize, nonzero, min, max };
}

function validatePanel(panel: MaskPanel, label: string): void {
  if (panel === null || typeof panel !== "object") {
    throw new InputError(label, panel, "expected { title, n, mask, path? }");
  }
  if (typeof panel.title !== "string") {
    throw new InputError(`${label}.title`, panel.title, "expected a string");
  }
  const n = requireInteger(`${label}.n`, panel.n, 1);
  if (panel.mask === null || typeof panel.mask?.length !== "number") {
    throw new InputError(`${label}.mask`, panel.mask, "expected an array of n*n numbers");
  }
  if (panel.mask.length !== n * n) {
    throw new InputError(`${label}.mask.length`, panel.mask.length, `expected n*n = ${n * n}`);
  }
  if (panel.path !== undefined) {
    if (!Array.isArray(panel.path)) {
      throw new InputError(`${label}.path`, panel.path, "expected an array of token indices");
    }
    panel.path.forEach((token, i) => requireInteger(`${label}.path[${i}]`, token, 0, n - 1));
  }
}

/** Plotly axis key and trace reference of subplot i: ("xaxis", "x"), ("xaxis2", "x2"), ... */
function axisNames(i: number, letter: "x" | "y") {
  const suffix = i === 0 ? "" : String(i + 1);
  return { key: `${letter}axis${suffix}`, ref: `${letter}${suffix}` };
}

/** Where panel i sits: its subplot axes and its domains as fractions of the plot area. */
interface PanelPlace {
  x: { key: string; ref: string };
  y: { key: string; ref: string };
  column: number;
  xDomain: number[];
  yDomain: number[];
}

/** The grid of panels: `columns` per row, each PANEL_PX square with gaps between them. */
function placePanels(count: number, columns: number) {
  const rows = Math.ceil(count / columns);
  const plotWidth = columns * PANEL_PX + (columns - 1) * GAP_X_PX;
  const plotHeight = rows * PANEL_PX + (rows - 1) * GAP_Y_PX;
  const places = Array.from({ length: count }, (_, i): PanelPlace => {
    const column = i % columns, row = Math.floor(i / columns);
    const left = column * (PANEL_PX + GAP_X_PX) / plotWidth;
    const top = 1 - row * (PANEL_PX + GAP_Y_PX) / plotHeight;
    return {
      x: axisNames(i, "x"),
      y: axisNames(i, "y"),
      column,
      xDomain: [left, left + PANEL_PX / plotWidth],
      yDomain: [top - PANEL_PX / plotHeight, top],
    };
  });
  return { places, plotWidth, plotHeight };
}

/** The panel's heatmap trace, and its path γ as a line through the cells when it has one. */
function panelTraces(panel: MaskPanel, grid: Grid, place: PanelPlace): PlotlyTrace[] {
  const centers = grid.blockSize === 1 ? grid.edges.slice(1).map((edge) => edge - 0.5) : null;
  const about = grid.blockSize > 1 ? " ≈" : " =";
  const traces: PlotlyTrace[] = [{
    type: "heatmap",
    name: panel.title,
    z: grid.z,
    x: centers ?? grid.edges,
    y: centers ?? grid.edges,
    xaxis: place.x.ref,
    yaxis: place.y.ref,
    coloraxis: "coloraxis",
    hovertemplate:
      `query k${about} %{y}<br>key j${about} %{x}<br>value %{z}<extra>${panel.title}</extra>`,
  }];
  if (panel.path !== undefined && panel.path.length >= 2) {
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: "path γ",
      legendgroup: "path γ",
      x: panel.path.slice(0, -1),
      y: panel.path.slice(1),
      xaxis: place.x.ref,
      yaxis: place.y.ref,
      line: { color: "#d62728", width: 2 },
      marker: { size: 4, color: "#d62728" },
      // one legend entry for every panel's path, under the panels (drawn alike)
      showlegend: false,
      hovertemplate: "γ(i) = %{x} → γ(i+1) = %{y}<extra>path</extra>",
    });
  }
  return traces;
}

/** The panel's two axes (query k down the side, key j along the bottom) and its title. */
function panelAxes(panel: MaskPanel, place: PanelPlace) {
  const range = [-0.5, panel.n - 0.5];
  // tokens are whole numbers: a short axis ticks every token, never between two
  const common = {
    automargin: true,
    zeroline: false,
    showgrid: false,
    ...(panel.n <= 12 ? { dtick: 1, tick0: 0 } : {}),
  };
  const axes: PlotlyLayout = {
    [place.x.key]: {
      domain: place.xDomain,
      anchor: place.y.ref,
      range,
      title: { text: "key token j" },
      ...common,
    },
    [place.y.key]: {
      domain: place.yDomain,
      anchor: place.x.ref,
      range: [...range].reverse(),
      title: { text: place.column === 0 ? "query token k" : "" },
      ...common,
    },
  };
  const title = {
    text: typeset(panel.title),
    xref: "paper",
    yref: "paper",
    x: (place.xDomain[0] + place.xDomain[1]) / 2,
    y: place.yDomain[1],
    xanchor: "center",
    yanchor: "bottom",
    yshift: 6,
    showarrow: false,
    font: { size: 13 },
  };
  return { axes, title };
}

/** One line per panel for the figure's text summary. */
function panelLine(panel: MaskPanel, grid: Grid): string {
  const pairs = panel.n * panel.n;
  const shown = grid.blockSize > 1 ? `, shown as ${grid.z.length}×${grid.z.length} blocks` : "";
  const path = panel.path ? `, path γ of ${panel.path.length} tokens` : "";
  return `  ${panel.title}: n = ${panel.n}, ${grid.nonzero} of ${pairs} pairs nonzero ` +
    `(${formatNumber((100 * grid.nonzero) / pairs)}%)${shown}${path}`;
}

/** The figure's title and colour-bar title, saying when the masks were downsampled. */
function titles(panels: MaskPanel[], grids: Grid[], options: MaskHeatmapOptions) {
  const blockSize = Math.max(...grids.map((grid) => grid.blockSize));
  const downsampled = blockSize > 1;
  const baseTitle = options.title ?? (panels.length === 1 ? panels[0].title : "attention masks");
  const title = downsampled
    ? `${baseTitle} (downsampled: each cell averages a ${blockSize}×${blockSize} block of pairs)`
    : baseTitle;
  const colorTitle = options.colorTitle ?? (downsampled ? "fraction allowed" : "allowed");
  return { title, colorTitle };
}

/** Draws one or several masks side by side with a shared color scale. */
export function maskHeatmap(panels: MaskPanel[], options: MaskHeatmapOptions = {}): Figure {
  if (!Array.isArray(panels) || panels.length === 0) {
    throw new InputError("panels", panels, "expected a non-empty array of mask panels");
  }
  panels.forEach((panel, i) => validatePanel(panel, `panels[${i}]`));
  const columns = requireInteger(
    "options.columns",
    options.columns ?? Math.min(panels.length, 3),
    1,
  );
  const grids = panels.map((panel, i) => gridOf(panel, `panels[${i}]`));
  const { places, plotWidth, plotHeight } = placePanels(panels.length, columns);
  const data = panels.flatMap((panel, i) => panelTraces(panel, grids[i], places[i]));
  const drawn = panels.map((panel, i) => panelAxes(panel, places[i]));
  const { title, colorTitle } = titles(panels, grids, options);
  // No fixed width: the figure fills its output area (autosize) and SVG export draws it at its
  // natural width. The top margin holds the title's lines and the panel titles below them.
  const heading = titleLayout(title, PANEL_TITLE_PX);
  const paths = data.filter((trace) => trace.type === "scatter");
  if (paths.length > 0) paths[0].showlegend = true;
  const margin = {
    ...MARGIN,
    t: heading.marginTop,
    b: MARGIN.b + (paths.length > 0 ? LEGEND_PX : 0),
  };
  const layout: PlotlyLayout = {
    ...Object.assign({}, ...drawn.map((panel) => panel.axes)),
    title: heading.title,
    autosize: true,
    meta: { exportWidth: plotWidth + margin.l + margin.r },
    height: plotHeight + margin.t + margin.b,
    margin,
    annotations: drawn.map((panel) => panel.title),
    coloraxis: {
      cmin: Math.min(0, ...grids.map((grid) => grid.min)),
      cmax: Math.max(1, ...grids.map((grid) => grid.max)),
      colorscale: [[0, "#f4f4f4"], [1, "#1f4e99"]],
      colorbar: { title: { text: typeset(colorTitle) } },
    },
    plot_bgcolor: "#ffffff",
    // the path's entry sits under the key-token axis title, never over a panel
    legend: {
      orientation: "h",
      x: 0,
      xanchor: "left",
      y: -(MARGIN.b - 4) / plotHeight,
      yanchor: "top",
    },
  };
  const lines = panels.map((panel, i) => panelLine(panel, grids[i]));
  return new Figure(title, { data, layout }, [`mask heatmap: ${title}`, ...lines].join("\n"));
}
