/**
 * The window-relay family (the experiments' widened STAR, a pattern of the lab's own):
 * constructor, registry entry and the parameter space of the window half-width w.
 */
import { requireInteger } from "../../util/errors.ts";
import { Schedule, SparsityPattern, unionOf } from "../pattern.ts";
import {
  N,
  numberParam,
  range,
  requireLength,
  rowsOfAtMost,
  settingsOf,
  W,
  type ZooEntry,
} from "./family.ts";
import { slidingWindow } from "./window.ts";

/**
 * A window of half-width w plus one relay token (the experiments' widened STAR): the relay
 * n − 1 attends to everyone; token k < n − 1 attends to {j : |j − k| ≤ w} and the relay. At
 * w = 1 it holds exactly the Star-Transformer's connections (`star`); wider windows reach lower
 * sparsity levels. About (2w+2)n + n connections; s ≤ 2 (every token reaches every other
 * through the relay).
 */
export function windowRelay(opts: { n: number; w: number }): Schedule {
  const n = requireLength(opts.n);
  const w = requireInteger("w", opts.w, 0);
  const relay = n - 1;
  const name = `window-relay(w=${w})`;
  const relayRow = Array.from({ length: n }, () => [relay]);
  relayRow[relay] = range(0, n - 1);
  return new Schedule(name, [
    unionOf([
      ...slidingWindow({ n, w }).patterns,
      SparsityPattern.fromLists(`${name} relay`, relayRow, n),
    ], name),
  ]);
}

export const windowRelayEntry: ZooEntry = {
  name: "window-relay",
  description: "window |j-k| <= w plus relay token n-1 (the experiments' widened STAR)",
  params: [N, W],
  numPatterns: 1,
  build: (p) => windowRelay({ n: numberParam(p, "n"), w: numberParam(p, "w") }),
  maxConnections: (p) =>
    rowsOfAtMost(numberParam(p, "n"), 2 * numberParam(p, "w") + 2) + numberParam(p, "n"),
  /** w = 1 … n. */
  parameterSpace: (n) => settingsOf("w", range(1, n)),
};
