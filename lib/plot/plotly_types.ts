/** The plain-JSON shapes Plotly and Jupyter take; no behaviour, so every plot module may import it. */

/** One Plotly trace, as plain JSON (the builders fill in the fields they need). */
export type PlotlyTrace = Record<string, unknown>;
/** A Plotly layout, as plain JSON. */
export type PlotlyLayout = Record<string, unknown>;
/** What `Plotly.newPlot` and the `application/vnd.plotly.v1+json` MIME type take. */
export interface PlotlyFigureJson {
  data: PlotlyTrace[];
  layout: PlotlyLayout;
}
/** A Jupyter MIME bundle: MIME type -> content. */
export type MimeBundle = Record<string, unknown>;

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";
