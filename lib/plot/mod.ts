/**
 * lib/plot's public face: the figure builders and tables a notebook draws with, each displaying
 * itself in Jupyter (a MIME bundle through `Symbol.for("Jupyter.display")`). Static SVG export,
 * the Plotly page plumbing, option and JSON types are imported from their files.
 */
// displaying: the figure class, `show` for several at once, and the MIME type figures carry
export { Figure, show } from "./figure.ts";
export { PLOTLY_MIME } from "./plotly_types.ts";
// masks as heatmaps, one panel per pattern
export { maskHeatmap, type MaskPanel } from "./heatmap.ts";
// line plots: one curve per series, error bars, log axes; small multiples, one panel a family
export { linePlot, type Series } from "./line.ts";
export { type Panel, panelPlot } from "./panels.ts";
// one colour per pattern family and probability map, across the lab
export { FAMILY_COLOURS, MAP_COLOURS } from "./style.ts";
// tables of rows, and Assumption 1 verdicts as a table
export { table } from "./table.ts";
export { verdictTable } from "./verdict_table.ts";
