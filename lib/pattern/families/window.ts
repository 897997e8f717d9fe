/** The sliding-window family ("window"): constructor, registry entry and parameter space. */
import { requireInteger } from "../../util/errors.ts";
import { Schedule } from "../pattern.ts";
import {
  N,
  numberParam,
  patternFromRows,
  range,
  requireLength,
  rowsOfAtMost,
  settingsOf,
  W,
  withoutParameters,
  type ZooEntry,
} from "./family.ts";

/**
 * Sliding window (path graph when w = 1): A_k = {j : |j − k| ≤ w}, cut at the sequence ends.
 * About (2w+1)n connections; mixing depth s = ⌈(n−1)/w⌉. The registry calls it "window"; the
 * function is `slidingWindow` because importing a binding called `window` into the Deno
 * kernel's global scope makes TensorFlow.js's `typeof window` probe throw (ReferenceError: the
 * binding is not yet initialised while the import runs).
 */
export function slidingWindow(opts: { n: number; w: number }): Schedule {
  const n = requireLength(opts.n);
  const w = requireInteger("w", opts.w, 0);
  const name = `window(w=${w})`;
  return new Schedule(name, [
    patternFromRows(name, n, (k) => range(k - w, Math.min(n - 1, k + w))),
  ]);
}

export const windowEntry: ZooEntry = {
  name: "window",
  description: "sliding window |j-k| <= w",
  params: [N, W],
  numPatterns: 1,
  build: (p) => slidingWindow({ n: numberParam(p, "n"), w: numberParam(p, "w") }),
  maxConnections: (p) => rowsOfAtMost(numberParam(p, "n"), 2 * numberParam(p, "w") + 1),
  /** w = 1 … n − 1. */
  parameterSpace: (n) => settingsOf("w", range(1, n - 1)),
};

/**
 * Each token attends only to itself (a window of half-width 0): no information moves between
 * tokens, so a model on it measures what a task can do without mixing, the baseline of what
 * attention between tokens buys.
 */
export const selfOnlyEntry: ZooEntry = {
  name: "self-only",
  description: "each token attends only to itself (no mixing between tokens)",
  params: [N],
  numPatterns: 1,
  build: (p) => {
    const n = numberParam(p, "n");
    return new Schedule("self-only", slidingWindow({ n, w: 0 }).patterns);
  },
  maxConnections: (p) => numberParam(p, "n"),
  parameterSpace: withoutParameters,
};
