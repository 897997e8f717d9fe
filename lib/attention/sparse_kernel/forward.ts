/** The kernel's forward pass: O_k = Σ_{j ∈ A_k} ρ[scale · (q_k · k_j)]_j v_j for every head. */
import { mapOfAlpha } from "../probability_maps.ts";
import { forwardLongRow, isLongRow, type LongRowScratch, longRowScratch } from "./long_rows.ts";
import { RowCursor } from "./rows.ts";
import {
  type CoreLayout,
  type CoreSpec,
  type Floats,
  forwardOnCompactArrays,
  sharesOneGraph,
} from "./spec.ts";

export interface CoreForward {
  out: Float64Array;
  /** ρ of every row, per batch item and head, in the graphs' CSR order. */
  probs: Float64Array;
}

/** The float64 core on compact arrays (tests, finite differences). */
export function coreForward(q: Floats, k: Floats, v: Floats, spec: CoreSpec): CoreForward {
  return forwardOnCompactArrays(
    Float64Array,
    spec,
    (layout, out, probs) => coreForwardInto(q, k, v, layout, spec, out, probs),
  );
}

/**
 * The forward pass: writes the heads' outputs (compact, batch × numQueries × heads·m) into
 * `out` and ρ of every row into `probs` (coreProbabilityCount long). Arithmetic is float64
 * whatever the arrays hold; each output value is stored once. Loops run query by query with
 * the heads inside, so a key's row is still in cache when the next head reads it.
 */
export function coreForwardInto(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  spec: CoreSpec,
  out: Floats,
  probs: Float64Array,
): void {
  const rows = new RowCursor(spec, layout);
  const { heads, headSize: m, alpha, scale } = spec;
  const map = alpha === 1 ? undefined : mapOfAlpha(alpha);
  const scores = new Float64Array(rows.longest);
  const sum = new Float64Array(m);
  const { kStride, vStride } = layout;
  const shared = sharesOneGraph(spec);
  const { numQueries, numKeys } = spec.graphs[0];
  const connections = spec.graphs[0].rowStart[numQueries];
  let long: LongRowScratch | undefined;
  while (rows.next()) {
    const { keys, start, count, po, qo, kBase, vBase, go: oo } = rows;
    if (shared && isLongRow(count, numKeys)) {
      // every head of a long row at once: one sweep over the keys, not one per head
      long ??= longRowScratch(heads, m, rows.longest);
      if (rows.head === 0) {
        forwardLongRow(q, k, v, layout, spec, rows, connections, out, probs, long);
      }
      continue;
    }
    let max = -Infinity;
    for (let a = 0; a < count; a++) {
      const ko = kBase + keys[start + a] * kStride;
      let dot = 0;
      for (let c = 0; c < m; c++) dot += q[qo + c] * k[ko + c];
      dot *= scale;
      scores[a] = dot;
      if (dot > max) max = dot;
    }
    if (map === undefined) {
      // softmax inline: the hot path, no allocation
      let total = 0;
      for (let a = 0; a < count; a++) {
        const e = Math.exp(scores[a] - max);
        probs[po + a] = e;
        total += e;
      }
      const inverse = 1 / total;
      for (let a = 0; a < count; a++) probs[po + a] *= inverse;
    } else {
      probs.set(map(scores.subarray(0, count)), po);
    }
    sum.fill(0);
    for (let a = 0; a < count; a++) {
      const p = probs[po + a];
      if (p === 0) continue;
      const vo = vBase + keys[start + a] * vStride;
      for (let c = 0; c < m; c++) sum[c] += p * v[vo + c];
    }
    for (let c = 0; c < m; c++) out[oo + c] = sum[c];
  }
}
