/** What both backward paths share: the float64 gradient sums and ρ's vector–Jacobian product. */
import { entmaxVjp } from "../probability_maps.ts";
import type { Floats } from "./spec.ts";

/** Where the backward pass writes dq, dk and dv (one fused array may serve all three). */
export interface GradientTargets {
  dq: Floats;
  dk: Floats;
  dv: Floats;
}

/**
 * The float64 sums of the key and value gradients, kept from call to call: a fresh
 * multi-megabyte array per step costs page faults and garbage collection. Safe because a call
 * never yields.
 */
let sumScratch = new Float64Array(0);

/** The sum scratch, at least `size` long (its contents are whatever the last call left). */
export function gradientSums(size: number): Float64Array {
  if (sumScratch.length < size) sumScratch = new Float64Array(size);
  return sumScratch;
}

/**
 * One row's score gradients from its probabilities p = probs[po …] and their upstream
 * gradients dp = dProbs[so …]: ds = scale · p ⊙ (dp − p·dp) for softmax (inline for speed),
 * the entmax-family product otherwise; written to dScores[so …].
 */
export function scoreGradients(
  probs: Float64Array,
  po: number,
  dProbs: Float64Array,
  dScores: Float64Array,
  so: number,
  count: number,
  alpha: number,
  scale: number,
): void {
  if (alpha === 1) {
    let mean = 0;
    for (let a = 0; a < count; a++) mean += probs[po + a] * dProbs[so + a];
    for (let a = 0; a < count; a++) {
      dScores[so + a] = scale * probs[po + a] * (dProbs[so + a] - mean);
    }
  } else {
    const out = dScores.subarray(so, so + count);
    const upstream = dProbs.subarray(so, so + count);
    entmaxVjp(probs.subarray(po, po + count), upstream, alpha, scale, out, 0, count);
  }
}
