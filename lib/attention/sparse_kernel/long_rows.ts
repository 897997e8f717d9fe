/**
 * Long rows: a star's relay query or a global token's row, spanning a good part of the keys.
 * When the heads share one graph, the forward pass handles such a row for every head at once,
 * and the backward pass defers its key and value gradients to the final sequential pass.
 */
import { mapOfAlpha } from "../probability_maps.ts";
import type { RowCursor } from "./rows.ts";
import type { CoreLayout, CoreSpec, Floats } from "./spec.ts";

/**
 * Rows longer than this and than numKeys / 8 (a star's relay query, a global token's row) are
 * handled for every head at once when the heads share one graph, and add their key and value
 * gradients late. Shorter rows (strided's ≈ 2√n) run faster head by head.
 */
export const LONG_ROW = 64;

/** Whether a row of `count` keys out of `numKeys` is long (see LONG_ROW). */
export function isLongRow(count: number, numKeys: number): boolean {
  return count > LONG_ROW && 8 * count >= numKeys;
}

export interface LongRowScratch {
  scores: Float64Array;
  max: Float64Array;
  sum: Float64Array;
}

export function longRowScratch(heads: number, m: number, longest: number): LongRowScratch {
  return {
    scores: new Float64Array(heads * longest),
    max: new Float64Array(heads),
    sum: new Float64Array(heads * m),
  };
}

/**
 * The forward pass of one long row for every head (the cursor on head 0, heads sharing one
 * graph): key by key with the heads inside, so the strided sweeps over k and v, which miss the
 * cache and the TLB on every key at large n, happen once instead of once per head.
 */
export function forwardLongRow(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  spec: CoreSpec,
  rows: RowCursor,
  connections: number,
  out: Floats,
  probs: Float64Array,
  { scores, max, sum }: LongRowScratch,
): void {
  const { heads, headSize: m, alpha, scale } = spec;
  const width = heads * m;
  const { keys, start, count, po, qo, kBase, vBase, go: oo } = rows;
  const { kStride, vStride } = layout;
  const map = alpha === 1 ? undefined : mapOfAlpha(alpha);
  max.fill(-Infinity);
  for (let a = 0; a < count; a++) {
    const ko = kBase + keys[start + a] * kStride;
    for (let h = 0, c0 = 0; h < heads; h++, c0 += m) {
      let dot = 0;
      for (let c = c0; c < c0 + m; c++) dot += q[qo + c] * k[ko + c];
      dot *= scale;
      scores[h * count + a] = dot;
      if (dot > max[h]) max[h] = dot;
    }
  }
  for (let h = 0; h < heads; h++) {
    const ph = po + h * connections;
    const so = h * count;
    if (map === undefined) {
      let total = 0;
      const top = max[h];
      for (let a = 0; a < count; a++) {
        const e = Math.exp(scores[so + a] - top);
        scores[so + a] = e;
        total += e;
      }
      const inverse = 1 / total;
      for (let a = 0; a < count; a++) probs[ph + a] = scores[so + a] * inverse;
    } else {
      probs.set(map(scores.subarray(so, so + count)), ph);
    }
  }
  sum.fill(0);
  for (let a = 0; a < count; a++) {
    const vo = vBase + keys[start + a] * vStride;
    for (let h = 0, c0 = 0; h < heads; h++, c0 += m) {
      const p = probs[po + h * connections + a];
      if (p === 0) continue;
      for (let c = c0; c < c0 + m; c++) sum[c] += p * v[vo + c];
    }
  }
  for (let c = 0; c < width; c++) out[oo + c] = sum[c];
}

/** Whether a row's keys ascend (then a long row can be merged with the final pass). */
function ascending(keys: Int32Array, start: number, end: number): boolean {
  for (let a = start + 1; a < end; a++) if (keys[a] <= keys[a - 1]) return false;
  return true;
}

/**
 * Whether the shared backward pass defers a row's key and value gradients: only rows spanning
 * a good part of the keys, since the final pass checks each deferred row at every key, which
 * stays O(connections) only while a deferred row has ≥ numKeys / 8 keys; and only ascending
 * rows, which the final pass meets in key order.
 */
export function defersRow(keys: Int32Array, start: number, count: number, numKeys: number) {
  return isLongRow(count, numKeys) && ascending(keys, start, start + count);
}

/** A deferred row: its place and its score gradients ds, head h's at h·count … */
export interface DeferredRow {
  row: number;
  start: number;
  count: number;
  ds: Float64Array;
}

/**
 * Adds to key j's sums (dk of all heads from `so`, then dv from `so + width`) what the deferred
 * rows of one batch item give it: ds·q_i and p·dO_i. `cursor[r]` is how far row r has been
 * walked; keys ascend, so each row's next key is either j or later.
 */
export function addDeferredRows(
  q: Floats,
  dOut: Floats,
  probs: Float64Array,
  layout: CoreLayout,
  spec: CoreSpec,
  keys: Int32Array,
  deferred: readonly DeferredRow[],
  cursor: Int32Array,
  pBase: number,
  connections: number,
  j: number,
  sums: Float64Array,
  so: number,
): void {
  const { heads, headSize: m } = spec;
  const width = heads * m;
  const { qOffset, qStride } = layout;
  for (let r = 0; r < deferred.length; r++) {
    const { row, start, count, ds } = deferred[r];
    const a = cursor[r];
    if (a === count || keys[start + a] !== j) continue;
    cursor[r] = a + 1;
    const qo = qOffset + row * qStride;
    const go = row * width;
    for (let h = 0, c0 = 0; h < heads; h++, c0 += m) {
      const p = probs[pBase + h * connections + start + a];
      const d = ds[h * count + a];
      for (let c = c0; c < c0 + m; c++) {
        sums[so + c] += d * q[qo + c];
        sums[so + width + c] += p * dOut[go + c];
      }
    }
  }
}
