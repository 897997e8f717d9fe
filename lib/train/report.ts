/**
 * What the experiment notebooks show, built once: the full plan's rows, the quick grid run live
 * in a scratch directory, the committed results' status line, and the paper-style figure
 * (metric against layers or against sparsity, one curve per pattern and configuration, dense as
 * a reference, error bars over seeds), a lib/plot Figure built with `linePlot`. Results flow
 * into plots, so this module builds figures and lib/plot knows nothing of experiments.
 */
import { claim } from "../util/claim.ts";
import { quickMode } from "../env.ts";
import {
  type CommittedStatus,
  committedStatus,
  planSweep,
  runSweep,
  type SweepOptions,
} from "./sweep.ts";
import type { SweepSummary } from "./sweep.ts";
import { plotSeries, summarize, type SummarySeries } from "./summary.ts";
import { EXPERIMENT_DEFINITIONS, type ExperimentName } from "./experiments.ts";
import { Figure } from "../plot/figure.ts";
import { linePlot, type Series } from "../plot/line.ts";
import type { MimeBundle } from "../plot/plotly_types.ts";
import { escapeHtml } from "../plot/text.ts";

export interface Rows {
  rows: Record<string, string | number>[];
  title: string;
}

/** Every distinct pattern of the full plan with its exact achieved sparsity and mixing depth. */
export function planRows(name: ExperimentName): Rows {
  const plan = planSweep(name, { mode: "full" });
  const distinct = new Map(
    plan.runs.map((run) => [`${run.pattern.label} ${run.sparsityTarget}`, run]),
  );
  const rows = [...distinct.values()].map(({ pattern, sparsityTarget }) => ({
    pattern: pattern.label,
    "target level": sparsityTarget ?? "—",
    "achieved sparsity": pattern.sparsity.toFixed(4),
    "connections per layer": Number(pattern.connections.toFixed(1)),
    "mixing depth s": pattern.mixingDepth ?? "none",
  }));
  claim(
    [...distinct.values()].every(({ pattern: p }) =>
      Math.abs(p.sparsity - (1 - p.connections / p.n ** 2)) < 1e-12
    ),
    "each pattern's recorded sparsity is exactly 1 − connections/n²",
  );
  const unreachable = plan.unreachable.length
    ? `; not reachable: ${plan.unreachable.join(", ")}`
    : "";
  return {
    rows,
    title: `${name}, n = ${plan.runs[0].pattern.n}: ${plan.runs.length} runs${unreachable}`,
  };
}

/**
 * Trains the quick grid now in a scratch directory (so nothing is reused): in quick mode only
 * `subset` of it, the whole quick grid otherwise. Asserts that every run trained and reported.
 */
export async function runQuickGridLive(
  name: ExperimentName,
  subset: Partial<SweepOptions>,
): Promise<SweepSummary> {
  const summary = await runSweep(name, {
    mode: "quick",
    ...(quickMode() ? subset : {}),
    resultsDir: await Deno.makeTempDir({ prefix: `lab-${name}-` }),
  });
  const key = EXPERIMENT_DEFINITIONS[name].metric.key;
  claim(
    summary.results.length > 0 && summary.trained.length === summary.results.length,
    `the live grid trained all ${summary.results.length} runs from scratch`,
  );
  claim(
    summary.results.every((r) => Number.isFinite(r.final[key]) && r.curve.length > 0),
    `every live run wrote a loss curve and a finite ${key}`,
  );
  return summary;
}

/** One row per run: id, exact sparsity, the experiment's metric, wall time. */
export function runRows(
  summary: { results: SweepSummary["results"] },
  name: ExperimentName,
  title: string,
): Rows {
  const key = EXPERIMENT_DEFINITIONS[name].metric.key;
  const rows = summary.results.map((r) => ({
    run: r.runId,
    sparsity: r.sparsity.toFixed(4),
    [key]: Number(r.final[key].toFixed(3)),
    "wall (s)": Number(r.wallSeconds.toFixed(1)),
  }));
  return { rows, title };
}

/** The committed full results and a one-line account of what is in and what is missing. */
export function committedReport(name: ExperimentName): CommittedStatus & { line: string } {
  const status = committedStatus(name);
  const planned = status.results.length + status.missing.length;
  const line = `${status.results.length} of ${planned} full runs committed` +
    (status.complete
      ? ""
      : ` — missing ${status.missing.length}, e.g. ${status.missing.slice(0, 3).join(", ")}`) +
    (status.skipped.length ? `; ${status.skipped.length} corrupt file(s) left out` : "");
  console.log(line);
  return { ...status, line };
}

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

/**
 * What an experiment figure shows when no results exist: a Figure (so a notebook displays it
 * like any other) with no traces, whose display is the message itself.
 */
export class FigureNote extends Figure {
  constructor(readonly message: string) {
    super(message, {
      data: [],
      layout: {
        title: { text: message },
        xaxis: { visible: false },
        yaxis: { visible: false },
        annotations: [{ text: message, showarrow: false, x: 0.5, y: 0.5 }],
      },
    }, message);
  }

  override mimeBundle(): MimeBundle {
    return { "text/html": `<p>${escapeHtml(this.message)}</p>`, "text/plain": this.message };
  }
}

/**
 * The paper-style figure of an experiment from summarized series: metric against layers or
 * against the exact achieved sparsity, error bars one standard deviation over seeds. With no
 * series it is a {@link FigureNote} saying how to produce the results, so notebooks display the
 * answer either way without looking at its kind.
 */
export function experimentFigure(
  name: ExperimentName,
  series: readonly SummarySeries[],
  options: ExperimentFigureOptions = {},
): Figure {
  const definition = EXPERIMENT_DEFINITIONS[name];
  if (series.length === 0) {
    return new FigureNote(
      `No full results are committed yet: run \`deno task experiment ${name} --full\`.`,
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
  if (options.legendTitle === undefined) return figure;
  const legend = { ...(figure.layout.legend as object), title: { text: options.legendTitle } };
  return new Figure(figure.title, {
    data: figure.data,
    layout: { ...figure.layout, legend },
  }, figure.summary);
}

/** Summarized committed results of an experiment on its own metric and axis. */
export function committedSeries(name: ExperimentName, status: CommittedStatus): SummarySeries[] {
  const definition = EXPERIMENT_DEFINITIONS[name];
  return summarize(status.results, definition.metric.key, definition.axis);
}
