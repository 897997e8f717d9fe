/**
 * Assumption 2 put to the test: the score vectors it quantifies over (every v whose top entry
 * beats the rest by at least ζ) and the weight a probability map leaves on the winner. The worst
 * case puts the winner exactly ζ above N − 1 tied runners-up; random vectors with margin ≥ ζ
 * check that no other vector does worse.
 */
import { requireInteger, requireNumber } from "../util/errors.ts";
import { seededRng } from "../util/random.ts";
import type { ProbabilityMap } from "./probability_maps.ts";

/** The worst case for margin ζ with `size` keys: winner (index 0) at ζ, the others tied at 0. */
export function worstCaseScores(size: number, margin: number): Float64Array {
  const scores = new Float64Array(requireInteger("size", size, 1));
  scores[0] = requireNumber("margin", margin, 0);
  return scores;
}

export interface MarginTrialOptions {
  /** Random vectors drawn. */
  trials: number;
  /** Each has 2 … maxSize keys. */
  maxSize: number;
  /** The winner beats the runner-up by ζ·(1 + u), u uniform in [0, 1): always ≥ ζ. */
  margin: number;
  seed: number;
}

/**
 * The lowest weight each map puts on the winner over `trials` random score vectors with margin
 * at least ζ (sizes 2 … maxSize, scores uniform in [−2, 2), winner at a random index), each map
 * applied at its own scale t. Seeded: the same options give the same vectors.
 */
export function lowestWinnerWeights(
  maps: readonly { name: string; map: ProbabilityMap; t: number }[],
  options: MarginTrialOptions,
): Record<string, number> {
  const trials = requireInteger("trials", options.trials, 1);
  const maxSize = requireInteger("maxSize", options.maxSize, 2);
  const margin = requireNumber("margin", options.margin, Number.MIN_VALUE);
  const rng = seededRng(options.seed);
  const lowest = Object.fromEntries(maps.map(({ name }) => [name, 1]));
  for (let trial = 0; trial < trials; trial++) {
    const size = 2 + rng.int(maxSize - 1);
    const scores = Float64Array.from({ length: size }, () => 4 * rng.next() - 2);
    const winner = rng.int(size);
    const runnerUp = Math.max(...scores.filter((_, j) => j !== winner));
    scores[winner] = runnerUp + margin * (1 + rng.next());
    for (const { name, map, t } of maps) {
      lowest[name] = Math.min(lowest[name], map(scores, t)[winner]);
    }
  }
  return lowest;
}
