/**
 * From result files to figures and verdicts: results grouped by pattern and configuration, one
 * point per x value (layers, or sparsity level) with the mean and spread over seeds; line-plot
 * series with error bars; and "clearly better" tests that notebooks use to decide whether our
 * numbers agree with a finding of the paper, disagree with it, or cannot tell.
 */
import { meanAndSpread } from "./metrics.ts";
import type { RunResult } from "./results.ts";
import { choiceLabel } from "./sweep_grid.ts";
import { InputError } from "../util/errors.ts";

export interface SummaryPoint {
  /** Layers, or the exact achieved sparsity (mean over seeds; RANDOM's differs by a hair). */
  x: number;
  /** The sparsity level asked for (null for dense and fixed-parameter patterns). */
  target: number | null;
  mean: number;
  std: number;
  values: number[];
}

export interface SummarySeries {
  label: string;
  pattern: string;
  configuration: string;
  /** The exact achieved sparsity, mean over every run of the series. */
  sparsity: number;
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

/** Groups results by pattern/configuration (and parameters), then by x; metric = final[key]. */
export function summarize(results: readonly RunResult[], key: string, axis: Axis): SummarySeries[] {
  const bySeries = new Map<string, RunResult[]>();
  for (const result of results) {
    if (typeof result.final[key] !== "number") {
      throw new InputError(
        "metric",
        key,
        `result ${result.runId} has ${Object.keys(result.final)}`,
      );
    }
    const parameters = result.sparsityTarget === null
      ? Object.entries(result.patternParameters).map(([k, v]) => `${k}=${v}`).join(", ")
      : "";
    const label = choiceLabel(result) +
      (parameters && result.pattern !== "dense" ? ` (${parameters})` : "");
    bySeries.set(label, [...(bySeries.get(label) ?? []), result]);
  }
  return [...bySeries.entries()].map(([label, runs]) => {
    const byX = new Map<string, RunResult[]>();
    for (const run of runs) {
      const xKey = axis === "layers" ? String(run.layers) : String(run.sparsityTarget ?? 0);
      byX.set(xKey, [...(byX.get(xKey) ?? []), run]);
    }
    const points = [...byX.values()].map((group): SummaryPoint => {
      const values = group.map((r) => r.final[key]);
      const { mean, std } = meanAndSpread(values);
      const x = axis === "layers"
        ? group[0].layers
        : meanAndSpread(group.map((r) => r.sparsity)).mean;
      return { x, target: group[0].sparsityTarget, mean, std, values };
    }).sort((a, b) => a.x - b.x);
    return {
      label,
      pattern: runs[0].pattern,
      configuration: runs[0].configuration,
      sparsity: meanAndSpread(runs.map((r) => r.sparsity)).mean,
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

/**
 * True when `a` beats `b` beyond noise: the gap of the means exceeds twice its standard error
 * (Welch; with fewer than two seeds on a side nothing is clear).
 */
export function clearlyBetter(a: SummaryPoint, b: SummaryPoint, higherIsBetter: boolean): boolean {
  if (a.values.length < 2 || b.values.length < 2) return false;
  const gap = higherIsBetter ? a.mean - b.mean : b.mean - a.mean;
  const standardError = Math.sqrt(
    a.std ** 2 / a.values.length + b.std ** 2 / b.values.length,
  );
  return gap > 2 * standardError && gap > 0;
}

/** The point of `series` at sparsity level `target` (or layer count), if it was run. */
export function pointAt(series: SummarySeries, x: number, axis: Axis): SummaryPoint | undefined {
  return series.points.find((p) => (axis === "layers" ? p.x === x : p.target === x));
}

export type Verdict = "agrees" | "disagrees" | "inconclusive";

/** "agrees" / "disagrees" when exactly one side holds, else "inconclusive". */
export function verdictOf(agreeing: boolean, disagreeing: boolean): Verdict {
  if (agreeing && !disagreeing) return "agrees";
  if (disagreeing && !agreeing) return "disagrees";
  return "inconclusive";
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
): { series: SummarySeries; point: SummaryPoint }[] {
  return series.flatMap((s) => {
    const point = s.pattern === "dense" ? undefined : pointAt(s, level, "sparsity");
    return point ? [{ series: s, point }] : [];
  }).sort((a, b) => (higherIsBetter ? b.point.mean - a.point.mean : a.point.mean - b.point.mean));
}

export interface FindingCheck {
  verdict: Verdict;
  evidence: string;
}

/** Seeds a point needs before a verdict leans on it (the full sweep runs 3). */
export const MIN_SEEDS = 3;

const seedsEnough = (ranked: { point: SummaryPoint }[]) =>
  ranked.every((r) => r.point.values.length >= MIN_SEEDS);

const shown = (p: SummaryPoint) => `${p.mean.toFixed(3)}±${p.std.toFixed(3)}`;

type Ranked = ReturnType<typeof rankAt>[number];

/**
 * Applies `judge` at every level where claimed and other series were both run with enough
 * seeds: the finding agrees when it holds at every judged level (at least one), disagrees when
 * some level shows the opposite beyond noise, and is inconclusive otherwise.
 */
function judgeEveryLevel(
  series: readonly SummarySeries[],
  claimed: (s: SummarySeries) => boolean,
  higherIsBetter: boolean,
  judge: (mine: Ranked[], others: Ranked[], ranked: Ranked[]) => {
    holds: boolean;
    opposite: boolean;
    note: string;
  },
): FindingCheck {
  let holdsEverywhere = true;
  let judged = 0;
  let opposite = false;
  const notes: string[] = [];
  for (const level of levelsOf(series)) {
    const ranked = rankAt(series, level, higherIsBetter);
    const mine = ranked.filter((r) => claimed(r.series));
    const others = ranked.filter((r) => !claimed(r.series));
    if (mine.length === 0 || others.length === 0) continue; // nothing to compare here
    if (!seedsEnough(ranked)) {
      notes.push(`at ${level}: fewer than ${MIN_SEEDS} seeds for some pattern`);
      continue;
    }
    judged++;
    const judgement = judge(mine, others, ranked);
    holdsEverywhere &&= judgement.holds;
    opposite ||= judgement.opposite;
    notes.push(`at ${level}: ${judgement.note}`);
  }
  return {
    verdict: verdictOf(holdsEverywhere && judged > 0, opposite),
    evidence: notes.join("; ") || "no runs yet",
  };
}

/**
 * "The claimed series are the best sparse ones at every level": holds where the best claimed
 * series is clearly better than every other; the opposite is an unclaimed series clearly better
 * than every claimed one.
 */
export function bestAtEveryLevel(
  series: readonly SummarySeries[],
  claimed: (s: SummarySeries) => boolean,
  higherIsBetter: boolean,
): FindingCheck {
  return judgeEveryLevel(series, claimed, higherIsBetter, ([bestMine], [bestOther]) => ({
    holds: clearlyBetter(bestMine.point, bestOther.point, higherIsBetter),
    opposite: clearlyBetter(bestOther.point, bestMine.point, higherIsBetter),
    note: `best claimed ${bestMine.series.label} ${shown(bestMine.point)} vs best other ` +
      `${bestOther.series.label} ${shown(bestOther.point)}`,
  }));
}

/**
 * "The claimed series is worse than every other sparse one at every level": holds where every
 * other series is clearly better; the opposite is the claimed series clearly beating another.
 */
export function worstAtEveryLevel(
  series: readonly SummarySeries[],
  claimed: (s: SummarySeries) => boolean,
  higherIsBetter: boolean,
): FindingCheck {
  return judgeEveryLevel(series, claimed, higherIsBetter, ([worst], others, ranked) => {
    const outranked = others.filter((o) => clearlyBetter(o.point, worst.point, higherIsBetter));
    return {
      holds: outranked.length === others.length,
      opposite: others.some((o) => clearlyBetter(worst.point, o.point, higherIsBetter)),
      note: `${worst.series.label} ${shown(worst.point)} is clearly beaten by ` +
        `${outranked.length} of ${others.length}, ranks ${
          ranked.indexOf(worst) + 1
        }/${ranked.length}`,
    };
  });
}

/**
 * Reversal needs output k to see input n−1−k. After L layers of the schedule, token k sees
 * exactly its reach set S_k^L, so the best achievable accuracy is f + (1 − f)/symbols, where
 * f is the fraction of tokens whose mirror lies in their reach set (the rest can only guess).
 */
export function reversalAccuracyBound(
  schedule: { n: number; patternAt(layer: number): { row(k: number): ArrayLike<number> } },
  layers: number,
  symbols: number,
): number {
  const n = schedule.n;
  // reach[k] = the set of inputs token k depends on after the layers so far (bit j of a row)
  let reach = Array.from({ length: n }, (_, k) => {
    const row = new Uint8Array(n);
    row[k] = 1;
    return row;
  });
  for (let layer = 0; layer < layers; layer++) {
    const pattern = schedule.patternAt(layer);
    reach = reach.map((_, k) => {
      const next = new Uint8Array(n);
      for (const j of Array.from(pattern.row(k))) {
        for (let i = 0; i < n; i++) if (reach[j][i]) next[i] = 1;
      }
      return next;
    });
  }
  const seeing = reach.filter((row, k) => row[n - 1 - k] === 1).length / n;
  return seeing + (1 - seeing) / symbols;
}
