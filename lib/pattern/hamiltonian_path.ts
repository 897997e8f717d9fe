/**
 * Condition (2) of Assumption 1: a Hamiltonian path in the union graph, a permutation γ with
 * γ(i) ∈ ∪_ℓ A_{γ(i+1)}^ℓ (each next token on the path attends to its predecessor). Exact by
 * Held–Karp for small n; above that, refuted by necessary conditions (forced endpoints, the
 * chain of strongly connected components) or found by a bounded depth-first search.
 */
import { InputError, requireInteger } from "../util/errors.ts";
import { asSchedule, type PatternLike, unionOf } from "./pattern.ts";

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
