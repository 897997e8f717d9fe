/**
 * What every pattern family file fills in and builds on: the registry entry (`ZooEntry`), its
 * parameters (`ParamSpec`) and parameter space (`ParameterSpace`), the parameters several
 * families share, and the row helpers their constructors and connection bounds use. Every
 * constructor is valid for every n ≥ 1; indices are 0-indexed and `|j − k| ≤ w` is "within w
 * positions".
 */
import { requireInteger } from "../../util/errors.ts";
import { type Schedule, SparsityPattern } from "../pattern.ts";

/** A constructor parameter as the command line and the registry know it. */
export interface ParamSpec {
  name: string;
  kind: "integer" | "number" | "string";
  description: string;
  /** Default value, or a function of n; undefined means required. */
  default?: number | string | ((n: number) => number);
}

/** A named pattern's resolved parameters: n and the family's own, by name. */
export type PatternParams = Record<string, number | string>;

/**
 * The values a family's own parameters may take at length n, as a sweep enumerates them:
 * - "settings": finitely many settings (each a value per parameter), in the order a sweep lists
 *   them; a family without parameters has the one empty setting;
 * - "level": the family takes the sparsity level itself as `parameter`, any value in
 *   [min, max], and draws its connections with `seedParameter`.
 */
export type ParameterSpace =
  | { kind: "settings"; settings: Record<string, number>[] }
  | { kind: "level"; parameter: string; seedParameter: string; min: number; max: number };

/** A named pattern: its parameters, how it is built, bounded and (if it is swept) enumerated. */
export interface ZooEntry {
  name: string;
  description: string;
  params: ParamSpec[];
  /** p: how many patterns the schedule cycles over layers (a two-pattern family has 2). */
  numPatterns: 1 | 2;
  build(params: PatternParams): Schedule;
  /**
   * An upper bound on the schedule's connections (summed over its patterns), computed from the
   * resolved parameters in O(1), so a pattern too large to build is refused before it is built.
   */
  maxConnections(params: PatternParams): number;
  /** The values the family's own parameters may take at length n; absent if no sweep trains it. */
  parameterSpace?(n: number): ParameterSpace;
}

export const N: ParamSpec = { name: "n", kind: "integer", description: "sequence length" };
export const W: ParamSpec = {
  name: "w",
  kind: "integer",
  description: "window half-width",
  default: 1,
};
export const C: ParamSpec = {
  name: "c",
  kind: "integer",
  description: "stride / block size (default ⌈√n⌉, Child et al.'s choice)",
  default: (n) => Math.max(1, Math.ceil(Math.sqrt(n))),
};
export const SEED: ParamSpec = {
  name: "seed",
  kind: "integer",
  description: "random seed",
  default: 0,
};

/** A numeric parameter of resolved parameters (the registry has checked its kind). */
export const numberParam = (params: PatternParams, key: string) => params[key] as number;

/** A connection bound: n rows of at most `perRow` keys each (never more than n). */
export const rowsOfAtMost = (n: number, perRow: number) => n * Math.min(n, Math.max(1, perRow));

/** The space of a family without parameters: the one empty setting. */
export function withoutParameters(): ParameterSpace {
  return { kind: "settings", settings: [{}] };
}

/** The space of a family with one parameter, `parameter`, taking each of `values` in order. */
export function settingsOf(parameter: string, values: readonly number[]): ParameterSpace {
  return { kind: "settings", settings: values.map((value) => ({ [parameter]: value })) };
}

/** The integers max(0, from), …, toInclusive (empty when toInclusive is below them). */
export function range(from: number, toInclusive: number): number[] {
  const out: number[] = [];
  for (let j = Math.max(0, from); j <= toInclusive; j++) out.push(j);
  return out;
}

/** The pattern whose row k (the keys A_k) is `row(k)`, for k = 0 … n − 1. */
export function patternFromRows(
  name: string,
  n: number,
  row: (k: number) => number[],
): SparsityPattern {
  const lists: number[][] = [];
  for (let k = 0; k < n; k++) lists.push(row(k));
  return SparsityPattern.fromLists(name, lists, n);
}

/** The sequence length n, checked: an integer ≥ 1. */
export function requireLength(n: number): number {
  return requireInteger("n", n, 1);
}
