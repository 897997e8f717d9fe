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
import {
  bestComparisons,
  type Finding,
  type FindingCheck,
  judgeFindings,
  LEARNED,
  learnedComparisons,
  plotSeries,
  type SeriesCeilings,
  summarize,
  type SummarySeries,
  worstComparisons,
} from "./summary.ts";
import { type ResolvedPattern, SPARSITY_TOLERANCE } from "./sweep_grid.ts";
import { type Schedule, union } from "../pattern/mod.ts";
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

/** A planned series with the schedule its layers use and its ceiling at each planned depth. */
export interface PlannedCeilings extends SeriesCeilings {
  pattern: ResolvedPattern;
  /** What each layer sees: the schedule, or for MULTIHEAD the union its heads hold together. */
  layerSchedule: Schedule;
}

/**
 * The distinct series of an experiment's full plan, each with `bound(layerSchedule, L)` at every
 * planned depth L: a ceiling computed from the patterns alone, before any training.
 */
export function plannedCeilings(
  name: ExperimentName,
  bound: (layerSchedule: Schedule, layers: number) => number,
): PlannedCeilings[] {
  const plan = planSweep(name, { mode: "full" });
  const depths = [...new Set(plan.runs.map((r) => r.layers))].sort((a, b) => a - b);
  const patterns = [...new Map(plan.runs.map((r) => [r.pattern.label, r.pattern])).values()];
  return patterns.map((pattern) => {
    const layerSchedule = pattern.patternMode === "heads"
      ? union(pattern.schedule)
      : pattern.schedule;
    const ceilings = depths.map((layers) => ({ layers, ceiling: bound(layerSchedule, layers) }));
    return { label: pattern.label, pattern, layerSchedule, ceilings };
  });
}

/** Summarized committed results of an experiment on its own metric and axis. */
export function committedSeries(name: ExperimentName, status: CommittedStatus): SummarySeries[] {
  const definition = EXPERIMENT_DEFINITIONS[name];
  return summarize(status.results, definition.metric.key, definition.axis);
}

/**
 * The sizes the plan runs at, from EXPERIMENT_DEFINITIONS (quick and full): the numbers the
 * notebooks' prose refers to, rendered rather than typed.
 */
export function planSummary(name: ExperimentName): Rows {
  const definition = EXPERIMENT_DEFINITIONS[name];
  const rows = (["quick", "full"] as const).map((mode) => {
    const { size, layers, seeds, levels } = definition.budgets[mode];
    return {
      mode,
      "length n": size.n,
      "width / heads / FF": `${size.width} / ${size.heads} / ${size.ffHidden}`,
      "layers L": layers.join(", "),
      "sparsity levels": levels.length ? levels.join(", ") : "— (fixed parameters)",
      seeds: seeds.length,
      "steps (batch)": `${definition.steps(size)} (${size.batch})`,
      runs: planSweep(name, { mode }).runs.length,
    };
  });
  return { rows, title: `${name}: the plan (EXPERIMENT_DEFINITIONS)` };
}

const paperPatterns = (s: SummarySeries) => s.pattern !== "dense";

/**
 * The Star-Transformer reaches one level only (about 5n connections); at the matched levels the
 * lab's widened window-relay stands in for it, and every finding about STAR names it.
 */
const isStarLike = (s: SummarySeries) => s.pattern === "star" || s.pattern === "window-relay";

/**
 * The findings each experiment checks, as comparisons not yet judged: the paper's claims for
 * notebooks 11–14, the mixing-depth question for 15.
 */
export function experimentFindings(
  name: ExperimentName,
  series: readonly SummarySeries[],
): Finding[] {
  const definition = EXPERIMENT_DEFINITIONS[name];
  const higher = definition.metric.higherIsBetter;
  const sparse = series.filter(paperPatterns);
  const deepest = Math.max(...definition.budgets.full.layers);
  const is = (...patterns: string[]) => (s: SummarySeries) => patterns.includes(s.pattern);
  // findings the paper makes for more than one experiment
  const randomWorst = () =>
    worstComparisons(
      "RANDOM is worse than every deterministic pattern",
      sparse,
      is("random"),
      higher,
    );
  const starStruggles = () =>
    bestComparisons(
      "STAR struggles (it is never the best pattern; window-relay stands in at matched levels)",
      sparse,
      (s) => !isStarLike(s),
      higher,
    );
  switch (name) {
    case "copying":
      return [
        learnedComparisons(
          `STRIDED and FIXED learn to copy (accuracy above ${LEARNED}) with ${deepest} layers`,
          sparse,
          is("strided", "fixed"),
          deepest,
          true,
        ),
        learnedComparisons(
          `STAR (and the widened window-relay) and RANDOM do not learn to copy (accuracy below ${LEARNED}) with ${deepest} layers`,
          sparse,
          is("star", "window-relay", "random"),
          deepest,
          false,
        ),
        worstComparisons(
          "RANDOM is worse than every deterministic pattern",
          sparse,
          is("random"),
          higher,
          { axis: "layers", at: [deepest] },
        ),
      ];
    case "language-modeling":
      return [
        bestComparisons(
          "STRIDED and STAR (window-relay at matched levels) are best across all sparsity levels",
          sparse,
          is("strided", "star", "window-relay"),
          higher,
        ),
        randomWorst(),
      ];
    case "seq2seq":
      return [
        bestComparisons(
          "STRIDED and FIXED in the UNION configuration score best",
          sparse,
          (s) => s.configuration === "union",
          higher,
        ),
        randomWorst(),
        starStruggles(),
      ];
    case "classification":
      return [
        randomWorst(),
        starStruggles(),
      ];
    case "depth-vs-mixing":
      return series.filter((s) => typeof s.mixingDepth === "number").map((s) =>
        learnedComparisons(
          `${s.label}: learns (accuracy above ${LEARNED}) by L = s = ${s.mixingDepth}`,
          series,
          (x) => x.label === s.label,
          s.mixingDepth!,
          true,
        )
      );
  }
}

/** An experiment's findings judged together (one Holm family per notebook). */
export function experimentVerdicts(
  name: ExperimentName,
  series: readonly SummarySeries[],
  status?: CommittedStatus,
): FindingCheck[] {
  const { axis, budgets } = EXPERIMENT_DEFINITIONS[name];
  const sizes = `n = ${budgets.full.size.n}` +
    (axis === "sparsity" ? `, L = ${budgets.full.layers.join(", ")}` : "");
  // a finding with nothing to test in a complete sweep will never have runs: say why, in the
  // "covers" cell too, since the README's verdict table shows that and not the evidence
  const { unreachable } = status?.complete
    ? planSweep(name, { mode: "full" })
    : { unreachable: [] };
  const why = unreachable.length
    ? ` (no parameter within ±${SPARSITY_TOLERANCE} of the level at n = ${budgets.full.size.n}: ` +
      `${unreachable.join(", ")})`
    : "";
  const findings = experimentFindings(name, series);
  return judgeFindings(findings).map((c, i) => {
    const untestable = findings[i].comparisons.length === 0 && status?.complete === true;
    return {
      ...c,
      covers: `${sizes}, ${untestable ? `no runs planned${why}` : c.covers}`,
      evidence: untestable ? `none comparable in the complete plan${why}` : c.evidence,
    };
  });
}

/** The verdict rows a notebook displays (and re-checks with claims). */
export function verdictRows(checks: readonly FindingCheck[], title: string): Rows {
  return {
    rows: checks.map((c) => ({
      finding: c.finding,
      covers: c.covers,
      "ours (mean [95% t interval over seeds])": c.evidence,
      verdict: c.label,
    })),
    title,
  };
}
