/**
 * From result files to figures and verdicts: results grouped by pattern and configuration, one
 * point per x value (layers, or sparsity level) with the mean and spread over seeds; line-plot
 * series with error bars; and the verdict rules every experiment notebook uses: one-sided Welch
 * and one-sample t-tests over seeds, Holm-adjusted across a notebook's findings, so that a finding
 * agrees or disagrees only at adjusted p < 0.05 and is inconclusive (p shown) otherwise.
 */
import { meanAndSpread } from "./metrics.ts";
import type { RunResult } from "./results.ts";
import { choiceLabel } from "./sweep_grid.ts";
import { InputError, requireInteger } from "../util/errors.ts";
import {
  formatP,
  holmAdjust,
  intersectionUnionP,
  meanInterval,
  oneSampleTest,
  welchTest,
} from "../util/statistics.ts";

export interface SummaryPoint {
  /** Layers, or the exact achieved sparsity (mean over seeds; RANDOM's differs by a hair). */
  x: number;
  /** The sparsity level asked for (null for dense and fixed-parameter patterns). */
  target: number | null;
  /** The pattern's parameters at this point, e.g. "c=16, c′=4" (empty when it has none). */
  parameters: string;
  mean: number;
  std: number;
  values: number[];
  /** The seed of each value, in the same order (interpolation pairs seeds by number). */
  seeds: number[];
  /**
   * How many of the point's runs stopped because their validation metric had plateaued; the
   * rest were stopped by their step budget while possibly still improving (a run whose result
   * does not record it counts as not plateaued).
   */
  plateaued: number;
}

export interface SummarySeries {
  label: string;
  pattern: string;
  configuration: string;
  /** The exact achieved sparsity, mean over every run of the series. */
  sparsity: number;
  /** Assumption 1's mixing depth s of the series' schedule (null: never mixes; absent: unknown). */
  mixingDepth?: number | null;
  points: SummaryPoint[];
}

export type Axis = "layers" | "sparsity";

/** A line-plot series as lib/plot's `linePlot` takes it (plain data: plot sits below train). */
export interface PlotSeries {
  name: string;
  x: number[];
  y: number[];
  dash?: "solid" | "dash" | "dot";
  errorY?: number[];
}

/**
 * A pattern's parameters as a series label shows them. RANDOM's number of draws is left out: it
 * draws one pattern per layer, so it follows the depth and does not make a series of its own.
 */
export function shownParameters(pattern: string, parameters: Record<string, number>): string {
  if (pattern === "dense") return "";
  return Object.entries(parameters).filter(([k]) => k !== "draws")
    .map(([k, v]) => `${k}=${v}`).join(", ");
}

const parametersShown = (result: RunResult) =>
  shownParameters(result.pattern, result.patternParameters);

/** The label of the series a pattern's runs form: "strided sequential (c=8)", "random". */
export function seriesLabelOf(
  choice: { pattern: string; configuration: string },
  parameters: Record<string, number>,
): string {
  const shown = shownParameters(choice.pattern, parameters);
  return choiceLabel(choice) + (shown ? ` (${shown})` : "");
}

/**
 * Groups results into series, then points, with metric = final[key]. Each parameter is its own
 * series (a level admits several, each reported), its points its depths or levels; with
 * `curves` on the sparsity axis, a series is instead a family in one configuration (its curve)
 * and a point one trained parameter at its exact achieved sparsity.
 */
export function summarize(
  results: readonly RunResult[],
  key: string,
  axis: Axis,
  options: { curves?: boolean } = {},
): SummarySeries[] {
  const curves = axis === "sparsity" && options.curves === true;
  const bySeries = new Map<string, RunResult[]>();
  for (const result of results) {
    if (typeof result.final[key] !== "number") {
      throw new InputError(
        "metric",
        key,
        `result ${result.runId} has ${Object.keys(result.final)}`,
      );
    }
    const label = curves ? choiceLabel(result) : seriesLabelOf(result, result.patternParameters);
    bySeries.set(label, [...(bySeries.get(label) ?? []), result]);
  }
  return [...bySeries.entries()].map(([label, runs]) => {
    const byX = new Map<string, RunResult[]>();
    for (const run of runs) {
      const xKey = axis === "layers"
        ? String(run.layers)
        : `${run.sparsityTarget ?? 0}|${curves ? parametersShown(run) : ""}`;
      byX.set(xKey, [...(byX.get(xKey) ?? []), run]);
    }
    const points = [...byX.values()].map((group): SummaryPoint => {
      const values = group.map((r) => r.final[key]);
      const { mean, std } = meanAndSpread(values);
      const x = axis === "layers"
        ? group[0].layers
        : meanAndSpread(group.map((r) => r.sparsity)).mean;
      return {
        x,
        target: group[0].sparsityTarget,
        parameters: parametersShown(group[0]),
        mean,
        std,
        values,
        seeds: group.map((r) => r.seed),
        plateaued: group.filter((r) => r.training?.plateaued === true).length,
      };
    }).sort((a, b) => a.x - b.x);
    return {
      label,
      pattern: runs[0].pattern,
      configuration: runs[0].configuration,
      sparsity: meanAndSpread(runs.map((r) => r.sparsity)).mean,
      mixingDepth: runs[0].mixingDepth,
      points,
    };
  }).sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * Line-plot series (mean ± one standard deviation over seeds). On the sparsity axis the dense
 * baseline, a single point at 0, becomes a flat dotted reference line across `xRange`.
 */
export function plotSeries(
  series: readonly SummarySeries[],
  xRange?: [number, number],
): PlotSeries[] {
  return series.map((s) => {
    if (s.pattern === "dense" && xRange && s.points.length === 1) {
      const [p] = s.points;
      return {
        name: `${s.label} (reference)`,
        x: [...xRange],
        y: [p.mean, p.mean],
        errorY: [p.std, p.std],
        dash: "dot" as const,
      };
    }
    return {
      name: s.label,
      x: s.points.map((p) => p.x),
      y: s.points.map((p) => p.mean),
      errorY: s.points.map((p) => p.std),
    };
  });
}

/** The point of `series` at sparsity level `target` (or layer count), if it was run. */
export function pointAt(series: SummarySeries, x: number, axis: Axis): SummaryPoint | undefined {
  return series.points.find((p) => (axis === "layers" ? p.x === x : p.target === x));
}

export type Verdict = "agrees" | "disagrees" | "inconclusive";

/** Family-wise error rate of each notebook's verdicts (Holm-adjusted p below it decides). */
export const ALPHA = 0.05;

/** Seeds a point needs before a verdict leans on it (the full sweep runs 5). */
export const MIN_SEEDS = 5;

/**
 * One one-sided test behind a finding. `supports`: a significant result is evidence for the
 * finding; otherwise it is evidence against it. `undertrained` names the point the test would
 * call worse when its runs had not all plateaued: such a test is shown but never significant.
 */
export interface Comparison {
  label: string;
  p: number;
  supports: boolean;
  undertrained?: string;
}

/**
 * A finding before judgement: its tests and what it covers. `claim` says how its supporting
 * tests combine: "every" (default) needs all of them significant (an intersection–union test,
 * its p the largest), and one significant opposing test (Bonferroni over them) opposes it;
 * "any" needs one supporting test (Bonferroni), and all opposing ones (intersection–union) to
 * oppose it.
 */
export interface Finding {
  finding: string;
  /** The parameters the verdict covers (sizes, layers, levels, seeds, patterns compared). */
  covers: string;
  comparisons: Comparison[];
  /** Means with 95% t intervals over seeds, per judged point. */
  notes: string[];
  claim?: "every" | "any";
}

export interface FindingCheck {
  finding: string;
  covers: string;
  verdict: Verdict;
  /** The Holm-adjusted p-value the verdict rests on (null when nothing could be tested). */
  p: number | null;
  /** The verdict as printed: "agrees (p = …)", "inconclusive (p = …)", … */
  label: string;
  evidence: string;
}

const shown = (p: SummaryPoint) => {
  if (p.values.length < 2) return `${p.mean.toFixed(3)} (1 seed)`;
  const i = meanInterval(p.values);
  return `${p.mean.toFixed(3)} [${i.lower.toFixed(3)}, ${i.upper.toFixed(3)}]`;
};

/** Whether every run of a point stopped on a plateau of its validation metric. */
const plateauedAll = (point: SummaryPoint) => point.plateaued === point.values.length;

/** One-sided Welch test that `a` is better than `b` (higher or lower metric). */
function better(
  a: { label: string; point: SummaryPoint },
  b: { label: string; point: SummaryPoint },
  higherIsBetter: boolean,
  supports: boolean,
  where: string,
): Comparison {
  const { p } = welchTest(a.point.values, b.point.values, higherIsBetter ? "greater" : "less");
  return {
    label: `${where}: ${a.label} better than ${b.label}`,
    p,
    supports,
    ...(plateauedAll(b.point) ? {} : { undertrained: `${b.label} ${where}` }),
  };
}

/** One-sided one-sample test that a point's mean is above (or below) `threshold`. */
function beyond(
  label: string,
  point: SummaryPoint,
  threshold: number,
  above: boolean,
  supports: boolean,
): Comparison {
  const { p } = oneSampleTest(point.values, threshold, above ? "greater" : "less");
  // "below the threshold" calls a point unlearned: only runs that plateaued can show that
  const undertrained = !above && !plateauedAll(point) ? { undertrained: label } : {};
  return {
    label: `${label} ${above ? "above" : "below"} ${threshold}`,
    p,
    supports,
    ...undertrained,
  };
}

/** The p-value of "every test significant" (the largest) and of "one is" (Bonferroni). */
const everyP = (ps: readonly number[]) => intersectionUnionP(ps);
const anyP = (ps: readonly number[]) => Math.min(1, Math.min(...ps) * ps.length);

/** Holm-adjusts the non-null p-values of a list, leaving nulls in place. */
function holmWhereTested(ps: readonly (number | null)[]): (number | null)[] {
  const tested = ps.flatMap((p, i) => (p === null ? [] : [{ p, i }]));
  const adjusted = holmAdjust(tested.map((t) => t.p));
  const out = [...ps];
  tested.forEach((t, k) => (out[t.i] = adjusted[k]));
  return out;
}

/**
 * Judges a notebook's findings together. Each finding's supporting tests combine as its claim
 * says (every: intersection–union; any: Bonferroni) into one p for it, its opposing tests
 * dually into one p against it; an undertrained test counts as p = 1. Both lists are then
 * Holm-adjusted across the notebook's findings. A finding agrees when its p for is below ALPHA
 * and its p against is not, disagrees in the reverse case, and is inconclusive otherwise, with
 * the p-value shown (for "disagrees" the p against, else the p for); an inconclusive label adds
 * "undertrained" when tests were set aside because their runs had not plateaued.
 */
export function judgeFindings(findings: readonly Finding[]): FindingCheck[] {
  const combined = findings.map((f) => {
    const usable = (c: Comparison) => (c.undertrained ? 1 : c.p);
    const supporting = f.comparisons.filter((c) => c.supports).map(usable);
    const opposing = f.comparisons.filter((c) => !c.supports).map(usable);
    const every = (f.claim ?? "every") === "every";
    return {
      pFor: supporting.length ? (every ? everyP(supporting) : anyP(supporting)) : null,
      pAgainst: opposing.length ? (every ? anyP(opposing) : everyP(opposing)) : null,
    };
  });
  const pFor = holmWhereTested(combined.map((c) => c.pFor));
  const pAgainst = holmWhereTested(combined.map((c) => c.pAgainst));
  return findings.map((f, i) => {
    const holds = pFor[i] !== null && pFor[i]! < ALPHA;
    const opposite = pAgainst[i] !== null && pAgainst[i]! < ALPHA;
    const verdict: Verdict = holds && !opposite
      ? "agrees"
      : opposite && !holds
      ? "disagrees"
      : "inconclusive";
    const p = verdict === "disagrees" ? pAgainst[i] : pFor[i];
    const undertrained = [...new Set(f.comparisons.flatMap((c) => c.undertrained ?? []))];
    // an inconclusive verdict says when tests were set aside, so p = 1.0 is not read as no effect
    const setAside = verdict === "inconclusive" && undertrained.length > 0 ? "; undertrained" : "";
    const label = p === null
      ? `${verdict} (nothing to test)`
      : `${verdict} (p ${formatP(p)}${setAside})`;
    const plateauNote = undertrained.length > 0
      ? [`undertrained, not counted: ${undertrained.join(", ")}`]
      : f.comparisons.length > 0
      ? ["every run a significant test could call worse had plateaued"]
      : [];
    return {
      finding: f.finding,
      covers: f.covers,
      verdict,
      p,
      label,
      evidence: [...f.notes, ...plateauNote].join("; ") || "no runs yet",
    };
  });
}

/** The sparsity levels at which at least one sparse pattern was run, ascending. */
export function levelsOf(series: readonly SummarySeries[]): number[] {
  const levels = new Set<number>();
  for (const s of series) for (const p of s.points) if (p.target !== null) levels.add(p.target);
  return [...levels].sort((a, b) => a - b);
}

/**
 * Sparse series ranked at one level by mean metric, best first (those run at that level).
 */
export function rankAt(
  series: readonly SummarySeries[],
  level: number,
  higherIsBetter: boolean,
  axis: Axis = "sparsity",
): { series: SummarySeries; point: SummaryPoint }[] {
  return series.flatMap((s) => {
    const point = s.pattern === "dense" ? undefined : pointAt(s, level, axis);
    return point ? [{ series: s, point }] : [];
  }).sort((a, b) => (higherIsBetter ? b.point.mean - a.point.mean : a.point.mean - b.point.mean));
}

type Ranked = ReturnType<typeof rankAt>[number];

const named = (r: Ranked) => ({ label: r.series.label, point: r.point });

/** What a finding covers before any comparison: runs still too few in seeds, or none. */
function nothingJudged(notes: readonly string[]): string {
  return notes.length > 0 ? `fewer than ${MIN_SEEDS} seeds per point so far` : "no runs yet";
}

/**
 * Where the comparisons of a finding were made, from the series themselves. Compared across
 * depths, each series sits at one sparsity: the range of the sparse ones is named, since the
 * comparison is at those sparsities and no other.
 */
function coverage(
  ranked: Ranked[][],
  where: string[],
  notes: readonly string[],
  axis: Axis = "sparsity",
): string {
  const points = ranked.flat();
  if (points.length === 0) return nothingJudged(notes);
  const seeds = [...new Set(points.map((r) => r.point.values.length))].sort((a, b) => a - b);
  const patterns = [...new Set(points.map((r) => r.series.label))].length;
  const sparsities = points.map((r) => r.series.sparsity).filter((s) => s > 0);
  const range = [Math.min(...sparsities), Math.max(...sparsities)].map((s) => s.toFixed(3));
  const atSparsity = axis === "layers" && sparsities.length > 0
    ? [range[0] === range[1] ? `sparsity ${range[0]}` : `sparsity ${range[0]}–${range[1]}`]
    : [];
  return [...where, ...atSparsity].join(", ") +
    `; ${patterns} series; ${seeds.join("–")} seeds per point`;
}

/** Where a finding's comparisons are made: the axis, and its points (default: every level). */
export interface ComparedAt {
  axis?: Axis;
  at?: number[];
}

/** How claimed and other series are compared at one level, and the note that says so. */
type LevelComparison = (
  mine: Ranked[],
  others: Ranked[],
  where: string,
  higherIsBetter: boolean,
) => { comparisons: Comparison[]; note: string };

/** A finding over series: which are claimed, and whether a higher metric is better. */
export type FindingBuilder = (
  finding: string,
  series: readonly SummarySeries[],
  claimed: (s: SummarySeries) => boolean,
  higherIsBetter: boolean,
  options?: ComparedAt,
) => Finding;

/**
 * A finding that collects `compare`'s comparisons at every level (or layer count, on the layers
 * axis) where claimed and other series were both run with enough seeds.
 */
function atEveryLevel(compare: LevelComparison): FindingBuilder {
  return (finding, series, claimed, higherIsBetter, options = {}) => {
    const axis = options.axis ?? "sparsity";
    const comparisons: Comparison[] = [];
    const notes: string[] = [];
    const judged: Ranked[][] = [];
    const where: string[] = [];
    for (const level of options.at ?? levelsOf(series)) {
      const ranked = rankAt(series, level, higherIsBetter, axis);
      const mine = ranked.filter((r) => claimed(r.series));
      const others = ranked.filter((r) => !claimed(r.series));
      const at = axis === "layers" ? `L = ${level}` : `level ${level}`;
      if (mine.length === 0 || others.length === 0) continue; // nothing to compare here
      if (!ranked.every((r) => r.point.values.length >= MIN_SEEDS)) {
        notes.push(`${at}: fewer than ${MIN_SEEDS} seeds for some pattern`);
        continue;
      }
      const made = compare(mine, others, at, higherIsBetter);
      comparisons.push(...made.comparisons);
      notes.push(`${at}: ${made.note}`);
      judged.push(ranked);
      where.push(at);
    }
    return { finding, covers: coverage(judged, where, notes, axis), comparisons, notes };
  };
}

/**
 * "The claimed series is worse than every other sparse one at every level": supported where
 * every other series beats it, opposed where it beats any other.
 */
export const worstComparisons: FindingBuilder = atEveryLevel(
  ([worst], others, at, higherIsBetter) => ({
    comparisons: others.flatMap((o) => [
      better(named(o), named(worst), higherIsBetter, true, at),
      better(named(worst), named(o), higherIsBetter, false, at),
    ]),
    note: `${worst.series.label} ${shown(worst.point)} against ${others.length} others, ` +
      `from ${others.map((o) => `${o.series.label} ${shown(o.point)}`).join(", ")}`,
  }),
);

/** Accuracy a point must exceed (mean over seeds, one-sided test) to count as learned. */
export const LEARNED = 0.9;

/**
 * "Every series `claimed` selects has learned (or, with `learned` false, has not) at depth L":
 * one-sample tests of each point's mean against {@link LEARNED}, supporting in the claimed
 * direction and opposing in the other.
 */
export function learnedComparisons(
  finding: string,
  series: readonly SummarySeries[],
  claimed: (s: SummarySeries) => boolean,
  layers: number,
  learned: boolean,
): Finding {
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  const judged: Ranked[] = [];
  for (const s of series.filter(claimed)) {
    const point = pointAt(s, layers, "layers");
    if (!point || point.values.length < MIN_SEEDS) {
      notes.push(`${s.label} at L = ${layers}: fewer than ${MIN_SEEDS} seeds`);
      continue;
    }
    const where = `${s.label} at L = ${layers}`;
    comparisons.push(
      beyond(where, point, LEARNED, learned, true),
      beyond(where, point, LEARNED, !learned, false),
    );
    notes.push(`${where}: ${shown(point)}`);
    judged.push({ series: s, point });
  }
  return {
    finding,
    covers: coverage([judged], [`L = ${layers}`], notes, "layers"),
    comparisons,
    notes,
  };
}
/** What a reach ceiling reads of a schedule: its length and each layer's pattern rows. */
export interface LayeredSchedule {
  n: number;
  patternAt(layer: number): { row(k: number): ArrayLike<number> };
}

/**
 * The inputs each token depends on after layers 1, 2, …, `layers` of the schedule, with the
 * residual stream: R_k^0 = {k}, R_k^ℓ = R_k^(ℓ−1) ∪ ⋃_{j ∈ A_k^ℓ} R_j^(ℓ−1). For patterns with
 * self-loops (every pattern of the sweeps) R_k^ℓ is Assumption 1's reach set S_k^ℓ; without them
 * the residual keeps what the model, whose blocks add attention to their input, can still see.
 * Yields one n × n table per layer: entry [k][j] is 1 when token k depends on input j.
 */
function* reachByLayer(schedule: LayeredSchedule, layers: number): Generator<Uint8Array[]> {
  const n = schedule.n;
  let reach = ownInputs(n);
  for (let layer = 0; layer < layers; layer++) {
    const pattern = schedule.patternAt(layer);
    reach = reach.map((own, k) => {
      const next = own.slice();
      for (const j of Array.from(pattern.row(k))) {
        for (let i = 0; i < n; i++) if (reach[j][i]) next[i] = 1;
      }
      return next;
    });
    yield reach;
  }
}

/** R^0: each token depends on its own input only. */
function ownInputs(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, k) => {
    const row = new Uint8Array(n);
    row[k] = 1;
    return row;
  });
}

/** The reach table after `layers` layers (R^0 at 0). */
export function reachAfter(schedule: LayeredSchedule, layers: number): Uint8Array[] {
  requireInteger("layers", layers, 0);
  let last: Uint8Array[] = ownInputs(schedule.n);
  for (const reach of reachByLayer(schedule, layers)) last = reach;
  return last;
}

/**
 * Best expected accuracy when a fraction `seeing` of the scored positions can read their answer
 * and the rest can only guess one of `symbols`: seeing + (1 − seeing)/symbols.
 */
function ceilingOf(seeing: number, symbols: number): number {
  requireInteger("symbols", symbols, 1);
  return seeing + (1 - seeing) / symbols;
}

/**
 * Reversal needs output k to see input n−1−k. After L layers of the schedule, token k sees
 * exactly its reach set S_k^L, so the best achievable accuracy is f + (1 − f)/symbols, where
 * f is the fraction of tokens whose mirror lies in their reach set (the rest can only guess).
 */
export function reversalAccuracyBound(
  schedule: LayeredSchedule,
  layers: number,
  symbols: number,
): number {
  const n = schedule.n;
  const seeing = reachAfter(schedule, layers).filter((row, k) => row[n - 1 - k] === 1).length / n;
  return ceilingOf(seeing, symbols);
}

/** The copy positions k = offset … n − 1, after checking that the offset fits the length. */
export function copyPositions(n: number, offset: number): number[] {
  requireInteger("offset", offset, 1);
  if (offset >= n) throw new InputError("offset", offset, `expected below the length n = ${n}`);
  return Array.from({ length: n - offset }, (_, i) => offset + i);
}

/**
 * Copying at offset o scores positions k ≥ o, each of which must output input k − o (its own
 * input is blank). After L layers token k sees its reach set, so the best achievable accuracy is
 * f + (1 − f)/symbols, f the fraction of scored positions whose source k − o is in reach: the
 * copy analogue of {@link reversalAccuracyBound}.
 */
export function copyAccuracyBound(
  schedule: LayeredSchedule,
  layers: number,
  symbols: number,
  offset: number,
): number {
  const positions = copyPositions(schedule.n, offset);
  const reach = reachAfter(schedule, layers);
  const seeing = positions.filter((k) => reach[k][k - offset] === 1).length / positions.length;
  return ceilingOf(seeing, symbols);
}

/**
 * For each copy position k = offset … n − 1 (index k − offset), the number of layers (hops) after
 * which its source k − o first lies in its reach set, or null when it does not within
 * `maxLayers`.
 */
export function copySourceHops(
  schedule: LayeredSchedule,
  offset: number,
  maxLayers: number,
): (number | null)[] {
  const positions = copyPositions(schedule.n, offset);
  requireInteger("maxLayers", maxLayers, 1);
  const hops: (number | null)[] = positions.map(() => null);
  let layer = 0;
  for (const reach of reachByLayer(schedule, maxLayers)) {
    layer++;
    positions.forEach((k, i) => {
      if (hops[i] === null && reach[k][k - offset] === 1) hops[i] = layer;
    });
    if (hops.every((h) => h !== null)) break;
  }
  return hops;
}

/** A series' accuracy ceiling at each planned depth (from its schedule's reach sets). */
export interface SeriesCeilings {
  label: string;
  ceilings: { layers: number; ceiling: number }[];
}

/** One committed point set against its series' ceiling at its depth. */
export interface CeilingCheck {
  label: string;
  layers: number;
  mean: number;
  /** Lower end of the 95% t interval over seeds. */
  lower: number;
  ceiling: number;
  seeds: number;
  /** The whole interval lies above the ceiling: significantly more than the reach sets allow. */
  above: boolean;
}

/**
 * Every committed point (layers axis, at least two seeds) of a series that has ceilings, set
 * against its ceiling at its depth. A correct model never beats what its reach sets let it see,
 * so a point `above` its ceiling means a bug in the model, the masks or the ceiling.
 */
export function pointsAgainstCeilings(
  series: readonly SummarySeries[],
  ceilings: readonly SeriesCeilings[],
): CeilingCheck[] {
  return ceilings.flatMap(({ label, ceilings: atDepth }) => {
    const found = series.find((s) => s.label === label);
    return atDepth.flatMap(({ layers, ceiling }) => {
      const point = found && pointAt(found, layers, "layers");
      if (!point || point.values.length < 2) return [];
      const { lower } = meanInterval(point.values);
      const seeds = point.values.length;
      return [{ label, layers, mean: point.mean, lower, ceiling, seeds, above: lower > ceiling }];
    });
  });
}

/**
 * One row per series with ceilings: its mean ± standard deviation at each depth ("—" where no
 * committed run is), the best mean and the ceiling at that depth (the gap is what training did
 * not find, not what the pattern forbids).
 */
export function accuracyAgainstCeilingRows(
  series: readonly SummarySeries[],
  ceilings: readonly SeriesCeilings[],
): Record<string, string>[] {
  return ceilings.map(({ label, ceilings: atDepth }) => {
    const found = series.find((s) => s.label === label);
    const points = atDepth.map(({ layers, ceiling }) => ({
      layers,
      ceiling,
      point: found && pointAt(found, layers, "layers"),
    }));
    const cells = points.map(({ layers, point }) => [
      `L=${layers}`,
      point ? `${point.mean.toFixed(2)}±${point.std.toFixed(2)}` : "—",
    ]);
    const run = points.filter((p) => p.point !== undefined);
    const best = run.reduce<typeof run[number] | undefined>(
      (a, b) => (!a || b.point!.mean > a.point!.mean ? b : a),
      undefined,
    );
    return {
      pattern: label,
      ...Object.fromEntries(cells),
      "best mean (at L)": best ? `${best.point!.mean.toFixed(3)} (L=${best.layers})` : "—",
      "ceiling there": best ? best.ceiling.toFixed(3) : "—",
    };
  });
}
