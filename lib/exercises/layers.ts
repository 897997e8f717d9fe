/**
 * Named checks for the exercises of notebook 04 (the sparse attention layer). As in proof.ts:
 * the check cell names what is checked, the answer is computed here from the library, and a wrong
 * answer is one WrongAnswer line with the value given, the kind of value expected and a hint.
 * A check that needs the notebook's own objects (its embeddings, its head, its benchmark) takes
 * them and returns the check.
 */
import type { HeadWeights } from "../attention/reference.ts";
import { attentionWeightMatrix, rowsAreOneHot } from "../attention/weights.ts";
import type { BenchResult } from "../bench/attention.ts";
import type { SparsityPattern } from "../pattern/pattern.ts";
import { expectAnswer } from "../util/exercise.ts";
import { logLogSlope } from "../util/fit.ts";

/** 04, exercise 1: the connections Σ_k |A_k| of the notebook's window pattern (w = 2). */
export function windowConnectionCount(window: SparsityPattern) {
  return (answer: number): void => {
    let connections = 0;
    for (let k = 0; k < window.n; k++) connections += window.rowSize(k);
    expectAnswer(answer, connections, {
      kind: "a count of query–key pairs Σ_k |A_k| (a whole number)",
      hint: "a row far from the ends has 2w + 1 keys; each of the w rows nearest either end " +
        "loses the keys that would fall outside the sequence",
    });
  };
}

/** The powers of two exercise 2 of 04 chooses among: 1, 2, 4, …, 4096. */
const SCALES = Array.from({ length: 13 }, (_, i) => 2 ** i);

/**
 * 04, exercise 2: the smallest power of two t at which every sparsemax row of the notebook's
 * layer (tokens `x`, `pattern`, `head` with W_Q scaled by t) is one-hot.
 */
export function sparsemaxOneHotScale(
  x: Float64Array,
  n: number,
  d: number,
  pattern: SparsityPattern,
  head: HeadWeights,
) {
  const oneHotAt = (t: number) =>
    rowsAreOneHot(
      attentionWeightMatrix(x, n, d, pattern, {
        ...head,
        wq: head.wq.map((w) => t * w),
      }, "sparsemax"),
      n,
    );
  return (answer: number): void => {
    expectAnswer(answer, SCALES.find(oneHotAt), {
      kind: "the smallest power of two t in 1, 2, 4, …, 4096 (a scale of W_Q)",
      hint: "sparsemax is one-hot once t times a row's margin (top score minus runner-up) is at " +
        "least 1; find the smallest margin with the onScores listener",
    });
  };
}

/** 04, exercise 3: the log-log slope of strided's sparse time against n for n ≥ 1024. */
export function stridedTimeSlope(bench: BenchResult) {
  return (answer: number): void => {
    const records = bench.records.filter((r) =>
      r.impl === "sparse" && r.pattern === "strided" && r.n >= 1024
    );
    expectAnswer(answer, logLogSlope(records.map((r) => r.n), records.map((r) => r.ms)), {
      kind: "a log-log slope of time against n (a number, to within 0.15)",
      hint: "fit a line to log(ms) against log(n) over the sparse strided points with n ≥ 1024; " +
        "the connections grow as n^1.5",
      tolerance: 0.15,
    });
  };
}

/** The checks above under one name, as notebook 04 calls them. */
export const layerExercises = {
  windowConnectionCount,
  sparsemaxOneHotScale,
  stridedTimeSlope,
} as const;
