/**
 * The lab's statistics, in one place: the median the benchmarks and timing comparisons use, and
 * the tests behind the experiment verdicts — Welch's two-sample t-test, a one-sample t-test
 * against a threshold, Holm's step-down adjustment of a family of p-values, the
 * intersection–union test of a claim made of several comparisons that must all hold, the t-test
 * of a least-squares slope (does a gap grow with sparsity?), the Wilson interval
 * for an accuracy measured on N test examples, and the t interval for a mean over seeds. The t
 * distribution comes from @stdlib (the family the data sets ship in), not from code written here.
 */
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { InputError } from "./errors.ts";

/** "greater": the first sample's mean is larger; "less": smaller; "two-sided": either. */
export type Alternative = "two-sided" | "greater" | "less";

export interface TTestResult {
  /** The t statistic (±Infinity when neither sample varies but the means differ). */
  t: number;
  /** Degrees of freedom (Welch–Satterthwaite for two samples). */
  df: number;
  /** The p-value under `alternative`. */
  p: number;
  /** Difference of the means (first − second, or mean − threshold). */
  difference: number;
  /** Standard error of that difference. */
  standardError: number;
}

function moments(
  values: readonly number[],
  parameter: string,
): { n: number; mean: number; variance: number } {
  if (values.length < 2) {
    throw new InputError(parameter, values.length, "need at least 2 values to estimate a variance");
  }
  for (const v of values) {
    if (!Number.isFinite(v)) throw new InputError(parameter, v, "expected finite values");
  }
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { n, mean, variance };
}

/** p-value of statistic `t` on `df` degrees of freedom under `alternative`. */
function pValue(t: number, df: number, alternative: Alternative): number {
  if (alternative === "greater") return 1 - tCdf(t, df);
  if (alternative === "less") return tCdf(t, df);
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/**
 * The degenerate case with no spread on either side: the t statistic is ±Infinity when the
 * means differ (p = 0 in the direction of the difference, 1 against it) and undefined when they
 * are equal, where no alternative has any support (p = 1).
 */
function degenerate(difference: number, df: number, alternative: Alternative): TTestResult {
  const t = difference === 0 ? 0 : difference > 0 ? Infinity : -Infinity;
  const p = difference === 0
    ? 1
    : alternative === "two-sided"
    ? 0
    : (alternative === "greater") === difference > 0
    ? 0
    : 1;
  return { t, df, p, difference, standardError: 0 };
}

/**
 * Welch's unequal-variance t-test of mean(a) − mean(b), with Welch–Satterthwaite degrees of
 * freedom. Each sample needs at least 2 values (InputError otherwise).
 */
export function welchTest(
  a: readonly number[],
  b: readonly number[],
  alternative: Alternative = "two-sided",
): TTestResult {
  const x = moments(a, "a");
  const y = moments(b, "b");
  const va = x.variance / x.n;
  const vb = y.variance / y.n;
  const difference = x.mean - y.mean;
  if (va + vb === 0) return degenerate(difference, x.n + y.n - 2, alternative);
  const standardError = Math.sqrt(va + vb);
  const df = (va + vb) ** 2 / (va ** 2 / (x.n - 1) + vb ** 2 / (y.n - 1));
  const t = difference / standardError;
  return { t, df, p: pValue(t, df, alternative), difference, standardError };
}

/** One-sample t-test of mean(values) − threshold on n − 1 degrees of freedom. */
export function oneSampleTest(
  values: readonly number[],
  threshold: number,
  alternative: Alternative = "two-sided",
): TTestResult {
  const x = moments(values, "values");
  const difference = x.mean - threshold;
  if (x.variance === 0) return degenerate(difference, x.n - 1, alternative);
  const standardError = Math.sqrt(x.variance / x.n);
  const t = difference / standardError;
  return { t, df: x.n - 1, p: pValue(t, x.n - 1, alternative), difference, standardError };
}

/**
 * The least-squares slope of y on x with its t-test on n − 2 degrees of freedom (does y move
 * with x? "greater": y grows with x). `difference` is the slope, `standardError` its standard
 * error. Needs at least 3 points and two distinct x (InputError otherwise); points exactly on a
 * line give t = ±Infinity (or 0 for a flat line).
 */
export function slopeTest(
  xs: readonly number[],
  ys: readonly number[],
  alternative: Alternative = "two-sided",
): TTestResult {
  if (xs.length !== ys.length) {
    throw new InputError("ys.length", ys.length, `expected ${xs.length}, one per x`);
  }
  if (xs.length < 3) throw new InputError("points", xs.length, "need at least 3 to test a slope");
  for (const v of [...xs, ...ys]) {
    if (!Number.isFinite(v)) throw new InputError("points", v, "expected finite values");
  }
  const n = xs.length;
  const meanX = xs.reduce((a, v) => a + v, 0) / n;
  const meanY = ys.reduce((a, v) => a + v, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - meanX) ** 2;
    sxy += (xs[i] - meanX) * (ys[i] - meanY);
  }
  if (sxx === 0) throw new InputError("xs", "all equal", "need two distinct x to fit a slope");
  const slope = sxy / sxx;
  let residuals = 0;
  for (let i = 0; i < n; i++) residuals += (ys[i] - meanY - slope * (xs[i] - meanX)) ** 2;
  const df = n - 2;
  if (residuals === 0) return degenerate(slope, df, alternative);
  const standardError = Math.sqrt(residuals / df / sxx);
  const t = slope / standardError;
  return { t, df, p: pValue(t, df, alternative), difference: slope, standardError };
}

/**
 * Holm–Bonferroni step-down adjusted p-values, in the input order: sort ascending, multiply the
 * i-th smallest (0-based) by m − i, carry the running maximum, cap at 1. Rejecting where the
 * adjusted p < α controls the family-wise error rate at α.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new InputError("p-value", p, "expected a number in [0, 1]");
  }
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

/**
 * The intersection–union test of a claim that holds only when every one of its comparisons does
 * ("X is worse than every other family, at every compared level"): its null hypothesis is the
 * union of the components' nulls, rejected at α exactly when every component is rejected at α,
 * so its p-value is the largest component p-value, with no adjustment for their number (the
 * test is conservative, not anti-conservative, however many components there are). An empty claim
 * has nothing to reject: p = 1.
 */
export function intersectionUnionP(pValues: readonly number[]): number {
  for (const p of pValues) {
    if (!(p >= 0 && p <= 1)) throw new InputError("p-value", p, "expected a number in [0, 1]");
  }
  return pValues.length === 0 ? 1 : Math.max(...pValues);
}

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
  level: number;
}

function requireLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new InputError("level", level, "expected 0 < level < 1");
}

/** The standard normal quantile, as the t quantile's limit for very many degrees of freedom. */
const normalQuantile = (p: number) => tQuantile(p, 1e12);

/**
 * Wilson score interval for a proportion of `successes` out of `trials` (an accuracy on `trials`
 * test examples): unlike the Wald interval it stays inside [0, 1] and is not degenerate at 0 or 1.
 */
export function wilsonInterval(successes: number, trials: number, level = 0.95): Interval {
  if (!Number.isInteger(trials) || trials < 1) {
    throw new InputError("trials", trials, "expected a positive integer");
  }
  if (!(successes >= 0 && successes <= trials)) {
    throw new InputError("successes", successes, `expected 0 to ${trials}`);
  }
  requireLevel(level);
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / trials;
  const denominator = 1 + z * z / trials;
  const centre = (p + z * z / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials));
  return {
    estimate: p,
    lower: Math.max(0, centre - half),
    upper: Math.min(1, centre + half),
    level,
  };
}

/** Two-sided t interval for the mean of `values` (e.g. one metric over seeds). */
export function meanInterval(values: readonly number[], level = 0.95): Interval {
  const x = moments(values, "values");
  requireLevel(level);
  const half = tQuantile(1 - (1 - level) / 2, x.n - 1) * Math.sqrt(x.variance / x.n);
  return { estimate: x.mean, lower: x.mean - half, upper: x.mean + half, level };
}

/** A p-value as verdicts print it: two significant digits, or "< 0.001". */
export function formatP(p: number): string {
  return p < 0.001 ? "< 0.001" : `= ${p.toPrecision(2)}`;
}

/** The median of a non-empty list (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
