/**
 * Figures for the lab: Plotly builders that display themselves in Jupyter (a MIME bundle
 * through `Symbol.for("Jupyter.display")`), and static SVG export through headless Chromium.
 */
export { Displayable, Figure, jupyterDisplay, show } from "./figure.ts";
export {
  type MimeBundle,
  PLOTLY_MIME,
  type PlotlyFigureJson,
  type PlotlyLayout,
  type PlotlyTrace,
} from "./plotly_types.ts";
export { maskHeatmap, type MaskHeatmapOptions, type MaskPanel, MAX_CELLS } from "./heatmap.ts";
export { linePlot, type LinePlotOptions, type Series } from "./line.ts";
export { type Cell, type Row, Table, table } from "./table.ts";
export { PLOTLY_DELIVERY_VARIABLE, plotlyScriptTag } from "./plotly_page.ts";
export { renderSvgs, SvgRenderer } from "./svg.ts";
export { verdictBundle, verdictRow, VerdictTable, verdictTable } from "./verdict_table.ts";
