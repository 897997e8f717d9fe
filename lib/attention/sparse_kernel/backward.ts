/**
 * The kernel's backward pass: gradients of Σ dOut ⊙ O with respect to q, k and v, from the
 * forward pass's probabilities. Heads that share one graph take backward_shared.ts's path;
 * per-head graphs are walked head by head here.
 */
import { backwardShared } from "./backward_shared.ts";
import { gradientSums, type GradientTargets, scoreGradients } from "./backward_common.ts";
import { RowCursor } from "./rows.ts";
import {
  backwardOnCompactArrays,
  type CoreLayout,
  type CoreSpec,
  type Floats,
  outputSize,
  sharesOneGraph,
} from "./spec.ts";

export interface CoreGradients {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
}

/** Gradients of Σ dOut ⊙ O with respect to q, k and v (float64, compact arrays). */
export function coreBackward(
  q: Floats,
  k: Floats,
  v: Floats,
  probs: Float64Array,
  dOut: Floats,
  spec: CoreSpec,
): CoreGradients {
  return backwardOnCompactArrays(
    Float64Array,
    spec,
    (layout, targets) => coreBackwardInto(q, k, v, layout, probs, dOut, spec, targets),
  );
}

/**
 * The backward pass from the forward pass's probabilities and the upstream gradient dOut
 * (compact). Writes every value of dq, dk and dv once, at the positions `layout` gives the
 * inputs (so dq, dk and dv may be one fused array). Keys and values receive sums over many
 * queries (a star's relay key over all n): those accumulate in float64 scratch arrays.
 */
export function coreBackwardInto(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  probs: Float64Array,
  dOut: Floats,
  spec: CoreSpec,
  targets: GradientTargets,
): void {
  if (sharesOneGraph(spec)) {
    backwardShared(q, k, v, layout, probs, dOut, spec, targets);
  } else {
    backwardPerHead(q, k, v, layout, probs, dOut, spec, targets);
  }
}

/** coreBackwardInto when heads have their own graphs: row by row, head by head. */
function backwardPerHead(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  probs: Float64Array,
  dOut: Floats,
  spec: CoreSpec,
  targets: GradientTargets,
): void {
  const rows = new RowCursor(spec, layout);
  const { batch, heads, headSize: m, alpha, scale } = spec;
  const { numKeys } = spec.graphs[0];
  const width = heads * m;
  const { kOffset, kStride, vOffset, vStride } = layout;
  const { dq } = targets;
  const size = outputSize(spec, "numKeys");
  const sums = gradientSums(2 * size);
  const dkSum = sums.subarray(0, size).fill(0);
  const dvSum = sums.subarray(size, 2 * size).fill(0);
  const dProbs = new Float64Array(rows.longest);
  const dScores = new Float64Array(rows.longest);
  const dqRow = new Float64Array(m);
  while (rows.next()) {
    const { keys, start, count, po, qo, kBase, vBase, go, sumBase } = rows;
    // dp_a = dO_i · v_j and dv_j += p_a dO_i
    for (let a = 0; a < count; a++) {
      const j = keys[start + a];
      const vo = vBase + j * vStride;
      const so = sumBase + j * width;
      const p = probs[po + a];
      let dot = 0;
      for (let c = 0; c < m; c++) {
        const g = dOut[go + c];
        dot += g * v[vo + c];
        dvSum[so + c] += p * g;
      }
      dProbs[a] = dot;
    }
    scoreGradients(probs, po, dProbs, dScores, 0, count, alpha, scale);
    // dq_i += ds_a k_j and dk_j += ds_a q_i
    dqRow.fill(0);
    for (let a = 0; a < count; a++) {
      const ds = dScores[a];
      if (ds === 0) continue;
      const j = keys[start + a];
      const ko = kBase + j * kStride;
      const so = sumBase + j * width;
      for (let c = 0; c < m; c++) {
        dqRow[c] += ds * k[ko + c];
        dkSum[so + c] += ds * q[qo + c];
      }
    }
    for (let c = 0; c < m; c++) dq[qo + c] = dqRow[c];
  }
  const { dk, dv } = targets;
  for (let token = 0; token < batch * numKeys; token++) {
    const ko = kOffset + token * kStride;
    const vo = vOffset + token * vStride;
    const so = token * width;
    for (let c = 0; c < width; c++) {
      dk[ko + c] = dkSum[so + c];
      dv[vo + c] = dvSum[so + c];
    }
  }
}
