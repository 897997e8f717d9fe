/**
 * Probability maps ρ in exact float64: each turns a score vector
 * v ∈ R^N into a probability vector, scaled as ρ[t·v]. Assumption 2 asks that ρ[t·v] tends to
 * hardmax as t grows, uniformly over score vectors whose top entry wins by a margin ζ.
 *
 * - softmax: exp(t v_j) / Σ exp(t v_i); never exactly one-hot.
 * - hardmax: one-hot at the argmax; ties share the mass equally (and can be reported).
 * - sparsemax (Martins & Astudillo 2016): Euclidean projection of t v onto the simplex.
 * - α-entmax (Peters et al. 2019): p_j = [(α−1) t v_j − τ]_+^{1/(α−1)} with τ making Σ p = 1;
 *   α → 1 is softmax, α = 2 is sparsemax, α = 1.5 is the usual "entmax15".
 */
import { InputError, requireNumber } from "../util/errors.ts";

export type ProbabilityMapName = "softmax" | "hardmax" | "sparsemax" | "entmax15";

/** ρ applied to a score vector with scale t (default 1): returns ρ[t·scores], a new array. */
export type ProbabilityMap = (scores: Float64Array, t?: number) => Float64Array;

export const PROBABILITY_MAP_NAMES: readonly ProbabilityMapName[] = [
  "softmax",
  "hardmax",
  "sparsemax",
  "entmax15",
];

/** Called by hardmax when several entries share the maximum (their indices, ascending). */
export type TieListener = (tiedIndices: number[], scores: Float64Array) => void;

function requireNonEmpty(scores: Float64Array): void {
  if (scores.length === 0) {
    throw new InputError("scores", [], "a probability map needs at least one score");
  }
}

/**
 * t·(v − max v): the scaled scores shifted so the largest is 0. Every map here is invariant
 * under adding a constant to all scores, and shifting before scaling keeps t·v from
 * overflowing (t = 1e300 times a score of 10 is Infinity, and Infinity − Infinity is NaN).
 * Entries at +Infinity are the limit's winners: they become 0 and every other entry −Infinity.
 * A NaN score throws an InputError naming its index.
 */
function scaled(scores: Float64Array, t: number): Float64Array {
  requireNonEmpty(scores);
  requireNumber("t", t, 0);
  let max = -Infinity;
  for (let j = 0; j < scores.length; j++) {
    const v = scores[j];
    if (Number.isNaN(v)) throw new InputError(`scores[${j}]`, v, "expected a number (not NaN)");
    if (v > max) max = v;
  }
  const out = new Float64Array(scores.length);
  if (max === -Infinity || t === 0) return out; // all scores equal in the limit: uniform
  for (let j = 0; j < scores.length; j++) {
    const v = scores[j];
    if (max === Infinity) out[j] = v === Infinity ? 0 : -Infinity;
    else if (v !== max) out[j] = t * (v - max); // v − max ≤ 0 may be −Infinity: weight 0
  }
  return out;
}

function maxOf(values: Float64Array): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  return max;
}

/**
 * exp(t v_j) / Σ exp(t v_i), computed as exp(t (v_j − max v)) / Σ …: every exponent is ≤ 0
 * and the largest is exactly 0, so the sum is in [1, N] and the result is finite for every
 * finite t ≥ 0 (t = 1e300 gives the hardmax limit, ties sharing equally).
 */
export function softmax(scores: Float64Array, t = 1): Float64Array {
  const z = scaled(scores, t);
  let sum = 0;
  for (let j = 0; j < z.length; j++) {
    z[j] = Math.exp(z[j]);
    sum += z[j];
  }
  for (let j = 0; j < z.length; j++) z[j] /= sum;
  return z;
}

/**
 * σ_H: one-hot at the argmax. The scale t > 0 does not change the result (t = 0 gives the
 * uniform vector, as every map here does). Exact ties split the mass equally (the
 * construction's "harmless ties") and are reported to `onTie` when given.
 */
export function hardmax(scores: Float64Array, t = 1, onTie?: TieListener): Float64Array {
  scaled(scores, t); // validates
  const max = maxOf(scores);
  const winners: number[] = [];
  for (let j = 0; j < scores.length; j++) if (t === 0 || scores[j] === max) winners.push(j);
  const out = new Float64Array(scores.length);
  for (const j of winners) out[j] = 1 / winners.length;
  if (winners.length > 1 && onTie) onTie(winners, scores);
  return out;
}

/** Scores sorted in descending order (a copy). */
function sortedDescending(z: Float64Array): Float64Array {
  return Float64Array.from(z).sort().reverse();
}

/**
 * Sparsemax: argmin_{p ∈ simplex} ‖p − t·v‖². With z sorted descending, the support is the
 * largest k with 1 + k z_(k) > Σ_{i≤k} z_(i), and τ = (Σ_{i≤k} z_(i) − 1)/k.
 */
export function sparsemax(scores: Float64Array, t = 1): Float64Array {
  const z = scaled(scores, t);
  const sorted = sortedDescending(z);
  let cumulative = 0;
  let tau = sorted[0] - 1;
  for (let k = 1; k <= sorted.length; k++) {
    cumulative += sorted[k - 1];
    if (1 + k * sorted[k - 1] > cumulative) tau = (cumulative - 1) / k;
    else break;
  }
  for (let j = 0; j < z.length; j++) z[j] = Math.max(0, z[j] - tau);
  return normalize(z); // removes rounding in z − τ so a one-hot output is exactly 1
}

/**
 * 1.5-entmax by the exact sort-based algorithm of Peters et al. (2019): with x = t·v/2 sorted
 * descending, τ for a support of size k solves Σ_{i≤k} (x_(i) − τ)² = 1; the support is the
 * largest k whose τ_k ≤ x_(k). p_j = [x_j − τ]_+².
 */
export function entmax15(scores: Float64Array, t = 1): Float64Array {
  const x = scaled(scores, t / 2);
  const sorted = sortedDescending(x);
  let sum = 0;
  let sumSquares = 0;
  let tau = sorted[0] - 1;
  for (let k = 1; k <= sorted.length; k++) {
    const value = sorted[k - 1];
    sum += value;
    sumSquares += value * value;
    const mean = sum / k;
    const spread = sumSquares / k - mean * mean; // variance of the top k
    const candidate = mean - Math.sqrt(Math.max(0, (1 - k * spread) / k));
    if (candidate <= value) tau = candidate;
    else break;
  }
  for (let j = 0; j < x.length; j++) {
    const excess = Math.max(0, x[j] - tau);
    x[j] = excess * excess;
  }
  return normalize(x);
}

function normalize(p: Float64Array): Float64Array {
  let sum = 0;
  for (const v of p) sum += v;
  for (let j = 0; j < p.length; j++) p[j] /= sum;
  return p;
}

/**
 * General α-entmax (α ≥ 1). α = 1, 1.5 and 2 use the closed forms (softmax, entmax15,
 * sparsemax); any other α uses bisection (entmaxBisect).
 */
export function entmax(alpha: number): ProbabilityMap {
  requireNumber("alpha", alpha, 1);
  if (alpha === 1) return softmax;
  if (alpha === 1.5) return entmax15;
  if (alpha === 2) return sparsemax;
  return entmaxBisect(alpha);
}

/**
 * α-entmax (α > 1) by bisection on τ: Σ_j [(α−1) t v_j − τ]_+^{1/(α−1)} = 1 has its root in
 * [max − 1, max − N^{1−α}] (max of the scaled scores). Entries at or below τ are exact zeros,
 * so the result is exactly one-hot once only the top entry clears τ.
 */
export function entmaxBisect(alpha: number): ProbabilityMap {
  requireNumber("alpha", alpha, 1 + Number.EPSILON);
  const exponent = 1 / (alpha - 1);
  return (scores: Float64Array, t = 1) => {
    const z = scaled(scores, t * (alpha - 1));
    const max = maxOf(z);
    const mass = (tau: number) => {
      let total = 0;
      for (const v of z) if (v > tau) total += Math.pow(v - tau, exponent);
      return total;
    };
    let lo = max - 1; // mass(lo) >= 1
    let hi = max - Math.pow(z.length, 1 - alpha); // mass(hi) <= 1
    for (let iteration = 0; iteration < 200; iteration++) {
      const mid = (lo + hi) / 2;
      if (mid === lo || mid === hi) break; // converged to adjacent doubles
      if (mass(mid) >= 1) lo = mid;
      else hi = mid;
    }
    for (let j = 0; j < z.length; j++) z[j] = z[j] > lo ? Math.pow(z[j] - lo, exponent) : 0;
    return normalize(z);
  };
}

/** The map called `name`; an unknown name throws an InputError listing the known ones. */
export function probabilityMap(
  name: ProbabilityMapName,
  options: { onTie?: TieListener } = {},
): ProbabilityMap {
  switch (name) {
    case "softmax":
      return softmax;
    case "hardmax":
      return (scores, t) => hardmax(scores, t, options.onTie);
    case "sparsemax":
      return sparsemax;
    case "entmax15":
      return entmax15;
    default:
      throw unknownMap(name);
  }
}

function unknownMap(name: unknown): InputError {
  return new InputError(
    "rho",
    name,
    `unknown probability map; known: ${PROBABILITY_MAP_NAMES.join(", ")}, or entmax(alpha)`,
  );
}

/**
 * The smallest scale t that Assumption 2's analysis proves sufficient for
 * ρ[t·v]_{j*} ≥ 1 − η whenever v's top entry beats the rest by ζ, with N = |v|. hardmax: 0
 * (any t works); sparsemax: 1/ζ; α-entmax: 1/((α−1)ζ), both then exactly one-hot;
 * softmax: ln((N−1)(1−η)/η)/ζ.
 */
export function assumption2Threshold(
  map: ProbabilityMapName | { alpha: number },
  margin: number,
  options: { eta?: number; size?: number } = {},
): number {
  const zeta = requireNumber("margin", margin, Number.MIN_VALUE);
  if (typeof map === "object") return 1 / ((requireNumber("alpha", map.alpha, 1) - 1) * zeta);
  switch (map) {
    case "hardmax":
      return 0;
    case "sparsemax":
      return 1 / zeta;
    case "entmax15":
      return 2 / zeta;
    case "softmax": {
      const eta = requireNumber("eta", options.eta ?? 0.01, Number.MIN_VALUE, 1);
      const size = options.size ?? 2;
      if (!Number.isInteger(size) || size < 1) {
        throw new InputError("size", size, "expected a positive integer |A_k|");
      }
      return Math.max(0, Math.log(((size - 1) * (1 - eta)) / eta) / zeta);
    }
    default:
      throw unknownMap(map);
  }
}

/**
 * The α of a named map within the entmax family: softmax is α = 1, 1.5-entmax α = 1.5,
 * sparsemax α = 2; hardmax is the limit α → ∞ (it has no useful gradient).
 */
export function entmaxAlpha(name: ProbabilityMapName | { alpha: number }): number {
  if (typeof name === "object" && name !== null) return requireNumber("alpha", name.alpha, 1);
  switch (name) {
    case "softmax":
      return 1;
    case "entmax15":
      return 1.5;
    case "sparsemax":
      return 2;
    case "hardmax":
      return Infinity;
    default:
      throw unknownMap(name);
  }
}

/** The map of the entmax family with this α (Infinity gives hardmax). */
export function mapOfAlpha(alpha: number): ProbabilityMap {
  return alpha === Infinity ? hardmax : entmax(alpha);
}

/**
 * Vector–Jacobian product of p = ρ[t·v] for the entmax family (Peters et al. 2019): with
 * s_j = p_j^{2−α} on the support (α = 1: s = p; α = 2: s = 1), ∂L/∂v = t·(s ⊙ g − s·(s·g)/Σs)
 * where g = ∂L/∂p. Writes into `out` (length = probs.length). Hardmax has no gradient.
 */
export function entmaxVjp(
  probs: ArrayLike<number>,
  upstream: ArrayLike<number>,
  alpha: number,
  t: number,
  out: Float64Array,
  offset = 0,
  length = probs.length - offset,
): void {
  if (alpha === Infinity) {
    throw new InputError("rho", "hardmax", "hardmax has no gradient: train with another map");
  }
  const exponent = 2 - alpha;
  let weighted = 0;
  let total = 0;
  for (let a = 0; a < length; a++) {
    const p = probs[offset + a];
    const s = p > 0 ? (exponent === 1 ? p : Math.pow(p, exponent)) : 0;
    out[offset + a] = s;
    weighted += s * upstream[offset + a];
    total += s;
  }
  const mean = weighted / total;
  for (let a = 0; a < length; a++) {
    out[offset + a] = t * out[offset + a] * (upstream[offset + a] - mean);
  }
}
