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
import { InputError } from "../util/errors.ts";
import { asSchedule, type PatternLike, type Schedule, unionOf } from "./pattern.ts";

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
  const union = unionOf(schedule.patterns, "union");
  // pred[b]: tokens b attends to (may precede b); succ[a]: tokens that attend to a.
  const pred: number[][] = [];
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (let b = 0; b < n; b++) {
    const row = Array.from(union.row(b)).filter((a) => a !== b);
    pred.push(row);
    for (const a of row) succ[a].push(b);
  }
  if (n === 1) return { status: "found", path: [0], method: "trivial" };

  const identity = Array.from({ length: n }, (_, i) => i);
  if (identity.every((_, i) => i === 0 || union.has(i, i - 1))) {
    return { status: "found", path: identity, method: "identity order" };
  }
  const reversed = identity.slice().reverse();
  if (reversed.every((token, i) => i === 0 || union.has(token, reversed[i - 1]))) {
    return { status: "found", path: reversed, method: "reversed order" };
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
  /** s = min{t : S_k^t = [n] for all k}, or null when it does not exist. */
  mixingDepth: number | null;
  /** "found", "none" (proved: the reach sets repeat without filling), or "unknown" (cap hit). */
  status: "found" | "none" | "unknown";
  /** min / mean / max over tokens k of |S_k^t|, for t = 1, 2, … (index t − 1). */
  sizes: { min: number; mean: number; max: number }[];
  /** |S_k^t| for every token, per layer, when requested. */
  tokenSizes?: Int32Array[];
  /** The sets themselves when requested: sets[t − 1][k·n + j] = 1 iff j ∈ S_k^t (n × n each). */
  sets?: Uint8Array[];
  /** When s does not exist: tokens j missing from some S_k, with one such k each (first 20). */
  neverReached?: { token: number; missingFrom: number }[];
  /** Number of tokens j that some token k never depends on. */
  neverReachedCount?: number;
  reason?: string;
}

const popcount = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

/**
 * Iterates the reach sets S_k^t as bitsets (n² bits per layer). When s does not exist the sets
 * become periodic; Brent's cycle detection on period boundaries proves that with two copies.
 */
export function reachSets(
  pattern: PatternLike,
  options: { maxLayers?: number; trackTokens?: boolean; trackSets?: boolean } = {},
): ReachReport {
  const schedule = asSchedule(pattern);
  const n = schedule.n;
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
  options: {
    maxLayers?: number;
    trackTokens?: boolean;
    trackSets?: boolean;
    searchBudget?: number;
  } = {},
): Assumption1Verdict & { [key: symbol]: unknown } {
  const schedule: Schedule = asSchedule(pattern);
  const selfLoops = checkSelfLoops(schedule);
  const hamiltonianPath = findHamiltonianPath(schedule, options);
  const reach = reachSets(schedule, options);
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
      `(3) no mixing depth: ${reach.reason}` +
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

/** The summary row of a verdict, as shown in tables and printed by the command line. */
export function verdictRow(v: Assumption1Verdict): Record<string, string> {
  return {
    pattern: v.name,
    n: String(v.n),
    p: String(v.numPatterns),
    connections: v.connections.join(" / "),
    "self-loops": v.selfLoops.holds ? "yes" : "no",
    "Hamiltonian path": v.hamiltonianPath.status === "found"
      ? "yes"
      : v.hamiltonianPath.status === "none"
      ? "no"
      : "unknown",
    s: v.reach.mixingDepth === null
      ? (v.reach.status === "none" ? "none" : "unknown")
      : String(v.reach.mixingDepth),
    "Assumption 1": v.satisfied === null ? "unknown" : v.satisfied ? "holds" : "fails",
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
      v.reasons.map((r) => `<div>${escapeHtml(v.name)}: ${escapeHtml(r)}</div>`)
    )
      .join("");
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => r[h].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  const plain = [
    line(headers),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((row) => line(headers.map((h) => row[h]))),
    ...verdicts.flatMap((v) => v.reasons.map((r) => `${v.name}: ${r}`)),
  ].join("\n");
  return { "text/html": html, "text/plain": plain };
}

/** Validates that a verdict can back a construction; throws naming the failed condition. */
export function requireAssumption1(pattern: PatternLike): Assumption1Verdict {
  const verdict = analyzeAssumption1(pattern);
  if (verdict.satisfied !== true) {
    throw new InputError(
      "pattern",
      verdict.name,
      `does not satisfy Assumption 1: ${verdict.reasons.join("; ")}`,
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
    neverReached: v.reach.neverReached ?? [],
    satisfiesAssumption1: v.satisfied,
    reasons: v.reasons,
  };
}
