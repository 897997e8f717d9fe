/**
 * What the experiment notebooks show, built once: the full plan's rows, the quick grid run live
 * in a scratch directory, the committed results' status line, and the paper-style figure specs
 * (metric against layers or against sparsity, one curve per pattern and configuration, dense as
 * a reference, error bars over seeds). Plain data only: lib/plot sits below lib/train, so the
 * notebook hands these to `table` and `linePlot`.
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
import { type PlotSeries, plotSeries, summarize, type SummarySeries } from "./summary.ts";
import { EXPERIMENT_DEFINITIONS, type ExperimentName } from "./experiments.ts";

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

export interface FigureSpec {
  series: PlotSeries[];
  options: { title: string; xTitle: string; yTitle: string; markers: boolean };
}

/** The paper-style figure of an experiment from summarized series (a note when empty). */
export function experimentFigure(
  name: ExperimentName,
  series: SummarySeries[],
): FigureSpec | string {
  const definition = EXPERIMENT_DEFINITIONS[name];
  if (series.length === 0) {
    return `No full results are committed yet: run \`deno task experiment ${name} --full\`.`;
  }
  const n = definition.budgets.full.size.n;
  if (definition.axis === "layers") {
    return {
      series: plotSeries(series),
      options: {
        title: `${definition.title} (n = ${n}): ${definition.metric.key} vs layers`,
        xTitle: "attention layers L",
        yTitle: definition.metric.label,
        markers: true,
      },
    };
  }
  const xs = series.flatMap((s) => s.points.map((p) => p.x)).filter((x) => x > 0);
  const range: [number, number] = [Math.min(...xs, 0.5) - 0.02, Math.max(...xs, 0.5) + 0.02];
  return {
    series: plotSeries(series, range),
    options: {
      title: `${definition.title} (n = ${n}): ${definition.metric.key} vs sparsity`,
      xTitle: "sparsity level 1 − connections/n² (exact, achieved)",
      yTitle: definition.metric.label,
      markers: true,
    },
  };
}

/** Summarized committed results of an experiment on its own metric and axis. */
export function committedSeries(name: ExperimentName, status: CommittedStatus): SummarySeries[] {
  const definition = EXPERIMENT_DEFINITIONS[name];
  return summarize(status.results, definition.metric.key, definition.axis);
}
