/**
 * Child et al. (2019) strided attention, bidirectional (the form the theorem needs) and causal
 * (as published): constructors, registry entries and the parameter space of the stride c.
 */
import { requireInteger } from "../../util/errors.ts";
import { Schedule } from "../pattern.ts";
import {
  C,
  N,
  numberParam,
  patternFromRows,
  range,
  requireLength,
  rowsOfAtMost,
  settingsOf,
  type ZooEntry,
} from "./family.ts";

/**
 * Child et al. (2019) strided attention made bidirectional (what the theorem needs):
 * A^1_k = {j : |j − k| ≤ c} (local), A^2_k = {j : (k − j) mod c = 0} (stride). Any c ≥ 1 and
 * any n: the stride rows simply hold fewer tokens near the ends. p = 2, s = 2.
 */
export function strided(opts: { n: number; c: number }): Schedule {
  const n = requireLength(opts.n);
  const c = requireInteger("c", opts.c, 1);
  const name = `strided(c=${c})`;
  return new Schedule(name, [
    patternFromRows(`${name} local`, n, (k) => range(k - c, Math.min(n - 1, k + c))),
    patternFromRows(`${name} stride`, n, (k) => {
      const row: number[] = [];
      for (let j = k % c; j < n; j += c) row.push(j);
      return row;
    }),
  ]);
}

/**
 * Child et al. (2019) strided attention as published (causal): A^1_k = {max(0, k−c), …, k}
 * (previous c tokens and self), A^2_k = {j ≤ k : (k − j) mod c = 0}. Fails Assumption 1.3:
 * token 0 never sees a later token.
 */
export function stridedCausal(opts: { n: number; c: number }): Schedule {
  const n = requireLength(opts.n);
  const c = requireInteger("c", opts.c, 1);
  const name = `strided-causal(c=${c})`;
  return new Schedule(name, [
    patternFromRows(`${name} local`, n, (k) => range(k - c, k)),
    patternFromRows(`${name} stride`, n, (k) => {
      const row: number[] = [];
      for (let j = k % c; j <= k; j += c) row.push(j);
      return row;
    }),
  ]);
}

/** A connection bound: n rows of at most ⌈n/c⌉ stride keys each. */
const strideRows = (n: number, c: number) => rowsOfAtMost(n, Math.ceil(n / Math.max(1, c)));

export const stridedEntry: ZooEntry = {
  name: "strided",
  description: "Child et al. strided, bidirectional (p = 2)",
  params: [N, C],
  numPatterns: 2,
  build: (p) => strided({ n: numberParam(p, "n"), c: numberParam(p, "c") }),
  maxConnections: (p) =>
    rowsOfAtMost(numberParam(p, "n"), 2 * numberParam(p, "c") + 1) +
    strideRows(numberParam(p, "n"), numberParam(p, "c")),
  /**
   * c = 2 … max(2, ⌊n/2⌋). c = 1 is left out: its stride pattern (k − j) mod 1 = 0 is dense
   * attention.
   */
  parameterSpace: (n) => settingsOf("c", range(2, Math.max(2, Math.floor(n / 2)))),
};

/** The causal form: no sweep trains it, so it declares no parameter space. */
export const stridedCausalEntry: ZooEntry = {
  name: "strided-causal",
  description: "Child et al. strided, causal (p = 2)",
  params: [N, C],
  numPatterns: 2,
  build: (p) => stridedCausal({ n: numberParam(p, "n"), c: numberParam(p, "c") }),
  maxConnections: (p) =>
    rowsOfAtMost(numberParam(p, "n"), numberParam(p, "c") + 1) +
    strideRows(numberParam(p, "n"), numberParam(p, "c")),
};
