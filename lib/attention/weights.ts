/**
 * One head's attention weights as an n×n matrix (row k: query token k, column j: key j), from
 * the float64 reference, and the check that they are a probability map over A_k: zero outside
 * the pattern, each row summing to 1. Notebook 04 draws them on a sentence.
 */
import type { SparsityPattern } from "../pattern/pattern.ts";
import { type HeadWeights, type Rho, sparseAttentionLayer } from "./reference.ts";

/** ρ[(W_K X_{A_k})^T W_Q X_k] for every query k, spread over its keys j ∈ A_k; 0 elsewhere. */
export function attentionWeightMatrix(
  x: Float64Array,
  n: number,
  d: number,
  pattern: SparsityPattern,
  head: HeadWeights,
  rho: Rho,
): Float64Array {
  const weights = new Float64Array(n * n);
  sparseAttentionLayer(x, n, d, pattern, [head], rho, {
    onScores: (_head, k, keys, _scores, probs) =>
      keys.forEach((j, a) => weights[k * n + j] = probs[a]),
  });
  return weights;
}

/**
 * The first row of `weights` (n×n) that is not a probability vector on A_k, in words — weight
 * outside the pattern, or a sum off 1 by more than `tolerance` — or null when every row is.
 */
export function attentionRowViolation(
  weights: Float64Array,
  pattern: SparsityPattern,
  tolerance = 1e-12,
): string | null {
  const n = pattern.n;
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const weight = weights[k * n + j];
      if (weight !== 0 && !pattern.has(k, j)) {
        return `${pattern.name}, row ${k}: weight ${weight} on key ${j} outside A_k`;
      }
      sum += weight;
    }
    if (Math.abs(sum - 1) > tolerance) return `${pattern.name}, row ${k}: weights sum to ${sum}`;
  }
  return null;
}

/** Whether every row of `weights` (n×n) puts all its weight on one key. */
export function rowsAreOneHot(weights: Float64Array, n: number): boolean {
  for (let k = 0; k < n; k++) {
    const row = weights.subarray(k * n, (k + 1) * n);
    if (!(row.some((w) => w === 1) && row.filter((w) => w !== 0).length === 1)) return false;
  }
  return true;
}
