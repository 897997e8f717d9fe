/**
 * Child et al. (2019) fixed attention, bidirectional and causal (as published): constructors,
 * registry entries and the parameter space of the block size c and the summary cells c′.
 */
import { requireInteger } from "../../util/errors.ts";
import { Schedule } from "../pattern.ts";
import {
  C,
  N,
  numberParam,
  type ParamSpec,
  patternFromRows,
  type PatternParams,
  range,
  requireLength,
  rowsOfAtMost,
  type ZooEntry,
} from "./family.ts";

export const SUMMARY: ParamSpec = {
  name: "summary",
  kind: "integer",
  description: "summary cells per block c'",
  default: 1,
};

function checkSummary(c: number, summary: number): number {
  return requireInteger("summary (c')", summary, 1, c);
}

/**
 * Child et al. (2019) fixed attention, bidirectional: A^1_k = {j : ⌊j/c⌋ = ⌊k/c⌋} (own block),
 * A^2_k = {j : j mod c ≥ c − c'} ∪ {k} (the last c' "summary" cells of every block, and self).
 * When c does not divide n the last, partial block has no summary cell, so nobody outside it
 * reads it and Assumption 1.3 fails; the analysis reports this rather than hiding it.
 */
export function fixed(opts: { n: number; c: number; summary?: number }): Schedule {
  const n = requireLength(opts.n);
  const c = requireInteger("c", opts.c, 1);
  const summary = checkSummary(c, opts.summary ?? 1);
  const name = `fixed(c=${c}, c'=${summary})`;
  return new Schedule(name, [
    patternFromRows(`${name} block`, n, (k) => {
      const start = Math.floor(k / c) * c;
      return range(start, Math.min(n - 1, start + c - 1));
    }),
    patternFromRows(`${name} summary`, n, (k) => {
      const row = [k];
      for (let j = 0; j < n; j++) if (j % c >= c - summary) row.push(j);
      return row;
    }),
  ]);
}

/**
 * Child et al. (2019) fixed attention as published (causal): A^1_k = {j ≤ k : ⌊j/c⌋ = ⌊k/c⌋},
 * A^2_k = {j ≤ k : j mod c ≥ c − c'} ∪ {k}. Self is added so no A_k is empty (the first
 * tokens precede every summary cell). Fails Assumption 1.3.
 */
export function fixedCausal(opts: { n: number; c: number; summary?: number }): Schedule {
  const n = requireLength(opts.n);
  const c = requireInteger("c", opts.c, 1);
  const summary = checkSummary(c, opts.summary ?? 1);
  const name = `fixed-causal(c=${c}, c'=${summary})`;
  return new Schedule(name, [
    patternFromRows(`${name} block`, n, (k) => range(Math.floor(k / c) * c, k)),
    patternFromRows(`${name} summary`, n, (k) => {
      const row = [k];
      for (let j = 0; j <= k; j++) if (j % c >= c - summary) row.push(j);
      return row;
    }),
  ]);
}

/** A connection bound of either form: n block rows of c keys, n summary rows of ⌈n/c⌉·c′ + 1. */
const fixedBound = (p: PatternParams) =>
  rowsOfAtMost(numberParam(p, "n"), numberParam(p, "c")) +
  rowsOfAtMost(
    numberParam(p, "n"),
    1 + Math.ceil(numberParam(p, "n") / numberParam(p, "c")) * numberParam(p, "summary"),
  );

export const fixedEntry: ZooEntry = {
  name: "fixed",
  description: "Child et al. fixed, bidirectional (p = 2)",
  params: [N, C, SUMMARY],
  numPatterns: 2,
  build: (p) =>
    fixed({ n: numberParam(p, "n"), c: numberParam(p, "c"), summary: numberParam(p, "summary") }),
  maxConnections: fixedBound,
  /**
   * c must divide n, or the last block has no summary cell and Assumption 1 fails; c = n is
   * left out: one block holding the whole sequence is dense attention. The summary cells (c′,
   * the last `summary` cells of each block) run over powers of two below c: Child et al. use
   * several for long blocks, and one alone is a one-token bottleneck.
   */
  parameterSpace: (n) => ({
    kind: "settings",
    settings: range(2, Math.max(2, n - 1)).filter((c) => n % c === 0).flatMap((c) =>
      range(0, Math.floor(Math.log2(c - 1))).map((e) => ({ c, summary: 2 ** e }))
    ),
  }),
};

/** The causal form: no sweep trains it, so it declares no parameter space. */
export const fixedCausalEntry: ZooEntry = {
  name: "fixed-causal",
  description: "Child et al. fixed, causal (p = 2)",
  params: [N, C, SUMMARY],
  numPatterns: 2,
  build: (p) =>
    fixedCausal({
      n: numberParam(p, "n"),
      c: numberParam(p, "c"),
      summary: numberParam(p, "summary"),
    }),
  maxConnections: fixedBound,
};
