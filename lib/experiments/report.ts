/**
 * What the experiment notebooks show, built once and addressed by the experiment's name: the
 * plan's sizes and rows, the quick grid run live in a scratch directory, the committed results'
 * status line and series, the competence bars measured, the planned series' ceilings, and the
 * findings judged into verdict rows. Everything here is plain data (rows of tables, series,
 * verdicts); the figure is figures.ts.
 */
import { claim } from "../util/claim.ts";
import type { CommittedStatus, SweepOptions, SweepSummary } from "../train/sweep.ts";
import { type CompetenceRow, measureBars } from "../train/competence.ts";
import type { RunResult } from "../train/results.ts";
import type { Budget, ExperimentDefinition } from "../train/experiment_definition.ts";
import {
  type FindingCheck,
  judgeFindings,
  type SeriesCeilings,
  seriesLabelOf,
  shownParameters,
  summarize,
  type SummaryPoint,
  type SummarySeries,
} from "../train/summary.ts";
import { InputError } from "../util/errors.ts";
import { choiceLabel, type ResolvedPattern, SPARSITY_TOLERANCE } from "../train/sweep_grid.ts";
import { curveBumps, type GapPoint, gapsToDense } from "../train/matched_findings.ts";
import { type Schedule, type SparsityPattern, union } from "../pattern/mod.ts";
import { widestRecentWindow } from "../pattern/recent_window.ts";
import { type ExperimentRef, requireExperiment } from "./registry.ts";
import { committedStatus, planSweep, runSweep } from "./sweeps.ts";

export interface Rows {
  rows: Record<string, string | number>[];
  title: string;
}

/** Sparsity counted on the dense masks, independently of the patterns' connection counts. */
function maskSparsity(patterns: readonly SparsityPattern[]): number {
  const ones = patterns.map((pattern) => pattern.toDenseMask().reduce((a, b) => a + b, 0));
  return 1 - ones.reduce((a, b) => a + b, 0) / patterns.length / patterns[0].n ** 2;
}

/** Every distinct pattern of the full plan with its exact achieved sparsity and mixing depth. */
export function planRows(experiment: ExperimentRef): Rows {
  const { name } = requireExperiment(experiment);
  const plan = planSweep(experiment, { mode: "full" });
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
      Math.abs(p.sparsity - maskSparsity(p.schedule.patterns)) < 1e-12
    ),
    "each pattern's recorded sparsity is exactly 1 − (ones of its masks)/n², counted on the masks",
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
 * Trains `subset` of the quick grid now (the patterns and depths a notebook cell names) in a
 * scratch directory, so nothing is reused and the cell's table lists exactly what it asked for.
 * Asserts that every run trained and reported.
 */
export async function runQuickGridLive(
  experiment: ExperimentRef,
  subset: Partial<SweepOptions>,
): Promise<SweepSummary> {
  const definition = requireExperiment(experiment);
  const summary = await runSweep(definition, {
    mode: "quick",
    ...subset,
    resultsDir: await Deno.makeTempDir({ prefix: `lab-${definition.name}-` }),
  });
  const key = definition.metric.key;
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
  experiment: ExperimentRef,
  title: string,
): Rows {
  const key = requireExperiment(experiment).metric.key;
  const rows = summary.results.map((r) => ({
    run: r.runId,
    sparsity: r.sparsity.toFixed(4),
    [key]: Number(r.final[key].toFixed(3)),
    "wall (s)": Number(r.wallSeconds.toFixed(1)),
  }));
  return { rows, title };
}

/**
 * The committed full results and a one-line account of what is in and what is missing, and of
 * the runs that trained under a convergence rule, how many were still improving at the cap
 * (by series): the runs a "worse" cannot rest on.
 */
export function committedReport(experiment: ExperimentRef): CommittedStatus & { line: string } {
  const status = committedStatus(experiment);
  const planned = status.results.length + status.missing.length;
  const line = `${status.results.length} of ${planned} full runs committed` +
    (status.complete
      ? ""
      : ` — missing ${status.missing.length}, e.g. ${status.missing.slice(0, 3).join(", ")}`) +
    plateauAccount(status.results) +
    (status.skipped.length ? `; ${status.skipped.length} corrupt file(s) left out` : "");
  console.log(line);
  return { ...status, line };
}

/** "; 128 stopped on a plateau, 32 still improving at the cap (random 20, …)", or "". */
function plateauAccount(results: readonly RunResult[]): string {
  const ruled = results.filter((r) => r.training !== undefined);
  if (ruled.length === 0) return "";
  const capped = new Map<string, number>();
  for (const r of ruled) {
    if (r.training!.plateaued) continue;
    const series = choiceLabel(r);
    capped.set(series, (capped.get(series) ?? 0) + 1);
  }
  const count = [...capped.values()].reduce((a, b) => a + b, 0);
  const bySeries = [...capped].sort((a, b) => b[1] - a[1]).map(([s, k]) => `${s} ${k}`);
  return `; ${ruled.length - count} stopped on a plateau, ${count} still improving at the cap` +
    (count > 0 ? ` (${bySeries.join(", ")})` : "");
}

/** Each competence bar of the experiment measured on `results`. */
export function competenceRows(
  experiment: ExperimentRef,
  results: readonly RunResult[],
): CompetenceRow[] {
  return measureBars(requireExperiment(experiment).competence, results);
}

/** A planned series with the schedule its layers use and its ceiling at each planned depth. */
export interface PlannedCeilings extends SeriesCeilings {
  pattern: ResolvedPattern;
  /** What each layer sees: the schedule, or for MULTIHEAD the union its heads hold together. */
  layerSchedule: Schedule;
}

/**
 * The distinct series of an experiment's full plan (labelled as summarized results label them),
 * each with `bound(layerSchedule, L)` at every planned depth L, from the schedule the depth-L
 * model uses: a ceiling computed from the patterns alone, before any training. `pattern` and
 * `layerSchedule` are the deepest planned model's.
 */
export function plannedCeilings(
  experiment: ExperimentRef,
  bound: (layerSchedule: Schedule, layers: number) => number,
): PlannedCeilings[] {
  const plan = planSweep(experiment, { mode: "full" });
  // a series' runs by depth (RANDOM draws afresh per layer, so its pattern follows the depth)
  const bySeries = new Map<string, Map<number, ResolvedPattern>>();
  for (const run of plan.runs) {
    const label = seriesLabelOf(run.pattern, run.pattern.parameters);
    const byDepth = bySeries.get(label) ?? new Map<number, ResolvedPattern>();
    if (!byDepth.has(run.layers)) byDepth.set(run.layers, run.pattern);
    bySeries.set(label, byDepth);
  }
  const layerScheduleOf = (pattern: ResolvedPattern) =>
    pattern.patternMode === "heads" ? union(pattern.schedule) : pattern.schedule;
  return [...bySeries.entries()].map(([label, byDepth]) => {
    const depths = [...byDepth.keys()].sort((a, b) => a - b);
    const ceilings = depths.map((layers) => ({
      layers,
      ceiling: bound(layerScheduleOf(byDepth.get(layers)!), layers),
    }));
    // what the deepest planned model sees stands for the series
    const pattern = byDepth.get(depths[depths.length - 1])!;
    return { label, pattern, layerSchedule: layerScheduleOf(pattern), ceilings };
  });
}

/** Summarized committed results of an experiment on its own metric and axis. */
export function committedSeries(
  experiment: ExperimentRef,
  status: CommittedStatus,
): SummarySeries[] {
  const definition = requireExperiment(experiment);
  return summarize(status.results, definition.metric.key, definition.axis, {
    curves: definition.budgets.full.curve !== undefined,
  });
}

/**
 * Checks that each family the plan trains along a curve is drawn with at least the curve's
 * number of points, at distinct achieved sparsities (a claim, once the sweep is complete; before
 * then it says the curves are still filling). Returns one row per family: its points and the
 * achieved sparsities they span.
 */
export function curveCoverage(
  experiment: ExperimentRef,
  series: readonly SummarySeries[],
  status: CommittedStatus,
): Rows {
  const definition = requireExperiment(experiment);
  const wanted = definition.budgets.full.curve?.points;
  if (wanted === undefined) {
    throw new InputError("experiment", definition.name, "expected a plan that trains curves");
  }
  const families = new Set(
    planSweep(definition, { mode: "full" }).runs
      .filter((run) => run.sparsityTarget !== null)
      .map((run) => choiceLabel(run.pattern)),
  );
  const rows = [...families].map((family) => {
    const xs = series.find((s) => choiceLabel(s) === family)?.points.map((p) => p.x) ?? [];
    const distinct = new Set(xs.map((x) => x.toFixed(4))).size;
    return {
      family,
      "achieved sparsities": distinct,
      from: xs.length ? Math.min(...xs).toFixed(3) : "—",
      to: xs.length ? Math.max(...xs).toFixed(3) : "—",
    };
  });
  const short = rows.filter((row) => row["achieved sparsities"] < wanted);
  claim(
    !status.complete || short.length === 0,
    status.complete
      ? `each of the ${rows.length} families trained along a curve is drawn at ${wanted} or more ` +
        `achieved sparsities (fewest: ${Math.min(...rows.map((r) => r["achieved sparsities"]))})`
      : "sweep incomplete: curves still filling",
    short.map((row) => `${row.family}: ${row["achieved sparsities"]}`).join("; "),
  );
  return { rows, title: `${definition.name}: the curves' achieved sparsities` };
}

/** Where a budget trains the sparse patterns: its levels, or each family's curve. */
export function sparsityLevelsOf(budget: Budget): string {
  if (budget.curve) {
    const { points, lowest, highest } = budget.curve;
    return `${points} per family, spread over what it reaches of ${lowest}–${highest}`;
  }
  return budget.levels.length ? budget.levels.join(", ") : "— (fixed parameters)";
}

/** A budget's steps: fixed, or from floor to cap until the validation metric plateaus. */
export function stepsOf(definition: ExperimentDefinition, budget: Budget): string {
  const steps = definition.steps(budget.size);
  const rule = budget.size.convergence;
  if (!rule) return String(steps);
  const before = steps - budget.size.steps; // a phase before the main one (pretraining)
  return `${before + rule.floorSteps}–${before + rule.capSteps}, to a plateau`;
}

/**
 * The sizes the plan runs at, from the experiment's budgets (quick and full): the numbers the
 * notebooks' prose refers to, rendered rather than typed.
 */
export function planSummary(experiment: ExperimentRef): Rows {
  const definition = requireExperiment(experiment);
  const rows = (["quick", "full"] as const).map((mode) => {
    const budget = definition.budgets[mode];
    const { size, layers, seeds } = budget;
    return {
      mode,
      "length n": size.n,
      "width / heads / FF": `${size.width} / ${size.heads} / ${size.ffHidden}`,
      "layers L": layers.join(", "),
      "sparsity levels": sparsityLevelsOf(budget),
      seeds: seeds.length,
      "steps (batch)": `${stepsOf(definition, budget)} (${size.batch})`,
      runs: planSweep(definition, { mode }).runs.length,
    };
  });
  return { rows, title: `${definition.name}: the plan (EXPERIMENT_DEFINITIONS)` };
}

/**
 * An experiment's findings (its module's `findings`) judged together, one Holm family per
 * notebook, each row saying what it covers. A finding with nothing to test in a complete sweep
 * will never have runs: it says why, in the "covers" cell too, since the README's verdict table
 * shows that and not the evidence.
 */
export function experimentVerdicts(
  experiment: ExperimentRef,
  series: readonly SummarySeries[],
  status?: CommittedStatus,
): FindingCheck[] {
  const definition = requireExperiment(experiment);
  const { axis, budgets } = definition;
  const sizes = `n = ${budgets.full.size.n}` +
    (axis === "sparsity" ? `, L = ${budgets.full.layers.join(", ")}` : "");
  const { unreachable } = status?.complete
    ? planSweep(definition, { mode: "full" })
    : { unreachable: [] };
  const why = unreachable.length
    ? ` (no parameter within ±${SPARSITY_TOLERANCE} of the level at n = ${budgets.full.size.n}: ` +
      `${unreachable.join(", ")})`
    : "";
  const findings = definition.findings(series);
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

/** One bump of a family's curve and the widest recent window of it and of its neighbours. */
export interface CurveBumpWindows {
  family: string;
  parameters: string;
  sparsity: number;
  /** The metric's mean over seeds at the bump and at its denser and sparser neighbours. */
  mean: number;
  belowMean: number;
  aboveMean: number;
  /** The widest recent window of the schedule at the bump and at its neighbours. */
  window: number;
  belowWindow: number;
  aboveWindow: number;
}

/**
 * The bumps of the committed curves (`curveBumps`: points worse than both neighbours in every
 * seed), each beside its two neighbours: parameters, achieved sparsity, the metric's mean and
 * spread over seeds, and the widest recent window of the schedule the plan trained there
 * (`widestRecentWindow`): how many of the latest tokens one layer reads without a gap.
 */
export function curveBumpRows(
  experiment: ExperimentRef,
  series: readonly SummarySeries[],
): Rows & { bumps: CurveBumpWindows[] } {
  const definition = requireExperiment(experiment);
  const plan = planSweep(experiment, { mode: "full" });
  const windowAt = (family: string, point: SummaryPoint) => {
    const run = plan.runs.find((r) =>
      choiceLabel(r.pattern) === family && r.sparsityTarget === point.target &&
      shownParameters(r.pattern.pattern, r.pattern.parameters) === point.parameters
    );
    if (!run) {
      throw new InputError(
        "committed point",
        `${family} (${point.parameters || point.target})`,
        "not in the experiment's full plan",
      );
    }
    return widestRecentWindow(run.pattern.schedule);
  };
  const rows: Rows["rows"] = [];
  const bumps = curveBumps(series, definition.metric.higherIsBetter).map((bump) => {
    const shown = [
      ["denser neighbour", bump.below],
      ["bump", bump.point],
      ["sparser neighbour", bump.above],
    ] as const;
    const windows = shown.map(([role, point]) => {
      const window = windowAt(bump.family, point);
      rows.push({
        family: bump.family,
        point: role,
        parameters: point.parameters,
        "achieved sparsity": point.x.toFixed(4),
        [definition.metric.label]: `${point.mean.toFixed(3)} ± ${point.std.toFixed(3)}`,
        "widest recent window": Number(window.toFixed(2)),
      });
      return window;
    });
    return {
      family: bump.family,
      parameters: bump.point.parameters,
      sparsity: bump.point.x,
      mean: bump.point.mean,
      belowMean: bump.below.mean,
      aboveMean: bump.above.mean,
      belowWindow: windows[0],
      window: windows[1],
      aboveWindow: windows[2],
    };
  });
  return {
    rows,
    bumps,
    title: `${definition.name}: points worse than both neighbours on their curve, in every seed` +
      (bumps.length === 0 ? " — none" : ""),
  };
}

/**
 * Each sparse family's gap to dense at every trained point (`gapsToDense`), as table rows, with
 * the claim that checks them: one row per trained sparse point (none before dense is committed),
 * each finite with its mean inside its 95% interval, each naming a committed family.
 */
export function gapRows(
  experiment: ExperimentRef,
  series: readonly SummarySeries[],
): Rows & { gaps: GapPoint[] } {
  const definition = requireExperiment(experiment);
  const gaps = gapsToDense(series, definition.metric.higherIsBetter);
  const hasDense = series.some((s) => s.pattern === "dense");
  const trainedSparsePoints = hasDense
    ? series.filter((s) => s.pattern !== "dense").flatMap((s) => s.points).length
    : 0;
  const malformed = gaps.filter((g) =>
    ![g.gap, g.lower, g.upper, g.sparsity].every(Number.isFinite) ||
    !(g.lower <= g.gap && g.gap <= g.upper && g.seeds >= 1) ||
    !series.some((s) => s.label === g.family)
  );
  claim(
    malformed.length === 0 && gaps.length === trainedSparsePoints,
    `one well-formed gap row for each of the ${trainedSparsePoints} trained sparse points`,
    malformed.map((g) => `${g.family} at ${g.sparsity}: ${g.gap} [${g.lower}, ${g.upper}]`)
      .join("; "),
  );
  return {
    gaps,
    rows: gaps.map((g) => ({
      family: g.family,
      sparsity: g.sparsity.toFixed(4),
      "gap to dense": g.gap.toFixed(3),
      "95% t interval": `[${g.lower.toFixed(3)}, ${g.upper.toFixed(3)}]`,
      seeds: g.seeds,
    })),
    title: `${definition.name}: each family's gap to dense (${definition.metric.label}; ` +
      `positive is worse)` + (gaps.length === 0 ? " — no committed runs yet" : ""),
  };
}
