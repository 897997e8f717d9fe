/**
 * Independent, deliberately naive re-implementations of Assumption 1's checks, used as test
 * oracles: every permutation for the Hamiltonian path, boolean matrix products for S_k^t.
 */
import { Schedule, SparsityPattern } from "../../lib/pattern/mod.ts";
import { seededRng } from "../../lib/util/random.ts";

/** A seeded random schedule of p patterns on n tokens, with or without self-loops. */
export function randomSchedule(seed: number, n: number, p: number): Schedule {
  const rng = seededRng(seed);
  const withSelf = rng.next() < 0.7;
  const density = 0.1 + 0.5 * rng.next();
  const patterns = Array.from({ length: p }, (_, l) => {
    const lists = Array.from({ length: n }, (_, k) => {
      const row: number[] = [];
      for (let j = 0; j < n; j++) {
        if ((withSelf && j === k) || rng.next() < density) row.push(j);
      }
      if (row.length === 0) row.push(rng.int(n));
      return row;
    });
    return SparsityPattern.fromLists(`r${seed}.${l}`, lists, n);
  });
  return new Schedule(`random-${seed}`, patterns);
}

export function* permutations(items: number[]): Generator<number[]> {
  if (items.length <= 1) {
    yield items.slice();
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i], ...tail];
  }
}

/** Brute force: does any permutation satisfy γ(i) ∈ ∪_ℓ A_{γ(i+1)}? */
export function bruteForceHasPath(schedule: Schedule): boolean {
  const n = schedule.n;
  const attends = (k: number, j: number) => schedule.patterns.some((p) => p.has(k, j));
  for (const perm of permutations(Array.from({ length: n }, (_, i) => i))) {
    let ok = true;
    for (let i = 0; i + 1 < n && ok; i++) ok = attends(perm[i + 1], perm[i]);
    if (ok) return true;
  }
  return false;
}

/** Brute force reach sets: M_t = A^{ℓ(t)} ⊗ M_{t−1} as boolean matrices, cycle by memory. */
export function bruteForceReach(schedule: Schedule) {
  const n = schedule.n;
  const p = schedule.numPatterns;
  const matrix = (l: number) =>
    Array.from(
      { length: n },
      (_, k) => Array.from({ length: n }, (_, j) => schedule.patterns[l].has(k, j)),
    );
  let m = matrix(0);
  const sizes: number[][] = [];
  const matrices: boolean[][][] = [];
  const seen = new Set<string>();
  for (let t = 1; t < 10_000; t++) {
    if (t > 1) {
      const a = matrix((t - 1) % p);
      m = a.map((row) => Array.from({ length: n }, (_, c) => row.some((on, j) => on && m[j][c])));
    }
    sizes.push(m.map((row) => row.filter(Boolean).length));
    matrices.push(m);
    if (m.every((row) => row.every(Boolean))) return { s: t, sizes, matrices };
    if (t % p === 0) {
      const key = JSON.stringify(m);
      if (seen.has(key)) return { s: null, sizes, matrices };
      seen.add(key);
    }
  }
  throw new Error("brute force did not terminate");
}
