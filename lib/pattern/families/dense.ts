/** The dense family (every token attends to every token): constructor, registry entry, space. */
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

/** Dense attention: A_k = [n]; n² connections. */
export function dense(opts: { n: number }): Schedule {
  const n = requireLength(opts.n);
  const all = range(0, n - 1);
  return new Schedule("dense", [patternFromRows("dense", n, () => all)]);
}

export const denseEntry: ZooEntry = {
  name: "dense",
  description: "every token attends to every token",
  params: [N],
  numPatterns: 1,
  build: (p) => dense({ n: numberParam(p, "n") }),
  maxConnections: (p) => rowsOfAtMost(numberParam(p, "n"), numberParam(p, "n")),
  parameterSpace: withoutParameters,
};
