/** The Star-Transformer family (Guo et al. 2019): constructor, registry entry and space. */
import { Schedule } from "../pattern.ts";
import {
  N,
  numberParam,
  patternFromRows,
  range,
  requireLength,
  rowsOfAtMost,
  withoutParameters,
  type ZooEntry,
} from "./family.ts";

/**
 * Star-Transformer (Guo et al. 2019): the relay token (n − 1, or 0 with `relay: "first"`)
 * attends to everyone; every other token k attends to {k−1, k, k+1} ∩ [0, n) and the relay.
 * About 5n connections, s = 2 for n ≥ 4 (at n ≤ 3 it is dense). The relay is a node of its own
 * in the original, so its position is a convention; it matters only under a causal mask, which
 * keeps a key j only for rows k ≥ j: a last-token relay is then seen by the last row alone,
 * while a first-token relay is seen by every row.
 */
export function star(opts: { n: number; relay?: "first" | "last" }): Schedule {
  const n = requireLength(opts.n);
  const first = opts.relay === "first";
  const relay = first ? 0 : n - 1;
  const all = range(0, n - 1);
  const name = first ? "causal-star" : "star";
  const neighbours = (k: number) => range(Math.max(0, k - 1), Math.min(n - 1, k + 1));
  return new Schedule(name, [
    patternFromRows(
      name,
      n,
      (k) => (k === relay ? all : [...new Set([...neighbours(k), relay])].sort((a, b) => a - b)),
    ),
  ]);
}

export const starEntry: ZooEntry = {
  name: "star",
  description: "Star-Transformer relay token n-1",
  params: [N],
  numPatterns: 1,
  build: (p) => star({ n: numberParam(p, "n") }),
  maxConnections: (p) => rowsOfAtMost(numberParam(p, "n"), 4) + numberParam(p, "n"),
  parameterSpace: withoutParameters,
};

/**
 * STAR for causal models (the lab's reconstruction): the relay at token 0, so that under a
 * causal mask row k keeps {k−1, k} and the relay, instead of losing the relay as a last-token
 * STAR does; the relay itself then sees only itself.
 */
export const causalStarEntry: ZooEntry = {
  name: "causal-star",
  description: "Star-Transformer with the relay at token 0, which a causal mask keeps",
  params: [N],
  numPatterns: 1,
  build: (p) => star({ n: numberParam(p, "n"), relay: "first" }),
  maxConnections: (p) => rowsOfAtMost(numberParam(p, "n"), 4) + numberParam(p, "n"),
  parameterSpace: withoutParameters,
};
