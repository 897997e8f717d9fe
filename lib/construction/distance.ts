/**
 * The distance of the theorem, d_p(f1, f2) = (∫_{[0,1]^{d×n}} ‖f1(X) − f2(X)‖_p^p dX)^{1/p}
 * (entry-wise ℓ^p, notebooks/paper.md §1.4), estimated by seeded Monte Carlo: the domain has volume
 * 1, so the integral is the mean of Y = ‖f1(X) − f2(X)‖_p^p over uniform X. The confidence interval
 * is the normal one for that mean, mapped through y ↦ y^{1/p} (monotone, so it stays valid).
 */
import { InputError, requireInteger, requireNumber } from "../util/errors.ts";
import { seededRng } from "../util/random.ts";
import { evaluateTarget, type SequenceFunction } from "./grid.ts";

export interface LpDistanceEstimate {
  lp: number;
  /** Estimated d_p. */
  estimate: number;
  /** Confidence interval for d_p. */
  low: number;
  high: number;
  confidence: number;
  samples: number;
  /** Mean of ‖f1 − f2‖_p^p and its standard error. */
  meanPower: number;
  standardError: number;
}

/** Two-sided standard normal quantiles for the confidence levels the lab offers. */
const NORMAL_QUANTILE: Record<string, number> = { "0.9": 1.6449, "0.95": 1.96, "0.99": 2.5758 };

/** Uniform samples X ∈ [0,1]^{n×d} from a seed (the same seed gives the same samples). */
export function uniformSamples(
  n: number,
  d: number,
  samples: number,
  seed: number,
): Float64Array[] {
  requireInteger("samples", samples, 2);
  const rng = seededRng(seed);
  return Array.from(
    { length: samples },
    () => Float64Array.from({ length: n * d }, () => rng.next()),
  );
}

/** Monte-Carlo d_p(f1, f2) with a confidence interval, p = `lp` ≥ 1. */
export function lpDistance(
  f1: SequenceFunction,
  f2: SequenceFunction,
  opts: {
    n: number;
    d: number;
    lp?: number;
    samples?: number;
    seed?: number;
    confidence?: number;
    inputs?: Float64Array[];
  },
): LpDistanceEstimate {
  const n = requireInteger("n", opts.n, 1);
  const d = requireInteger("d", opts.d, 1);
  const lp = requireNumber("lp", opts.lp ?? 2, 1);
  const confidence = opts.confidence ?? 0.95;
  const z = NORMAL_QUANTILE[String(confidence)];
  if (z === undefined) {
    throw new InputError(
      "confidence",
      confidence,
      `expected one of ${Object.keys(NORMAL_QUANTILE)}`,
    );
  }
  const inputs = opts.inputs ?? uniformSamples(n, d, opts.samples ?? 2000, opts.seed ?? 0);
  let sum = 0;
  let sumSquares = 0;
  for (const x of inputs) {
    const a = evaluateTarget(f1, x, "f1");
    const b = evaluateTarget(f2, x, "f2");
    let power = 0;
    for (let i = 0; i < a.length; i++) power += Math.abs(a[i] - b[i]) ** lp;
    sum += power;
    sumSquares += power * power;
  }
  const count = inputs.length;
  const meanPower = sum / count;
  const variance = Math.max(0, (sumSquares - count * meanPower * meanPower) / (count - 1));
  const standardError = Math.sqrt(variance / count);
  return {
    lp,
    estimate: meanPower ** (1 / lp),
    low: Math.max(0, meanPower - z * standardError) ** (1 / lp),
    high: (meanPower + z * standardError) ** (1 / lp),
    confidence,
    samples: count,
    meanPower,
    standardError,
  };
}
