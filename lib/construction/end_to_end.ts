/**
 * Theorem 1 end to end (notebooks/paper.md §1.8, §2.8): the three distances of the proof's
 * triangle inequality d_p(f, g) ≤ d_p(f, f̄) + d_p(f̄, ḡ) + d_p(ḡ, g), measured from the target
 * f to each stage — f̄ (step 1), ḡ (hardmax and Φ, step 2) and g for each step-3 setting (ρ[t·]
 * and ReLU ramps of width η) — on one set of seeded samples, so the stages compare sample by
 * sample.
 */
import type { ProbabilityMapName } from "../attention/probability_maps.ts";
import { lpDistance, type LpDistanceEstimate, uniformSamples } from "./distance.ts";
import type { SequenceFunction } from "./grid.ts";
import {
  constructionMargin,
  referenceFunction,
  scaledRho,
  type SmoothingSetting,
  type Theorem1Network,
} from "./network.ts";

/**
 * The step-3 setting with scale t = tFactor/ζ and ramp width η = δ/etaDivisor, where ζ = δ²/2 is
 * the construction's margin: the lab's way of growing t and shrinking η together.
 */
export function smoothingSetting(
  rho: ProbabilityMapName,
  delta: number,
  tFactor: number,
  etaDivisor: number,
): SmoothingSetting {
  return { rho, t: tFactor / constructionMargin(delta), eta: delta / etaDivisor };
}

export interface Theorem1Errors {
  /** d_p(f, f̄): the step-1 error. */
  fToFbar: LpDistanceEstimate;
  /** d_p(f, ḡ): equals d_p(f, f̄) up to rounding, since ḡ = f̄ on every cell. */
  fToGbar: LpDistanceEstimate;
  /** d_p(f, g), one per setting, in the order given. */
  fToG: LpDistanceEstimate[];
}

/** d_p from `target` to f̄, ḡ and g (one per setting) on the same seeded samples. */
export function theorem1Errors(
  target: SequenceFunction,
  network: Theorem1Network,
  settings: readonly SmoothingSetting[],
  options: { lp?: number; samples?: number; seed?: number } = {},
): Theorem1Errors {
  const { n, d } = network.mapping.grid;
  const inputs = uniformSamples(n, d, options.samples ?? 2000, options.seed ?? 0);
  const distance = (f: SequenceFunction) =>
    lpDistance(target, f, { n, d, lp: options.lp ?? 1, inputs });
  return {
    fToFbar: distance(network.fbar.evaluate),
    fToGbar: distance(referenceFunction(network)),
    fToG: settings.map(({ rho, t, eta }) =>
      distance(referenceFunction(network, { rho: scaledRho(rho, t), eta }))
    ),
  };
}
