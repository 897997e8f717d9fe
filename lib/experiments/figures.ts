/**
 * The paper-style figure of an experiment: its metric (the y axis, from the definition) against
 * layers or against the exact achieved sparsity (its axis), one curve per pattern and
 * configuration, dense as a reference, error bars over seeds. Summarized results (lib/train,
 * plain data) flow into lib/plot's builders here, so neither of those knows the other.
 */
import { plotSeries, type SummarySeries } from "../train/summary.ts";
import { Figure } from "../plot/figure.ts";
import { FigureNote } from "../plot/figure_note.ts";
import { linePlot, type Series } from "../plot/line.ts";
import { type ExperimentRef, requireExperiment } from "./registry.ts";

/** What `experimentFigure` may add to the paper-style figure. */
export interface ExperimentFigureOptions {
  /** Replaces the default title. */
  title?: string;
  /** Curves drawn after the results' (ceilings, reference lines). */
  extraSeries?: readonly Series[];
  /**
   * Appends each curve's exact achieved sparsity (mean over its runs) to its legend entry: one
   * target level lands on a different exact level for each pattern, so the legend says which.
   */
  sparsityInLegend?: boolean;
  /** A title over the legend. */
  legendTitle?: string;
}

/** The figure with a title over its legend. */
function withLegendTitle(figure: Figure, legendTitle: string): Figure {
  const legend = { ...(figure.layout.legend as object), title: { text: legendTitle } };
  return new Figure(figure.title, {
    data: figure.data,
    layout: { ...figure.layout, legend },
  }, figure.summary);
}

/**
 * The paper-style figure of an experiment from summarized series: metric against layers or
 * against the exact achieved sparsity, error bars one standard deviation over seeds. With no
 * series it is a {@link FigureNote} saying how to produce the results, so notebooks display the
 * answer either way without looking at its kind.
 */
export function experimentFigure(
  experiment: ExperimentRef,
  series: readonly SummarySeries[],
  options: ExperimentFigureOptions = {},
): Figure {
  const definition = requireExperiment(experiment);
  if (series.length === 0) {
    return new FigureNote(
      `No full results are committed yet: run \`deno task experiment ${definition.name} --full\`.`,
    );
  }
  const n = definition.budgets.full.size.n;
  const byLayers = definition.axis === "layers";
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter((x) => x > 0);
  const range: [number, number] | undefined = byLayers
    ? undefined
    : [Math.min(...xs, 0.5) - 0.02, Math.max(...xs, 0.5) + 0.02];
  const curves: Series[] = plotSeries(series, range).map((curve, i) =>
    options.sparsityInLegend
      ? { ...curve, name: `${curve.name} (${(100 * series[i].sparsity).toFixed(1)}% sparse)` }
      : curve
  );
  const figure = linePlot([...curves, ...(options.extraSeries ?? [])], {
    title: options.title ??
      `${definition.title} (n = ${n}): ${definition.metric.key} vs ${
        byLayers ? "layers" : "sparsity"
      }`,
    xTitle: byLayers ? "attention layers L" : "sparsity level 1 − connections/n² (exact, achieved)",
    yTitle: definition.metric.label,
    markers: true,
  });
  return options.legendTitle === undefined ? figure : withLegendTitle(figure, options.legendTitle);
}
