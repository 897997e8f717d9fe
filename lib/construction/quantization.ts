/**
 * Step 2a: the positional embedding E and the quantization layers (notebooks/paper.md §2.3, §2.5).
 *
 * E (the lab's reconstruction of the bucket layout) moves coordinate 1 of each token by a
 * multiple of the bucket width W = δ^{−d+1}, so token ids u^T(X_k + E_k) fall into disjoint
 * buckets of D = δ^{−d} values, ordered along the Hamiltonian path γ: γ(2), …, γ(n) take
 * buckets 0, …, n−2 and the path start γ(1) takes the top bucket n−1.
 *
 * Quantization snaps every entry down to its grid level with layers z ↦ z + e^{(j)} φ(z_j − v),
 * φ(t) = −t on [0, δ), 0 elsewhere, v running upward over the levels coordinate j can hold: K
 * levels for each coordinate j ≥ 2, and for coordinate 1 the K levels inside each of the n
 * buckets E uses, so (n + d − 1)/δ layers. (Covering coordinate 1's whole range instead would
 * cost (d−1)/δ + nδ^{−d}; the gaps between buckets never hold a value, so we skip them.)
 */
import { InputError } from "../util/errors.ts";
import type { DeltaGrid } from "./grid.ts";
import type { QuantizeLayer } from "./layers.ts";

export interface BucketEmbedding {
  /** The Hamiltonian path γ (0-indexed tokens, path order). */
  gamma: readonly number[];
  /** Bucket of each token (index by token). */
  buckets: number[];
  /** E's shift of coordinate 1, per token, in units of δ (bucket·D). */
  offsets: bigint[];
  /** E itself, n×d token-major, real units. */
  matrix: Float64Array;
}

/** Throws unless γ is a permutation of [n]. */
export function requirePermutation(gamma: readonly number[], n: number): void {
  const seen = new Uint8Array(n);
  const valid = Array.isArray(gamma) && gamma.length === n &&
    gamma.every((k) => Number.isInteger(k) && k >= 0 && k < n && !seen[k] && (seen[k] = 1));
  if (!valid) throw new InputError("gamma", gamma, `expected a permutation of 0..${n - 1}`);
}

export function positionalEmbedding(
  grid: DeltaGrid,
  gamma: readonly number[],
): BucketEmbedding {
  const { n, d } = grid;
  requirePermutation(gamma, n);
  const bucketWidth = BigInt(grid.tokenValues); // W/δ = δ^{−d}
  const buckets = new Array<number>(n);
  gamma.forEach((token, i) => (buckets[token] = i === 0 ? n - 1 : i - 1));
  const offsets = buckets.map((bucket) => BigInt(bucket) * bucketWidth);
  const matrix = new Float64Array(n * d);
  offsets.forEach((offset, token) => (matrix[token * d] = Number(offset) * grid.delta));
  return { gamma, buckets, offsets, matrix };
}

/** The quantization layers for inputs in [0,1)^{d×n} + E. */
export function quantizationLayers(
  grid: DeltaGrid,
  embedding: BucketEmbedding,
): QuantizeLayer[] {
  const layers: QuantizeLayer[] = [];
  const K = BigInt(grid.levels);
  const bucketStarts = [...new Set(embedding.offsets)].sort((a, b) => (a < b ? -1 : 1));
  for (const start of bucketStarts) {
    for (let a = 0n; a < K; a++) layers.push({ kind: "quantize", coordinate: 0, level: start + a });
  }
  for (let coordinate = 1; coordinate < grid.d; coordinate++) {
    for (let a = 0n; a < K; a++) layers.push({ kind: "quantize", coordinate, level: a });
  }
  return layers;
}

/** The exact state of grid input `index` after E: levels a, plus E's offsets on coordinate 1. */
export function embeddedGridState(
  grid: DeltaGrid,
  embedding: BucketEmbedding,
  index: number,
): bigint[] {
  const levels = grid.levelsAt(index);
  const state = Array.from(levels, BigInt);
  for (let k = 0; k < grid.n; k++) state[k * grid.d] += embedding.offsets[k];
  return state;
}
