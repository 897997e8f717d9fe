/**
 * Summarized series built by hand for the verdict and ceiling tests: a point's mean and sample
 * standard deviation over its seeds' values (0 with fewer than two), as `summarize` gives them.
 */
import type { SummaryPoint, SummarySeries } from "../../lib/train/summary.ts";

/**
 * The point at `x` (layers or sparsity) of these seeds' values, seeds 0, 1, …; `plateaued` of
 * its runs stopped on a plateau (default: all).
 */
export function summaryPoint(
  x: number,
  target: number | null,
  values: number[],
  plateaued = values.length,
): SummaryPoint {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = values.length < 2
    ? 0
    : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
  return {
    x,
    target,
    parameters: "",
    mean,
    std,
    values,
    seeds: values.map((_, seed) => seed),
    plateaued,
  };
}

/** A family's curve: one point per sparsity, each with its seeds' values. */
export function curveSeries(
  label: string,
  pattern: string,
  points: { x: number; values: number[]; plateaued?: number }[],
): SummarySeries {
  return {
    label,
    pattern,
    configuration: "single",
    sparsity: points.reduce((a, p) => a + p.x, 0) / points.length,
    points: points.map((p) => summaryPoint(p.x, p.x, p.values, p.plateaued)),
  };
}

/**
 * A one-point series of a single-configuration pattern at sparsity 0.7: at level `x` (its
 * target), or at `x` layers when `x` is 1 or more (no target).
 */
export function summarySeries(
  label: string,
  pattern: string,
  values: number[],
  x = 0.7,
): SummarySeries {
  return {
    label,
    pattern,
    configuration: "single",
    sparsity: 0.7,
    points: [summaryPoint(x, x < 1 ? x : null, values)],
  };
}
