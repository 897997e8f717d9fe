/**
 * The construction's layers run in exact integer arithmetic. Every quantity of steps 2a–2b is
 * a multiple of δ (queries of δ/2), so the state is kept as BigInt counts of δ: Z_int = Z/δ.
 * With integer weights (layers.ts) the reference formulas become, for one head,
 *
 *   q2_k = 2·(W_Q·Z_int,k) + queryBias        (q_k = q2_k·δ/2)
 *   logit_kj = (W_K·Z_int,j)·q2_k             (the real logit times 2/δ², same argmax)
 *   out_k += W_O · (W_V·Z_int,j*)             with j* = argmax_{j ∈ A_k} logit_kj.
 *
 * Nothing rounds, at any size: this is the ground truth the float64 reference is compared
 * with.
 */
import type { SparsityPattern } from "../pattern/pattern.ts";
import type { AttentionLayer, SizeOneHead } from "./layers.ts";

/** A sequence n×d token-major, entries in units of δ. */
export type ExactState = bigint[];

/**
 * The same integers held in float64 while they are safe (|x| < 2^53): every operation below
 * checks that its result is a safe integer, and a safe product or sum of safe integers is
 * computed without rounding, so this is exact too. It is the fast path of the exhaustive
 * checks; `null` from a layer means "left the safe range", and the caller redoes it in BigInt.
 */
export type SafeState = number[];

type Integer = number | bigint;

/** Hardmax met a tie between keys carrying different values: the average is not a key. */
export class TieError extends Error {
  constructor(detail: string) {
    super(`hardmax tie between different values: ${detail}`);
    this.name = "TieError";
  }
}

/** Thrown inside the safe-integer path when a result leaves the safe range. */
const UNSAFE = Symbol("unsafe");

function checked<T extends Integer>(x: T): T {
  if (typeof x === "number" && !Number.isSafeInteger(x)) throw UNSAFE;
  return x;
}

// Arithmetic shared by both integer types (TypeScript has no operator generics).
// deno-lint-ignore no-explicit-any
const mul = <T extends Integer>(a: T, b: T): T => checked((a as any) * (b as any) as T);
// deno-lint-ignore no-explicit-any
const add = <T extends Integer>(a: T, b: T): T => checked((a as any) + (b as any) as T);

/** Weight vectors converted once per integer type. */
const asNumbers = new WeakMap<readonly bigint[], number[]>();
function weightsIn<T extends Integer>(w: readonly bigint[], zero: T): T[] {
  if (typeof zero === "bigint") return w as T[];
  let converted = asNumbers.get(w);
  if (!converted) {
    converted = w.map((x) => checked(Number(x)));
    asNumbers.set(w, converted);
  }
  return converted as T[];
}

function dot<T extends Integer>(w: readonly T[], state: readonly T[], offset: number, zero: T): T {
  let sum = zero;
  for (let c = 0; c < w.length; c++) sum = add(sum, mul(w[c], state[offset + c]));
  return sum;
}

function ids<T extends Integer>(
  state: readonly T[],
  n: number,
  u: readonly bigint[],
  zero: T,
): T[] {
  const w = weightsIn(u, zero);
  return Array.from({ length: n }, (_, k) => dot(w, state, k * w.length, zero));
}

/** u·Z_int,k for every token k: the ids in units of δ. */
export function exactIds(state: ExactState, n: number, u: readonly bigint[]): bigint[] {
  return ids(state, n, u, 0n);
}

/** exactIds on a safe state; null when an id leaves the safe range. */
export function safeIds(state: SafeState, n: number, u: readonly bigint[]): number[] | null {
  try {
    return ids(state, n, u, 0);
  } catch (error) {
    if (error === UNSAFE) return null;
    throw error;
  }
}

function attend<T extends Integer>(
  layer: AttentionLayer,
  pattern: SparsityPattern,
  state: readonly T[],
  n: number,
  d: number,
  zero: T,
  chosen?: Int32Array,
): T[] {
  const out = state.slice();
  const two = (typeof zero === "bigint" ? 2n : 2) as T;
  // Heads of the construction share W_Q = W_K = W_V = u: project each distinct vector once.
  const projections = new Map<readonly bigint[], T[]>();
  const project = (w: readonly bigint[]) => {
    let values = projections.get(w);
    if (!values) {
      const weights = weightsIn(w, zero);
      values = Array.from({ length: n }, (_, k) => dot(weights, state, k * d, zero));
      projections.set(w, values);
    }
    return values;
  };
  layer.heads.forEach((head: SizeOneHead, h) => {
    const queries = project(head.query);
    const keys = project(head.key);
    const values = project(head.value);
    const bias = weightsIn([head.queryBias], zero)[0];
    const output = weightsIn(head.output, zero);
    for (let k = 0; k < n; k++) {
      const q2 = add(mul(two, queries[k]), bias);
      const row = pattern.row(k);
      let best = row[0];
      let bestLogit = mul(keys[best], q2);
      for (let a = 1; a < row.length; a++) {
        const j = row[a];
        const logit = mul(keys[j], q2);
        if (logit > bestLogit) {
          best = j;
          bestLogit = logit;
        } else if (logit === bestLogit && values[j] !== values[best]) {
          throw new TieError(`query token ${k}, keys ${best} and ${j}`);
        }
      }
      if (chosen) chosen[h * n + k] = best;
      const selected = values[best];
      if (selected === zero) continue;
      for (let c = 0; c < d; c++) {
        if (output[c] !== zero) out[k * d + c] = add(out[k * d + c], mul(output[c], selected));
      }
    }
  });
  return out;
}

/**
 * One attention layer, exactly. `chosen`, when given, receives for head h and query k the key
 * token hardmax selected, at chosen[h·n + k].
 */
export function exactAttention(
  layer: AttentionLayer,
  pattern: SparsityPattern,
  state: ExactState,
  n: number,
  d: number,
  chosen?: Int32Array,
): ExactState {
  return attend(layer, pattern, state, n, d, 0n, chosen);
}

/** exactAttention on a safe state; null when some value leaves the safe range. */
export function safeAttention(
  layer: AttentionLayer,
  pattern: SparsityPattern,
  state: SafeState,
  n: number,
  d: number,
  chosen?: Int32Array,
): SafeState | null {
  try {
    return attend(layer, pattern, state, n, d, 0, chosen);
  } catch (error) {
    if (error === UNSAFE) return null;
    throw error;
  }
}

/** A state in whichever integer type holds it: safe numbers while possible, else BigInt. */
export type MixedState = SafeState | ExactState;

export const toExact = (state: MixedState): ExactState => state.map((x) => BigInt(x));

/** One attention layer on a mixed state: the safe path first, BigInt when it overflows. */
export function mixedAttention(
  layer: AttentionLayer,
  pattern: SparsityPattern,
  state: MixedState,
  n: number,
  d: number,
  chosen?: Int32Array,
): MixedState {
  if (typeof state[0] === "number") {
    const result = safeAttention(layer, pattern, state as SafeState, n, d, chosen);
    if (result) return result;
  }
  return exactAttention(layer, pattern, toExact(state), n, d, chosen);
}

/** Ids of a mixed state, as BigInt when they are not all safe. */
export function mixedIds(state: MixedState, n: number, u: readonly bigint[]): MixedState {
  if (typeof state[0] === "number") {
    const result = safeIds(state as SafeState, n, u);
    if (result) return result;
  }
  return exactIds(toExact(state), n, u);
}
