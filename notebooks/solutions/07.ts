/**
 * Solutions to the exercises of notebook 07 (the sparse contextual mapping). Each block replaces
 * the answer cell of its exercise when the notebook runs with `deno task reproduce --solutions`;
 * it may use everything the notebook defined above that cell.
 */
// @exercise 1
// strided cycles p = 2 patterns, and the path edges it walks are in one of them only: identity
// layers wait for that pattern, so phase 1 costs up to twice star's (n−1)δ^(−d) shifts.
const answer1: "star" | "strided" | undefined = "strided";

// @exercise 2
// A causal chain: token k attends to itself and to k − 1. The path 0 → 1 → 2 → 3 exists, but
// token 0 only ever hears from itself, so no depth s lets every token reach every other.
const answer2: SparsityPattern | undefined = SparsityPattern.fromLists("causal chain", [
  [0],
  [0, 1],
  [1, 2],
  [2, 3],
]);

// @exercise 3
// E's offsets are (8, 0, 4)·δ: buckets 2, 0, 1. f_3 = 161: 161 mod 4 = 1, L_3 ∈ [4, 8) so
// L_3 = 5, a_3 = 1; F_2 = (161 + 3·5)/4 = 44: L_2 ∈ [0, 4) with 44 mod 4 = 0, so a_2 = 0;
// F_1 = (44 + 0)/4 = 11 = L_1, a_1 = 11 − 8 = 3.
const answer3: number[] | undefined = [3, 0, 1];

// @exercise 4
// Dense Lemma 6: δ^(−d) + 1 = 4 + 1, whatever n. Star with E: p = 1, so (n−1)δ^(−d) + s = 9·4 + 2.
const answer4: { dense: number | undefined; star: number | undefined } = { dense: 5, star: 38 };
