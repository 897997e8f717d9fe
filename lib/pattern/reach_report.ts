/**
 * What every reach-set engine answers (condition (3) of Assumption 1: S_k^1 = A_k^1,
 * S_k^t = ∪_{j ∈ A_k^{ℓ(t)}} S_j^{t−1}, s = min{t : S_k^t = [n] for all k}), the options they
 * take, and the validation of those options, shared by the engines and the verdict.
 */
import { InputError, requireInteger } from "../util/errors.ts";

/**
 * The first layer t whose recorded sizes show S_k^t = [n] for every token k (the minimum of
 * |S_k^t| over k is n), or null when no recorded layer does. Read from the size trace alone, it
 * cross-checks a report's `mixingDepth`, which the engines may find another way (squaring,
 * closure).
 */
export function firstCoveringLayer(reach: Pick<ReachReport, "sizes">, n: number): number | null {
  requireInteger("n", n, 1);
  const index = reach.sizes.findIndex((size) => size.min === n);
  return index === -1 ? null : index + 1;
}

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

/** What an engine answers itself; the recorder adds the sizes, sets and method. */
export type EngineAnswer = Omit<ReachReport, "sizes" | "tokenSizes">;

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

/**
 * What every engine records layer by layer: the min / mean / max set size, each token's size
 * (with `trackTokens`) and the sets as n × n 0/1 matrices (with `trackSets`). An engine hands
 * over one layer as the size of token k's set and, when sets are tracked, a way to mark the
 * members of k's set in row k of a matrix.
 */
export class ReachRecorder {
  readonly sizes: ReachReport["sizes"] = [];
  readonly tokenSizes: Int32Array[] = [];
  readonly sets: Uint8Array[] = [];

  constructor(private readonly n: number, private readonly options: ReachOptions) {}

  /** Records one layer; returns whether every token reaches all n tokens. */
  record(sizeOf: (k: number) => number, markRow: (matrix: Uint8Array, k: number) => void): boolean {
    const { n } = this;
    let min = Infinity;
    let max = 0;
    let total = 0;
    const perToken = this.options.trackTokens ? new Int32Array(n) : undefined;
    for (let k = 0; k < n; k++) {
      const size = sizeOf(k);
      if (perToken) perToken[k] = size;
      if (size < min) min = size;
      if (size > max) max = size;
      total += size;
    }
    this.sizes.push({ min, mean: total / n, max });
    if (perToken) this.tokenSizes.push(perToken);
    if (this.options.trackSets) {
      const matrix = new Uint8Array(n * n);
      for (let k = 0; k < n; k++) markRow(matrix, k);
      this.sets.push(matrix);
    }
    return min === n;
  }

  /** An engine's answer with what was recorded: the sizes, and tokenSizes / sets if asked for. */
  finish(report: EngineAnswer, method: ReachReport["method"]): ReachReport {
    return {
      ...report,
      sizes: this.sizes,
      ...(this.options.trackTokens ? { tokenSizes: this.tokenSizes } : {}),
      ...(this.options.trackSets ? { sets: this.sets } : {}),
      method,
    };
  }
}
