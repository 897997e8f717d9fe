/**
 * Solutions to the exercises of notebook 01 (the sparse attention framework). Each block replaces
 * the answer cell of its exercise when the notebook runs with `deno task reproduce --solutions`;
 * it may use everything the notebook defined above that cell.
 */
// @exercise 1
// Interior rows keep 2w + 1 = 5 keys; rows 0 and 15 lose 2 each, rows 1 and 14 lose 1 each:
// (2w + 1)·n − w(w + 1) = 80 − 6.
const answer1: number | undefined = 74;

// @exercise 2
// With c fixed, the stride pattern keeps every c-th key: about n/c keys per query, n²/c in all,
// which outgrows the local pattern's n·c. Quadratic again, only c times cheaper than dense.
const answer2: 1 | 1.5 | 2 | undefined = 2;

// @exercise 3
// star is window(w = 1), 3n − 2 connections, plus the relay token's row and column, each of which
// the window already covers in 2 places: 3n − 2 + 2(n − 2) = 5n − 6 = 314 at n = 64.
const answer3: number | undefined = 1 - 314 / 64 ** 2;
