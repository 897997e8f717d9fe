/**
 * What every reach-set engine answers (condition (3) of Assumption 1: S_k^1 = A_k^1,
 * S_k^t = ∪_{j ∈ A_k^{ℓ(t)}} S_j^{t−1}, s = min{t : S_k^t = [n] for all k}), the options they
 * take, and the validation of those options, shared by the engines and the verdict.
 */
import { InputError, requireInteger } from "../util/errors.ts";

/** Largest n the bitset engine takes on by itself (n² bits per state: 2 MiB at 4096). */
export const REACH_BITSET_MAX_N = 4096;

export interface ReachReport {
  /** s = min{t : S_k^t = [n] for all k}, or null when it does not exist or is undecided. */
  mixingDepth: number | null;
  /**
   * "found", "none" (proved: the reach sets repeat without filling, or with self-loops their
   * closure does not fill), or "unknown" (maxLayers reached, or the sets too fragmented to
   * iterate at this n: then `bounds` says what is known).
   */
  status: "found" | "none" | "unknown";
  /**
   * min / mean / max over tokens k of |S_k^t|, for t = 1, 2, … (index t − 1), for every layer
   * iterated one by one. Complete up to s (or the repetition) except when the depth was found
   * by squaring or bounds (method "squaring", "closure" or "bounds"): then it stops earlier.
   */
  sizes: { min: number; mean: number; max: number }[];
  /** |S_k^t| for every token, per layer, when requested. */
  tokenSizes?: Int32Array[];
  /** The sets themselves when requested: sets[t − 1][k·n + j] = 1 iff j ∈ S_k^t (n × n each). */
  sets?: Uint8Array[];
  /** When s does not exist: tokens j missing from some S_k, with one such k each (first 20). */
  neverReached?: { token: number; missingFrom: number }[];
  /** Number of tokens j that some token k never depends on. */
  neverReachedCount?: number;
  /** When undecided: s ≥ lower (if s exists) and s ≤ upper when an upper bound is known. */
  bounds?: { lower: number; upper: number | null };
  /**
   * How the answer was reached: "bitset" (n² bits per layer), "runs" (intervals per token,
   * layer by layer), "squaring" (interval maps, O(n log² n)), "closure" (strong connectivity
   * with self-loops) or "bounds" (eccentricities).
   */
  method?: "bitset" | "runs" | "squaring" | "closure" | "bounds";
  reason?: string;
}

export interface ReachOptions {
  /** Layers iterated before answering "unknown"; default max(64, 4·n·p). */
  maxLayers?: number;
  /** Record |S_k^t| per token and layer. */
  trackTokens?: boolean;
  /** Record the sets as n × n matrices per layer (n ≤ REACH_BITSET_MAX_N). */
  trackSets?: boolean;
  /**
   * "auto" (default): runs, then squaring for long interval-like schedules, the bitset engine
   * when runs fragment at n ≤ REACH_BITSET_MAX_N, bounds above that. "bitset" and "runs" force
   * one engine (tests compare them); "squaring" squares as soon as the schedule allows.
   */
  engine?: "auto" | "bitset" | "runs" | "squaring";
  /**
   * Runs the interval engine may merge before it hands over (to bitsets at small n, else to
   * the closure and bounds); default 4e8. A small value gives a quick bounded answer.
   */
  runsBudget?: number;
}

const REACH_ENGINES = ["auto", "bitset", "runs", "squaring"] as const;

export function validateReachOptions(options: ReachOptions, n: number): void {
  if (options === null || typeof options !== "object") {
    throw new InputError("options", options, "expected an object of reach-set options");
  }
  if (options.maxLayers !== undefined) requireInteger("maxLayers", options.maxLayers, 1);
  if (options.runsBudget !== undefined) requireInteger("runsBudget", options.runsBudget, 0);
  for (const key of ["trackTokens", "trackSets"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "boolean") {
      throw new InputError(key, options[key], "expected true or false");
    }
  }
  if (options.engine !== undefined && !REACH_ENGINES.includes(options.engine)) {
    throw new InputError("engine", options.engine, `expected one of ${REACH_ENGINES.join(", ")}`);
  }
  if (options.trackSets && n > REACH_BITSET_MAX_N) {
    throw new InputError(
      "trackSets",
      true,
      `stores n² = ${n * n} cells per layer; allowed up to n = ${REACH_BITSET_MAX_N} (n = ${n})`,
    );
  }
}
