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
 * Star-Transformer (Guo et al. 2019): the relay token is n − 1 and attends to everyone;
 * satellite k < n − 1 attends to {k−1, k, k+1} ∩ [0, n) and the relay. About 5n connections,
 * s = 2 for n ≥ 4 (at n ≤ 3 it is dense).
 */
export function star(opts: { n: number }): Schedule {
  const n = requireLength(opts.n);
  const relay = n - 1;
  const all = range(0, n - 1);
  return new Schedule("star", [
    patternFromRows(
      "star",
      n,
      (k) => (k === relay ? all : [...range(k - 1, Math.min(n - 1, k + 1)), relay]),
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
