/**
 * From result files to figures and verdicts: results grouped by pattern and configuration, one
 * point per x value (layers, or sparsity level) with the mean and spread over seeds; line-plot
 * series with error bars; and "clearly better" tests that notebooks use to decide whether our
 * numbers agree with a finding of the paper, disagree with it, or cannot tell.
 */
import type { Series } from "../plot/mod.ts";
import { meanAndSpread } from "./metrics.ts";
import type { RunResult } from "./results.ts";
import { choiceLabel } from "./grid.ts";
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
  points: SummaryPoint[];
}

export type Axis = "layers" | "sparsity";

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
    return { label, pattern: runs[0].pattern, configuration: runs[0].configuration, points };
  }).sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * Line-plot series (mean ± one standard deviation over seeds). On the sparsity axis the dense
 * baseline, a single point at 0, becomes a flat dotted reference line across `xRange`.
 */
export function plotSeries(series: readonly SummarySeries[], xRange?: [number, number]): Series[] {
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
