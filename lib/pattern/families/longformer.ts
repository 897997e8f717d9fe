/**
 * The Longformer family (Beltagy et al. 2020), a window plus global tokens: constructor,
 * registry entry, and the global tokens BigBird builds on too. No sweep trains it, so it
 * declares no parameter space.
 */
import { requireInteger } from "../../util/errors.ts";
import { Schedule, type SparsityPattern, unionOf } from "../pattern.ts";
import {
  N,
  numberParam,
  type ParamSpec,
  patternFromRows,
  range,
  requireLength,
  rowsOfAtMost,
  W,
  type ZooEntry,
} from "./family.ts";
import { slidingWindow } from "./window.ts";

export const G: ParamSpec = {
  name: "g",
  kind: "integer",
  description: "global tokens",
  default: 1,
};

/** The number of global tokens g, checked: an integer in [0, n]. */
export function checkGlobal(g: number, n: number): number {
  return requireInteger("g", g, 0, n);
}

/** The global tokens G = {0, …, g−1}: a global token attends to [n], any other to G ∪ {k}. */
function globalTokens(name: string, n: number, g: number): SparsityPattern {
  const all = range(0, n - 1);
  const globals = range(0, g - 1);
  return patternFromRows(name, n, (k) => (k < g ? all : [...globals, k]));
}

/**
 * Longformer (Beltagy et al. 2020): window w plus g global tokens G = {0, …, g−1}. A global
 * token attends to [n]; any other token to {j : |j − k| ≤ w} ∪ G. About (2w+1)n + 2gn
 * connections; s = 2 when g ≥ 1.
 */
export function longformer(opts: { n: number; w: number; g: number }): Schedule {
  const n = requireLength(opts.n);
  const w = requireInteger("w", opts.w, 0);
  const g = checkGlobal(opts.g, n);
  const name = `longformer(w=${w}, g=${g})`;
  return new Schedule(name, [
    unionOf([
      ...slidingWindow({ n, w }).patterns,
      globalTokens(`${name} globals`, n, g),
    ], name),
  ]);
}

export const longformerEntry: ZooEntry = {
  name: "longformer",
  description: "window w plus g global tokens",
  params: [N, W, G],
  numPatterns: 1,
  build: (p) =>
    longformer({ n: numberParam(p, "n"), w: numberParam(p, "w"), g: numberParam(p, "g") }),
  maxConnections: (p) =>
    rowsOfAtMost(numberParam(p, "n"), 2 * numberParam(p, "w") + 1 + numberParam(p, "g")) +
    numberParam(p, "g") * numberParam(p, "n"),
};
