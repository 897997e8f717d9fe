/**
 * Assumption 1 of Yun et al. (2020) for any schedule of p patterns (digest §1.6):
 *   (1) self-loops: k ∈ A_k^ℓ for every token k and pattern ℓ;
 *   (2) a Hamiltonian path in the union graph: a permutation γ with γ(i) ∈ ∪_ℓ A_{γ(i+1)}^ℓ
 *       (each next token on the path attends to its predecessor);
 *   (3) finite mixing depth: S_k^1 = A_k^1, S_k^t = ∪_{j ∈ A_k^{ℓ(t)}} S_j^{t−1} with the
 *       patterns cycled, and s = min{t : S_k^t = [n] for all k} exists.
 * Every verdict carries its evidence: the tokens lacking a self-loop, the path as a witness,
 * the reach-set sizes layer by layer and, when s does not exist, the tokens never reached.
 */
import { InputError, requireInteger } from "../util/errors.ts";
import { printable } from "../util/text.ts";
import {
  asSchedule,
  type PatternLike,
  type Schedule,
  type SparsityPattern,
  unionOf,
} from "./pattern.ts";

// ---------------------------------------------------------------------------------------------
// (1) Self-loops

export interface SelfLoopReport {
  holds: boolean;
  /** Per pattern ℓ (0-indexed), the tokens k with k ∉ A_k^ℓ (only patterns that miss some). */
  missing: { pattern: number; tokens: number[] }[];
}

export function checkSelfLoops(pattern: PatternLike): SelfLoopReport {
  const missing = asSchedule(pattern).patterns
    .map((p, index) => ({ pattern: index, tokens: p.tokensWithoutSelfLoop() }))
    .filter((entry) => entry.tokens.length > 0);
  return { holds: missing.length === 0, missing };
}

// ---------------------------------------------------------------------------------------------
// (2) Hamiltonian path

export interface HamiltonianPathReport {
  /** "found" with a witness, "none" when proved impossible, "unknown" past what is decidable. */
  status: "found" | "none" | "unknown";
  path: number[] | null;
  /** How the answer was obtained (for the reader and for tests). */
  method: string;
  reason?: string;
}

/** Largest n for which the search is exhaustive (Held–Karp over subsets: 2^n states). */
export const EXACT_HAMILTONIAN_MAX_N = 20;

/** Checks that `path` is a permutation of [n] whose every next token attends to its predecessor. */
export function isHamiltonianPath(pattern: PatternLike, path: readonly number[]): boolean {
  const schedule = asSchedule(pattern);
  const n = schedule.n;
  if (path.length !== n) return false;
  const seen = new Uint8Array(n);
  for (const token of path) {
    if (!Number.isInteger(token) || token < 0 || token >= n || seen[token]) return false;
    seen[token] = 1;
  }
  for (let i = 0; i + 1 < n; i++) {
    if (!schedule.patterns.some((p) => p.has(path[i + 1], path[i]))) return false;
  }
  return true;
}

/**
 * Finds a Hamiltonian path of the union graph (edge a → b when a ∈ ∪_ℓ A_b^ℓ, a ≠ b).
 * Exact for n ≤ 20; for larger n it tries the orders every windowed pattern has, refutes by
 * necessary conditions (forced endpoints, the strongly connected components must form a
 * chain), then searches with a bounded budget and answers "unknown" when that runs out.
 */
export function findHamiltonianPath(
  pattern: PatternLike,
  options: { searchBudget?: number } = {},
): HamiltonianPathReport {
  const schedule = asSchedule(pattern);
  const n = schedule.n;
  if (options === null || typeof options !== "object") {
    throw new InputError("options", options, "expected an object {searchBudget?}");
  }
  if (options.searchBudget !== undefined) {
    requireInteger("searchBudget", options.searchBudget, 1);
  }
  if (n === 1) return { status: "found", path: [0], method: "trivial" };

  // The orders windowed patterns have, tried before the union or any per-token list is built.
  const attends = (k: number, j: number) => schedule.patterns.some((p) => p.has(k, j));
  const identity = Array.from({ length: n }, (_, i) => i);
  if (identity.every((_, i) => i === 0 || attends(i, i - 1))) {
    return { status: "found", path: identity, method: "identity order" };
  }
  const reversed = identity.slice().reverse();
  if (reversed.every((token, i) => i === 0 || attends(token, reversed[i - 1]))) {
    return { status: "found", path: reversed, method: "reversed order" };
  }
  const union = schedule.numPatterns === 1
    ? schedule.patterns[0]
    : unionOf(schedule.patterns, "union");
  // pred[b]: tokens b attends to (may precede b); succ[a]: tokens that attend to a.
  const pred: number[][] = [];
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (let b = 0; b < n; b++) {
    const row = Array.from(union.row(b)).filter((a) => a !== b);
    pred.push(row);
    for (const a of row) succ[a].push(b);
  }

  const refutation = refuteHamiltonianPath(n, pred, succ);
  if (refutation) {
    return { status: "none", path: null, method: "necessary condition", reason: refutation };
  }

  if (n <= EXACT_HAMILTONIAN_MAX_N) return heldKarp(n, succ);

  const path = boundedSearch(n, pred, succ, options.searchBudget ?? 200_000);
  if (path) return { status: "found", path, method: "depth-first search" };
  return {
    status: "unknown",
    path: null,
    method: "depth-first search",
    reason: `n = ${n} > ${EXACT_HAMILTONIAN_MAX_N} and the bounded search found no path; ` +
      "not decided",
  };
}

/** A reason no Hamiltonian path can exist, or null when these necessary conditions pass. */
function refuteHamiltonianPath(n: number, pred: number[][], succ: number[][]): string | null {
  const mustStart = pred.flatMap((row, token) => (row.length === 0 ? [token] : []));
  if (mustStart.length > 1) {
    return `tokens ${mustStart.slice(0, 5).join(", ")} attend to no other token, ` +
      "so each would have to start the path";
  }
  const mustEnd = succ.flatMap((row, token) => (row.length === 0 ? [token] : []));
  if (mustEnd.length > 1) {
    return `tokens ${mustEnd.slice(0, 5).join(", ")} are attended by no other token, ` +
      "so each would have to end the path";
  }
  // A Hamiltonian path visits the strongly connected components in a topological order, so
  // that order must be unique: every consecutive pair needs an edge.
  const components = stronglyConnectedComponents(n, succ);
  const order = components.order; // topological order of component ids (sources first)
  for (let i = 0; i + 1 < order.length; i++) {
    const from = order[i];
    const to = order[i + 1];
    const linked = components.members[from].some((a) =>
      succ[a].some((b) => components.id[b] === to)
    );
    if (!linked) {
      return `the union graph's strongly connected components do not form a chain ` +
        `(nothing in {${components.members[from].slice(0, 4)}${
          components.members[from].length > 4 ? ", …" : ""
        }} leads to {${components.members[to].slice(0, 4)}${
          components.members[to].length > 4 ? ", …" : ""
        }})`;
    }
  }
  return null;
}

/** Tarjan's algorithm, iterative; components returned in topological order (sources first). */
function stronglyConnectedComponents(n: number, succ: number[][]) {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const id = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  const members: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, edge] = frame;
      if (edge === 0) {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = 1;
      }
      if (edge < succ[v].length) {
        frame[1]++;
        const w = succ[v][edge];
        if (index[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v], index[w]);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = 0;
          id[w] = members.length;
          component.push(w);
        } while (w !== v);
        members.push(component.sort((a, b) => a - b));
      }
    }
  }
  // Tarjan emits components in reverse topological order.
  const order = members.map((_, i) => members.length - 1 - i);
  return { id, members, order };
}

/** Exact search over subsets: ends[mask] = bitset of tokens where a path covering mask can end. */
function heldKarp(n: number, succ: number[][]): HamiltonianPathReport {
  const succMask = new Uint32Array(n);
  succ.forEach((row, a) => row.forEach((b) => (succMask[a] |= 1 << b)));
  const full = (1 << n) - 1; // n ≤ EXACT_HAMILTONIAN_MAX_N, so this fits in 31 bits
  const ends = new Uint32Array(1 << n);
  for (let v = 0; v < n; v++) ends[1 << v] = 1 << v;
  for (let mask = 1; mask <= full; mask++) {
    let current = ends[mask];
    if (current === 0) continue;
    let next = 0;
    while (current !== 0) {
      const v = 31 - Math.clz32(current & -current);
      current &= current - 1;
      next |= succMask[v];
    }
    next &= ~mask;
    while (next !== 0) {
      const bit = next & -next;
      next &= next - 1;
      ends[mask | bit] |= bit;
    }
  }
  if (ends[full] === 0) {
    return {
      status: "none",
      path: null,
      method: "exhaustive search",
      reason: `no ordering of the ${n} tokens has every next token attending to its predecessor`,
    };
  }
  const path: number[] = [];
  let mask = full;
  let last = 31 - Math.clz32(ends[full] & -ends[full]);
  path.push(last);
  while (mask !== 1 << last) {
    mask &= ~(1 << last);
    let candidates = ends[mask];
    let previous = -1;
    while (candidates !== 0) {
      const v = 31 - Math.clz32(candidates & -candidates);
      candidates &= candidates - 1;
      if (succMask[v] & (1 << last)) {
        previous = v;
        break;
      }
    }
    path.push(previous);
    last = previous;
  }
  return { status: "found", path: path.reverse(), method: "exhaustive search" };
}

/** Depth-first search preferring the successor with fewest onward options (Warnsdorff). */
function boundedSearch(n: number, pred: number[][], succ: number[][], budget: number) {
  const starts = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    pred[a].length - pred[b].length || a - b
  );
  const visited = new Uint8Array(n);
  const path: number[] = [];
  let steps = 0;
  const onwardCount = (v: number) => {
    let count = 0;
    for (const w of succ[v]) if (!visited[w]) count++;
    return count;
  };
  // The tokens with fewest predecessors are the likeliest path starts; a few suffice in practice.
  for (const start of starts.slice(0, 4)) {
    // Explicit stack of candidate lists to survive long paths without recursion.
    const choices: number[][] = [];
    visited[start] = 1;
    path.push(start);
    choices.push(orderChoices(start));
    while (choices.length > 0 && steps < budget) {
      if (path.length === n) return path.slice();
      const options = choices[choices.length - 1];
      const next = options.pop();
      if (next === undefined) {
        visited[path.pop()!] = 0;
        choices.pop();
        continue;
      }
      steps++;
      visited[next] = 1;
      path.push(next);
      choices.push(orderChoices(next));
    }
    if (path.length === n) return path.slice();
    for (const v of path) visited[v] = 0;
    path.length = 0;
    if (steps >= budget) break;
  }
  return null;

  function orderChoices(v: number): number[] {
    // Popped from the end, so the most constrained successor goes last.
    return succ[v].filter((w) => !visited[w]).sort((a, b) => onwardCount(b) - onwardCount(a));
  }
}

// ---------------------------------------------------------------------------------------------
// (3) Reach sets and mixing depth

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

function validateReachOptions(options: ReachOptions, n: number): void {
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
 * The reach sets S_k^t and the mixing depth s, exactly: layer by layer on runs (intervals)
 * per token, by squaring the period when it maps tokens to intervals around them (a window of
 * any length answers in O(n log² n)), and on bitsets when the runs fragment at small n. For
 * large patterns whose sets fragment, the answer is "none" when the closure proves it, else
 * "unknown" with bounds (never a guess).
 */
export function reachSets(pattern: PatternLike, options: ReachOptions = {}): ReachReport {
  const schedule = asSchedule(pattern);
  const n = schedule.n;
  validateReachOptions(options, n);
  const maxLayers = options.maxLayers ?? Math.max(64, 4 * n * schedule.numPatterns);
  const engine = options.engine ?? "auto";
  if (engine === "bitset") return reachSetsBitset(schedule, options);
  const outcome = reachByRuns(schedule, options, maxLayers);
  if ("done" in outcome) return outcome.done;
  if (outcome.stopped === "squaring") {
    return reachBySquaring(schedule, outcome.period, outcome.prefix, maxLayers, outcome.sizes);
  }
  if (engine === "auto" && n <= REACH_BITSET_MAX_N) return reachSetsBitset(schedule, options);
  return reachBounds(schedule, outcome.layersChecked, outcome.sizes, outcome.reason, maxLayers);
}

const popcount = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

/**
 * Iterates the reach sets S_k^t as bitsets (n² bits per layer, ~n³/32 operations for a long
 * window): the reference engine. When s does not exist the sets become periodic; Brent's cycle
 * detection on period boundaries proves that with two copies.
 */
export function reachSetsBitset(pattern: PatternLike, options: ReachOptions = {}): ReachReport {
  const schedule = asSchedule(pattern);
  const n = schedule.n;
  validateReachOptions(options, n);
  const p = schedule.numPatterns;
  const maxLayers = options.maxLayers ?? Math.max(64, 4 * n * p);
  const words = Math.ceil(n / 32);
  const lastMask = n % 32 === 0 ? 0xffffffff : (2 ** (n % 32) - 1) >>> 0;
  let state = new Uint32Array(n * words);
  let next = new Uint32Array(n * words);

  const first = schedule.patterns[0];
  for (let k = 0; k < n; k++) {
    for (const j of first.row(k)) state[k * words + (j >>> 5)] |= 1 << (j & 31);
  }
  const sizes: ReachReport["sizes"] = [];
  const tokenSizes: Int32Array[] = [];
  const sets: Uint8Array[] = [];
  const isFull = (s: Uint32Array) => {
    for (let k = 0; k < n; k++) {
      const base = k * words;
      for (let w = 0; w < words - 1; w++) if (s[base + w] !== 0xffffffff) return false;
      if ((s[base + words - 1] >>> 0) !== lastMask) return false;
    }
    return true;
  };
  const record = (s: Uint32Array) => {
    let min = Infinity;
    let max = 0;
    let total = 0;
    const perToken = options.trackTokens ? new Int32Array(n) : undefined;
    for (let k = 0; k < n; k++) {
      let size = 0;
      for (let w = 0; w < words; w++) size += popcount(s[k * words + w]);
      if (perToken) perToken[k] = size;
      min = Math.min(min, size);
      max = Math.max(max, size);
      total += size;
    }
    sizes.push({ min, mean: total / n, max });
    if (perToken) tokenSizes.push(perToken);
    if (options.trackSets) {
      const matrix = new Uint8Array(n * n);
      for (let k = 0; k < n; k++) {
        for (let j = 0; j < n; j++) matrix[k * n + j] = (s[k * words + (j >>> 5)] >>> (j & 31)) & 1;
      }
      sets.push(matrix);
    }
  };
  const equal = (a: Uint32Array, b: Uint32Array) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  };

  record(state);
  const finish = (report: Omit<ReachReport, "sizes" | "tokenSizes">): ReachReport => ({
    ...report,
    sizes,
    ...(options.trackTokens ? { tokenSizes } : {}),
    ...(options.trackSets ? { sets } : {}),
    method: "bitset",
  });
  if (isFull(state)) return finish({ mixingDepth: 1, status: "found" });

  // Brent: `saved` is the state at some period boundary; compare later boundaries with it.
  let saved: Uint32Array | null = p === 1 ? state.slice() : null;
  let power = 1;
  let lambda = 0;
  for (let t = 2; t <= maxLayers; t++) {
    const pattern = schedule.patternAt(t - 1);
    next.fill(0);
    for (let k = 0; k < n; k++) {
      const target = k * words;
      for (const j of pattern.row(k)) {
        const source = j * words;
        for (let w = 0; w < words; w++) next[target + w] |= state[source + w];
      }
    }
    [state, next] = [next, state];
    record(state);
    if (isFull(state)) return finish({ mixingDepth: t, status: "found" });
    if (t % p === 0) {
      if (saved && equal(saved, state)) {
        return finish({
          mixingDepth: null,
          status: "none",
          ...unreached(state),
          reason:
            `by layer ${t} the reach sets repeat an earlier period without covering every token`,
        });
      }
      lambda++;
      if (!saved || lambda === power) {
        saved = state.slice();
        power *= 2;
        lambda = 0;
      }
    }
  }
  return finish({
    mixingDepth: null,
    status: "unknown",
    ...unreached(state),
    reason: `not full after maxLayers = ${maxLayers} layers and no repetition detected`,
    bounds: { lower: maxLayers + 1, upper: null },
  });

  function unreached(s: Uint32Array) {
    const neverReached: { token: number; missingFrom: number }[] = [];
    let count = 0;
    for (let j = 0; j < n; j++) {
      const word = j >>> 5;
      const bit = 1 << (j & 31);
      for (let k = 0; k < n; k++) {
        if (!(s[k * words + word] & bit)) {
          count++;
          if (neverReached.length < 20) neverReached.push({ token: j, missingFrom: k });
          break;
        }
      }
    }
    return { neverReached, neverReachedCount: count };
  }
}

// ---------------------------------------------------------------------------------------------
// Reach sets for long and sparse patterns

/** Largest n the bitset engine takes on by itself (n² bits per state: 2 MiB at 4096). */
export const REACH_BITSET_MAX_N = 4096;
/** Runs (intervals) gathered by the interval engine before it gives up or hands over. */
const RUNS_WORK_BUDGET = 4e8;
/** Runs one state may hold (two Int32 each); past this the sets are too fragmented. */
const RUNS_STATE_MAX = 1 << 22;
/** Work after which a schedule whose period maps intervals to intervals is finished by squaring. */
const SQUARING_AFTER_WORK = 2e7;

/**
 * Reach sets as sorted, disjoint, non-adjacent runs [start, end) per token, in CSR form:
 * token k's runs are (starts[i], ends[i]) for i in offsets[k] … offsets[k+1] − 1. Window- and
 * block-like patterns keep one or a few runs per token, so a layer costs about Σ_k |A_k| runs.
 */
interface RunState {
  offsets: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
}

function runsEqual(a: RunState, b: RunState): boolean {
  const total = a.offsets[a.offsets.length - 1];
  if (total !== b.offsets[b.offsets.length - 1]) return false;
  for (let i = 0; i < a.offsets.length; i++) if (a.offsets[i] !== b.offsets[i]) return false;
  for (let i = 0; i < total; i++) {
    if (a.starts[i] !== b.starts[i] || a.ends[i] !== b.ends[i]) return false;
  }
  return true;
}

function copyRuns(s: RunState): RunState {
  const total = s.offsets[s.offsets.length - 1];
  return {
    offsets: s.offsets.slice(),
    starts: s.starts.slice(0, total),
    ends: s.ends.slice(0, total),
  };
}

/** Outcome of the interval engine: a finished report, or why it stopped and how far it got. */
type RunsOutcome =
  | { done: ReachReport }
  | { stopped: "budget"; layersChecked: number; sizes: ReachReport["sizes"]; reason: string }
  | {
    stopped: "squaring";
    layersChecked: number;
    sizes: ReachReport["sizes"];
    prefix: RunState[];
    period: RunState;
  };

/**
 * The per-layer iteration of `reachSets` on runs: exactly the bitset engine's semantics (same
 * sizes, same Brent cycle detection on period boundaries, same never-reached tokens), at a
 * cost that follows the number of runs rather than n² bits.
 */
function reachByRuns(
  schedule: Schedule,
  options: ReachOptions,
  maxLayers: number,
): RunsOutcome {
  const n = schedule.n;
  const p = schedule.numPatterns;
  const sizes: ReachReport["sizes"] = [];
  const tokenSizes: Int32Array[] = [];
  const sets: Uint8Array[] = [];
  const allSelfLoops = schedule.patterns.every((pat) => pat.tokensWithoutSelfLoop().length === 0);
  const tracking = options.trackTokens === true || options.trackSets === true;
  let work = 0;

  // Layer 1: the runs of A_k^0.
  const first = schedule.patterns[0];
  let state = runsOfPattern(first);
  // Scratch for one token's gathered runs.
  let scratchStarts = new Int32Array(1024);
  let scratchEnds = new Int32Array(1024);
  let sortKeys = new Float64Array(1024);
  const prefix: RunState[] = [];

  const record = (s: RunState) => {
    let min = Infinity;
    let max = 0;
    let total = 0;
    const perToken = options.trackTokens ? new Int32Array(n) : undefined;
    for (let k = 0; k < n; k++) {
      let size = 0;
      for (let i = s.offsets[k]; i < s.offsets[k + 1]; i++) size += s.ends[i] - s.starts[i];
      if (perToken) perToken[k] = size;
      if (size < min) min = size;
      if (size > max) max = size;
      total += size;
    }
    sizes.push({ min, mean: total / n, max });
    if (perToken) tokenSizes.push(perToken);
    if (options.trackSets) {
      const matrix = new Uint8Array(n * n);
      for (let k = 0; k < n; k++) {
        for (let i = s.offsets[k]; i < s.offsets[k + 1]; i++) {
          matrix.fill(1, k * n + s.starts[i], k * n + s.ends[i]);
        }
      }
      sets.push(matrix);
    }
    return min === n;
  };
  const finish = (report: Omit<ReachReport, "sizes" | "tokenSizes">): { done: ReachReport } => ({
    done: {
      ...report,
      sizes,
      ...(options.trackTokens ? { tokenSizes } : {}),
      ...(options.trackSets ? { sets } : {}),
      method: "runs",
    },
  });

  // Every pattern keeps self-loops and one period maps each token to one interval around it:
  // powers of the period are then interval maps, which squaring composes in O(n log n).
  let period: RunState | null = null;
  const checkPeriod = (s: RunState) => {
    if (!allSelfLoops) return;
    for (let k = 0; k < n; k++) if (s.offsets[k + 1] - s.offsets[k] !== 1) return;
    period = copyRuns(s);
  };
  const squaringAfter = options.engine === "squaring" ? 0 : SQUARING_AFTER_WORK;

  if (record(state)) return finish({ mixingDepth: 1, status: "found" });
  if (p > 1) prefix.push(copyRuns(state));
  else checkPeriod(state);

  let saved: RunState | null = p === 1 ? copyRuns(state) : null;
  let power = 1;
  let lambda = 0;
  for (let t = 2; t <= maxLayers; t++) {
    const pattern = schedule.patternAt(t - 1);
    const { rowStart, keys } = pattern;
    const offsets = new Int32Array(n + 1);
    let capacity = Math.max(n, state.offsets[n]);
    let starts: Int32Array = new Int32Array(capacity);
    let ends: Int32Array = new Int32Array(capacity);
    let used = 0;
    for (let k = 0; k < n; k++) {
      // Gather the runs of S_j^{t−1} for j ∈ A_k; a full S_j makes S_k full at once.
      let count = 0;
      let full = false;
      let sorted = true;
      let lastStart = -1;
      for (let a = rowStart[k]; a < rowStart[k + 1]; a++) {
        const j = keys[a];
        const from = state.offsets[j];
        const to = state.offsets[j + 1];
        if (to - from === 1 && state.starts[from] === 0 && state.ends[from] === n) {
          full = true;
          break;
        }
        if (count + (to - from) > scratchStarts.length) {
          const size = Math.max(2 * scratchStarts.length, count + (to - from));
          const grownStarts = new Int32Array(size);
          const grownEnds = new Int32Array(size);
          grownStarts.set(scratchStarts.subarray(0, count));
          grownEnds.set(scratchEnds.subarray(0, count));
          scratchStarts = grownStarts;
          scratchEnds = grownEnds;
          sortKeys = new Float64Array(size);
        }
        for (let i = from; i < to; i++) {
          const start = state.starts[i];
          if (start < lastStart) sorted = false;
          lastStart = start;
          scratchStarts[count] = start;
          scratchEnds[count] = state.ends[i];
          count++;
        }
      }
      work += full ? 1 : count;
      if (full) {
        if (used + 1 > capacity) [starts, ends, capacity] = grow(starts, ends, used + 1);
        starts[used] = 0;
        ends[used] = n;
        used++;
        offsets[k + 1] = used;
        continue;
      }
      if (!sorted) sortRuns(scratchStarts, scratchEnds, sortKeys, count, n);
      // Merge overlapping or adjacent runs.
      if (used + count > capacity) [starts, ends, capacity] = grow(starts, ends, used + count);
      let open = -1;
      for (let i = 0; i < count; i++) {
        const start = scratchStarts[i];
        const end = scratchEnds[i];
        if (open >= 0 && start <= ends[open]) {
          if (end > ends[open]) ends[open] = end;
        } else {
          starts[used] = start;
          ends[used] = end;
          open = used++;
        }
      }
      offsets[k + 1] = used;
    }
    state = { offsets, starts, ends };
    if (used > RUNS_STATE_MAX || work > (options.runsBudget ?? RUNS_WORK_BUDGET)) {
      return {
        stopped: "budget",
        layersChecked: t - 1,
        sizes,
        reason: `the reach sets became too fragmented to iterate exactly (${used} runs at ` +
          `layer ${t}, ${work.toExponential(1)} runs merged)`,
      };
    }
    if (record(state)) return finish({ mixingDepth: t, status: "found" });
    if (t < p) prefix.push(copyRuns(state));
    if (t === p) checkPeriod(state);
    if (t % p === 0) {
      if (saved && runsEqual(saved, state)) {
        return finish({
          mixingDepth: null,
          status: "none",
          ...unreachedRuns(state, n),
          reason:
            `by layer ${t} the reach sets repeat an earlier period without covering every token`,
        });
      }
      if (period && !tracking && work > squaringAfter) {
        return { stopped: "squaring", layersChecked: t, sizes, prefix, period };
      }
      lambda++;
      if (!saved || lambda === power) {
        saved = copyRuns(state);
        power *= 2;
        lambda = 0;
      }
    }
  }
  return finish({
    mixingDepth: null,
    status: "unknown",
    ...unreachedRuns(state, n),
    reason: `not full after maxLayers = ${maxLayers} layers and no repetition detected`,
    bounds: { lower: maxLayers + 1, upper: null },
  });
}

function grow(
  starts: Int32Array,
  ends: Int32Array,
  need: number,
): [Int32Array, Int32Array, number] {
  const capacity = Math.max(need, 2 * starts.length);
  const s = new Int32Array(capacity);
  const e = new Int32Array(capacity);
  s.set(starts);
  e.set(ends);
  return [s, e, capacity];
}

/** Sorts gathered runs by start (then end): packed into one float64 key while n ≤ 2^26. */
function sortRuns(
  starts: Int32Array,
  ends: Int32Array,
  keys: Float64Array,
  count: number,
  n: number,
): void {
  if (n <= 1 << 26) {
    const base = n + 1;
    for (let i = 0; i < count; i++) keys[i] = starts[i] * base + ends[i];
    const view = keys.subarray(0, count).sort();
    for (let i = 0; i < count; i++) {
      starts[i] = Math.floor(view[i] / base);
      ends[i] = view[i] - starts[i] * base;
    }
    return;
  }
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) =>
    starts[a] - starts[b] || ends[a] - ends[b]
  );
  const s = order.map((i) => starts[i]);
  const e = order.map((i) => ends[i]);
  starts.set(s);
  ends.set(e);
}

/** A pattern's rows as runs (rows are sorted, so consecutive keys merge). */
function runsOfPattern(pattern: SparsityPattern): RunState {
  const n = pattern.n;
  const offsets = new Int32Array(n + 1);
  const starts = new Int32Array(pattern.connections);
  const ends = new Int32Array(pattern.connections);
  let used = 0;
  for (let k = 0; k < n; k++) {
    for (let a = pattern.rowStart[k]; a < pattern.rowStart[k + 1]; a++) {
      const j = pattern.keys[a];
      if (used > offsets[k] && ends[used - 1] === j) ends[used - 1] = j + 1;
      else {
        starts[used] = j;
        ends[used] = j + 1;
        used++;
      }
    }
    offsets[k + 1] = used;
  }
  return { offsets, starts, ends };
}

/** The bitset engine's `unreached` on runs: smallest k missing each token j (first 20). */
function unreachedRuns(s: RunState, n: number) {
  // firstMissing[j]: smallest k with j ∉ S_k. Tokens k ascending; each gap of S_k assigns the
  // still unassigned tokens in it, skipped over with a union–find "next unassigned" array.
  const firstMissing = new Int32Array(n).fill(n);
  const next = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) next[j] = j;
  const find = (j: number) => {
    let root = j;
    while (next[root] !== root) root = next[root];
    while (next[j] !== root) {
      const up = next[j];
      next[j] = root;
      j = up;
    }
    return root;
  };
  const assign = (from: number, to: number, k: number) => {
    for (let j = find(from); j < to; j = find(j)) {
      firstMissing[j] = k;
      next[j] = j + 1;
    }
  };
  for (let k = 0; k < n; k++) {
    let cursor = 0;
    for (let i = s.offsets[k]; i < s.offsets[k + 1]; i++) {
      if (s.starts[i] > cursor) assign(cursor, s.starts[i], k);
      cursor = s.ends[i];
    }
    if (cursor < n) assign(cursor, n, k);
  }
  const neverReached: { token: number; missingFrom: number }[] = [];
  let count = 0;
  for (let j = 0; j < n; j++) {
    if (firstMissing[j] === n) continue;
    count++;
    if (neverReached.length < 20) neverReached.push({ token: j, missingFrom: firstMissing[j] });
  }
  return { neverReached, neverReachedCount: count };
}

/** One interval [lo[k], hi[k]] (inclusive) per token: a power of an interval period map. */
interface IntervalMap {
  lo: Int32Array;
  hi: Int32Array;
}

/** Range-minimum of lo and range-maximum of hi over [l, h] in O(1) after O(n log n). */
function rangeTables(map: IntervalMap) {
  const n = map.lo.length;
  const mins: Int32Array[] = [map.lo];
  const maxs: Int32Array[] = [map.hi];
  for (let width = 1; 2 * width <= n; width *= 2) {
    const pm = mins[mins.length - 1];
    const pM = maxs[maxs.length - 1];
    const m = new Int32Array(n - 2 * width + 1);
    const M = new Int32Array(n - 2 * width + 1);
    for (let i = 0; i < m.length; i++) {
      m[i] = Math.min(pm[i], pm[i + width]);
      M[i] = Math.max(pM[i], pM[i + width]);
    }
    mins.push(m);
    maxs.push(M);
  }
  return {
    min(l: number, h: number) {
      const level = 31 - Math.clz32(h - l + 1);
      return Math.min(mins[level][l], mins[level][h - (1 << level) + 1]);
    },
    max(l: number, h: number) {
      const level = 31 - Math.clz32(h - l + 1);
      return Math.max(maxs[level][l], maxs[level][h - (1 << level) + 1]);
    },
  };
}

/**
 * (X·Y)[k] = ∪_{j ∈ X[k]} Y[j]. Every Y[j] is an interval holding j, so intervals of
 * neighbouring j overlap or touch and the union over the interval X[k] is one interval.
 */
function composeIntervals(x: IntervalMap, y: IntervalMap): IntervalMap {
  const n = x.lo.length;
  const tables = rangeTables(y);
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    lo[k] = tables.min(x.lo[k], x.hi[k]);
    hi[k] = tables.max(x.lo[k], x.hi[k]);
  }
  return { lo, hi };
}

const intervalsFull = (m: IntervalMap) => {
  const n = m.lo.length;
  for (let k = 0; k < n; k++) if (m.lo[k] !== 0 || m.hi[k] !== n - 1) return false;
  return true;
};
const intervalsEqual = (a: IntervalMap, b: IntervalMap) => {
  for (let k = 0; k < a.lo.length; k++) {
    if (a.lo[k] !== b.lo[k] || a.hi[k] !== b.hi[k]) return false;
  }
  return true;
};

/**
 * The mixing depth by squaring, for a schedule whose patterns all keep self-loops and whose
 * period R = A^{p−1}···A^0 sends every token to one interval around it. Then S^{mp} = R^m,
 * powers R^{2^i} come from squaring (O(n log n) each), the smallest m with R^m full from a
 * binary descent over them, and the layers inside the last period from the first p − 1
 * layers' runs. O(n log² n) in all, however deep s is. With self-loops the sets only grow, so
 * a power equal to its square is the closure: if it is not full, s does not exist.
 */
function reachBySquaring(
  schedule: Schedule,
  period: RunState,
  prefix: RunState[],
  maxLayers: number,
  sizes: ReachReport["sizes"],
): ReachReport {
  const n = schedule.n;
  const p = schedule.numPatterns;
  const r: IntervalMap = { lo: new Int32Array(n), hi: new Int32Array(n) };
  for (let k = 0; k < n; k++) {
    r.lo[k] = period.starts[period.offsets[k]];
    r.hi[k] = period.ends[period.offsets[k]] - 1;
  }
  const powers: IntervalMap[] = [r];
  while (!intervalsFull(powers[powers.length - 1])) {
    const last = powers[powers.length - 1];
    const square = composeIntervals(last, last);
    if (intervalsEqual(square, last)) {
      const closure: RunState = {
        offsets: Int32Array.from({ length: n + 1 }, (_, k) => k),
        starts: last.lo,
        ends: last.hi.map((h) => h + 1),
      };
      return {
        mixingDepth: null,
        status: "none",
        ...unreachedRuns(closure, n),
        sizes,
        method: "squaring",
        reason: `the reach sets only grow (every pattern keeps self-loops) and stop growing at ` +
          `R^${2 ** (powers.length - 1)} (R: one period of ${p} layer(s)) without covering ` +
          "every token",
      };
    }
    powers.push(square);
  }
  // powers[top] = R^(2^top) is full; powers[top − 1] is not (R itself was not full).
  const top = powers.length - 1;
  let current = powers[top - 1];
  let m0 = 2 ** (top - 1);
  for (let i = top - 2; i >= 0; i--) {
    const candidate = composeIntervals(current, powers[i]);
    if (!intervalsFull(candidate)) {
      current = candidate;
      m0 += 2 ** i;
    }
  }
  // S^{m0·p} = R^{m0} is not full, S^{(m0+1)p} is: look inside the last period.
  let s = (m0 + 1) * p;
  if (p > 1) {
    const tables = rangeTables(current);
    for (let i = 1; i < p && s === (m0 + 1) * p; i++) {
      if (layerFull(prefix[i - 1], tables, n)) s = m0 * p + i;
    }
  }
  if (s > maxLayers) {
    return {
      mixingDepth: null,
      status: "unknown",
      sizes,
      method: "squaring",
      bounds: { lower: maxLayers + 1, upper: s },
      reason: `not full after maxLayers = ${maxLayers} layers (squaring finds s = ${s})`,
    };
  }
  return { mixingDepth: s, status: "found", sizes, method: "squaring" };
}

/** Whether every row of prefix · current is [0, n): each run [a, b) maps to one interval. */
function layerFull(
  prefix: RunState,
  tables: ReturnType<typeof rangeTables>,
  n: number,
): boolean {
  const los: number[] = [];
  const his: number[] = [];
  for (let k = 0; k < n; k++) {
    los.length = 0;
    his.length = 0;
    for (let i = prefix.offsets[k]; i < prefix.offsets[k + 1]; i++) {
      los.push(tables.min(prefix.starts[i], prefix.ends[i] - 1));
      his.push(tables.max(prefix.starts[i], prefix.ends[i] - 1));
    }
    const order = los.map((_, i) => i).sort((a, b) => los[a] - los[b]);
    let covered = 0; // tokens [0, covered) are in the union so far
    for (const i of order) {
      if (los[i] > covered) return false;
      covered = Math.max(covered, his[i] + 1);
    }
    if (covered < n) return false;
  }
  return true;
}

/** Out-edges k → j (j ∈ A_k in some pattern) and their transpose, in CSR form. */
function unionGraphs(schedule: Schedule) {
  const union = schedule.numPatterns === 1 ? schedule.patterns[0] : unionOf(schedule.patterns);
  const n = schedule.n;
  const inDegree = new Int32Array(n + 1);
  for (const j of union.keys) inDegree[j + 1]++;
  for (let j = 0; j < n; j++) inDegree[j + 1] += inDegree[j];
  const inStart = inDegree.slice();
  const fill = inDegree.slice(0, n);
  const inKeys = new Int32Array(union.keys.length);
  for (let k = 0; k < n; k++) {
    for (let a = union.rowStart[k]; a < union.rowStart[k + 1]; a++) {
      inKeys[fill[union.keys[a]]++] = k;
    }
  }
  return {
    out: { rowStart: union.rowStart, keys: union.keys },
    in: { rowStart: inStart, keys: inKeys },
  };
}

type Csr = { rowStart: Int32Array; keys: Int32Array };

/** Breadth-first distances from `source` (−1 where unreachable). */
function bfs(graph: Csr, n: number, source: number): Int32Array {
  const dist = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  dist[source] = 0;
  queue[tail++] = source;
  while (head < tail) {
    const v = queue[head++];
    for (let a = graph.rowStart[v]; a < graph.rowStart[v + 1]; a++) {
      const w = graph.keys[a];
      if (dist[w] === -1) {
        dist[w] = dist[v] + 1;
        queue[tail++] = w;
      }
    }
  }
  return dist;
}

/** Component id per token (Tarjan, iterative, on CSR) and the number of components. */
function componentsOf(graph: Csr, n: number) {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const id = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  const workNode = new Int32Array(n);
  const workEdge = new Int32Array(n);
  let top = 0;
  let counter = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    workNode[0] = root;
    workEdge[0] = graph.rowStart[root];
    index[root] = low[root] = counter++;
    stack[top++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = workNode[depth];
      if (workEdge[depth] < graph.rowStart[v + 1]) {
        const w = graph.keys[workEdge[depth]++];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[top++] = w;
          onStack[w] = 1;
          depth++;
          workNode[depth] = w;
          workEdge[depth] = graph.rowStart[w];
        } else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
        continue;
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--top];
          onStack[w] = 0;
          id[w] = count;
        } while (w !== v);
        count++;
      }
      depth--;
      if (depth >= 0) {
        const parent = workNode[depth];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
    }
  }
  return { id, count };
}

/**
 * What can still be proved when the sets are too fragmented to iterate (large random-like
 * patterns). With self-loops everywhere the sets grow to the reachability closure of the
 * union graph, so s exists exactly when that graph is strongly connected; if it is not, the
 * never-reached tokens come from the closure. When it is, s is bounded: each layer follows
 * one edge, so s ≥ the eccentricities of a hub u, and any path of length L is followed within
 * L·p layers, so s ≤ p·(ecc_in(u) + ecc_out(u)). Without self-loops only the lower bound holds.
 */
function reachBounds(
  schedule: Schedule,
  layersChecked: number,
  sizes: ReachReport["sizes"],
  why: string,
  maxLayers: number,
): ReachReport {
  const n = schedule.n;
  const p = schedule.numPatterns;
  const graphs = unionGraphs(schedule);
  const selfLoops = schedule.patterns.every((pat) => pat.tokensWithoutSelfLoop().length === 0);
  let hub = 0;
  for (let k = 1; k < n; k++) {
    const degree = (g: Csr, v: number) => g.rowStart[v + 1] - g.rowStart[v];
    if (
      degree(graphs.out, k) + degree(graphs.in, k) >
        degree(graphs.out, hub) + degree(graphs.in, hub)
    ) {
      hub = k;
    }
  }
  const eccentricity = (dist: Int32Array) => {
    let max = 0;
    for (const d of dist) {
      if (d < 0) return Infinity;
      if (d > max) max = d;
    }
    return max;
  };
  if (selfLoops) {
    const components = componentsOf(graphs.out, n);
    if (components.count > 1) {
      return {
        mixingDepth: null,
        status: "none",
        ...closureUnreached(graphs, components, n),
        sizes,
        method: "closure",
        reason: `every pattern keeps self-loops, so the reach sets grow to the reachability ` +
          `closure of the union graph, which is not strongly connected (${components.count} ` +
          "components)",
      };
    }
  }
  const eccOut = eccentricity(bfs(graphs.out, n, hub));
  const eccIn = eccentricity(bfs(graphs.in, n, hub));
  const lower = Math.max(
    layersChecked + 1,
    Number.isFinite(eccOut) ? eccOut : 0,
    Number.isFinite(eccIn) ? eccIn : 0,
  );
  const upper = selfLoops ? p * (eccIn + eccOut) : null;
  if (upper !== null && upper === lower && upper <= maxLayers) {
    return { mixingDepth: upper, status: "found", sizes, method: "bounds" };
  }
  return {
    mixingDepth: null,
    status: "unknown",
    sizes,
    method: "bounds",
    bounds: { lower, upper },
    reason: `${why}; ${
      upper === null
        ? `s ≥ ${lower} if it exists (some pattern lacks self-loops, so no upper bound)`
        : `${lower} ≤ s ≤ ${upper} (eccentricities of token ${hub} in the union graph)`
    }`,
  };
}

/** Never-reached tokens of the closure: reached by all only inside a unique sink component. */
function closureUnreached(
  graphs: ReturnType<typeof unionGraphs>,
  components: { id: Int32Array; count: number },
  n: number,
) {
  const isSink = new Uint8Array(components.count).fill(1);
  for (let k = 0; k < n; k++) {
    for (let a = graphs.out.rowStart[k]; a < graphs.out.rowStart[k + 1]; a++) {
      if (components.id[graphs.out.keys[a]] !== components.id[k]) isSink[components.id[k]] = 0;
    }
  }
  const sinks = isSink.reduce((a, b) => a + b, 0);
  const reachedByAll = (j: number) => sinks === 1 && isSink[components.id[j]] === 1;
  const neverReached: { token: number; missingFrom: number }[] = [];
  let count = 0;
  for (let j = 0; j < n; j++) {
    if (reachedByAll(j)) continue;
    count++;
    if (neverReached.length < 20) {
      const dist = bfs(graphs.in, n, j); // who reaches j
      neverReached.push({ token: j, missingFrom: dist.indexOf(-1) });
    }
  }
  return { neverReached, neverReachedCount: count };
}

// ---------------------------------------------------------------------------------------------
// The verdict

export interface Assumption1Verdict {
  name: string;
  n: number;
  numPatterns: number;
  connections: number[];
  sparsity: number[];
  selfLoops: SelfLoopReport;
  hamiltonianPath: HamiltonianPathReport;
  reach: ReachReport;
  /** true / false when decided; null only when some condition is "unknown". */
  satisfied: boolean | null;
  /** One line per failed or undecided condition. */
  reasons: string[];
}

/** Runs all three checks and returns a verdict that renders as a table in a notebook. */
export function analyzeAssumption1(
  pattern: PatternLike,
  options: ReachOptions & { searchBudget?: number } = {},
): Assumption1Verdict & { [key: symbol]: unknown } {
  const schedule: Schedule = asSchedule(pattern);
  const { searchBudget, ...reachOptions } = options ?? {};
  validateReachOptions(reachOptions, schedule.n);
  const selfLoops = checkSelfLoops(schedule);
  const hamiltonianPath = findHamiltonianPath(schedule, { searchBudget });
  const reach = reachSets(schedule, reachOptions);
  const reasons: string[] = [];
  for (const entry of selfLoops.missing) {
    reasons.push(
      `(1) pattern ${entry.pattern}: ${entry.tokens.length} token(s) lack a self-loop, e.g. k = ${
        entry.tokens.slice(0, 5).join(", ")
      }`,
    );
  }
  if (hamiltonianPath.status !== "found") {
    reasons.push(
      `(2) ${
        hamiltonianPath.status === "none" ? "no" : "undecided"
      } Hamiltonian path: ${hamiltonianPath.reason}`,
    );
  }
  if (reach.status !== "found") {
    const example = reach.neverReached?.[0];
    reasons.push(
      `(3) ${reach.status === "none" ? "no" : "undecided"} mixing depth: ${reach.reason}` +
        (example
          ? `; ${reach.neverReachedCount} token(s) never reached, e.g. token ${example.token} by token ${example.missingFrom}`
          : ""),
    );
  }
  const undecided = hamiltonianPath.status === "unknown" || reach.status === "unknown";
  const failed = !selfLoops.holds || hamiltonianPath.status === "none" || reach.status === "none";
  const verdict: Assumption1Verdict = {
    name: schedule.name,
    n: schedule.n,
    numPatterns: schedule.numPatterns,
    connections: schedule.connections,
    sparsity: schedule.patterns.map((p) => p.sparsity),
    selfLoops,
    hamiltonianPath,
    reach,
    satisfied: failed ? false : undecided ? null : true,
    reasons,
  };
  return Object.assign(verdict, {
    [Symbol.for("Jupyter.display")]: () => verdictBundle([verdict]),
  });
}

/** "holds", "fails" or "undecided": the verdict in one word. */
export function verdictWord(v: Assumption1Verdict): "holds" | "fails" | "undecided" {
  return v.satisfied === null ? "undecided" : v.satisfied ? "holds" : "fails";
}

/**
 * The summary row of a verdict, as shown in tables and printed by the command line. Names are
 * printed with control characters escaped (a pattern file's name is arbitrary text); an
 * undecided check reads "undecided", with the bounds on s when they are known.
 */
export function verdictRow(v: Assumption1Verdict): Record<string, string> {
  const bounds = v.reach.bounds;
  return {
    pattern: printable(v.name),
    n: String(v.n),
    p: String(v.numPatterns),
    connections: v.connections.join(" / "),
    "self-loops": v.selfLoops.holds ? "yes" : "no",
    "Hamiltonian path": v.hamiltonianPath.status === "found"
      ? "yes"
      : v.hamiltonianPath.status === "none"
      ? "no"
      : "undecided",
    s: v.reach.mixingDepth !== null
      ? String(v.reach.mixingDepth)
      : v.reach.status === "none"
      ? "none"
      : bounds
      ? `undecided (${bounds.lower}..${bounds.upper ?? "?"})`
      : "undecided",
    "Assumption 1": verdictWord(v),
  };
}

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** A MIME bundle (HTML table plus plain text) for one or several verdicts. */
export function verdictBundle(verdicts: Assumption1Verdict[]): Record<string, string> {
  const rows = verdicts.map(verdictRow);
  const headers = Object.keys(rows[0] ?? {});
  const html = `<table><thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}` +
    `</tr></thead><tbody>${
      rows.map((row) => `<tr>${headers.map((h) => `<td>${escapeHtml(row[h])}</td>`).join("")}</tr>`)
        .join("")
    }</tbody></table>` +
    verdicts.flatMap((v) =>
      v.reasons.map((r) =>
        `<div>${escapeHtml(printable(v.name))}: ${escapeHtml(printable(r))}</div>`
      )
    )
      .join("");
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  const plain = [
    line(headers),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((row) => line(headers.map((h) => row[h]))),
    ...verdicts.flatMap((v) => v.reasons.map((r) => `${printable(v.name)}: ${printable(r)}`)),
  ].join("\n");
  return { "text/html": html, "text/plain": plain };
}

/** Validates that a verdict can back a construction; throws naming the failed condition. */
export function requireAssumption1(pattern: PatternLike): Assumption1Verdict {
  const verdict = analyzeAssumption1(pattern);
  if (verdict.satisfied !== true) {
    throw new InputError(
      "pattern",
      printable(verdict.name),
      verdict.satisfied === false
        ? `does not satisfy Assumption 1: ${printable(verdict.reasons.join("; "))}`
        : `Assumption 1 is undecided for this pattern (a construction needs it proved): ${
          printable(verdict.reasons.join("; "))
        }`,
    );
  }
  return verdict;
}

/** The verdict as one JSON object (what `deno task pattern --json` prints). */
export function assumption1Json(v: Assumption1Verdict) {
  return {
    name: v.name,
    n: v.n,
    numPatterns: v.numPatterns,
    connections: v.connections,
    sparsity: v.sparsity,
    selfLoops: v.selfLoops.holds,
    tokensWithoutSelfLoop: v.selfLoops.missing,
    hamiltonianPath: v.hamiltonianPath.path,
    hamiltonianPathStatus: v.hamiltonianPath.status,
    mixingDepth: v.reach.mixingDepth,
    mixingDepthStatus: v.reach.status,
    mixingDepthBounds: v.reach.bounds ?? null,
    neverReached: v.reach.neverReached ?? [],
    satisfiesAssumption1: v.satisfied,
    reasons: v.reasons,
  };
}
