/**
 * Solutions to the exercises of notebook 06 (step 2a, quantization and E). Each block replaces
 * the answer cell of its exercise when the notebook runs with `deno task reproduce --solutions`;
 * it may use everything the notebook defined above that cell.
 */
// @exercise 1
// (n + d − 1)/δ: coordinate 1 once per bucket (n buckets), the other d − 1 coordinates once.
const answer1: number | undefined = (4 + 2 - 1) / (1 / 2);

// @exercise 2
// Each entry drops to the grid level below it: ⌊x/δ⌋·δ.
const answer2: number[] | undefined = [0.5, 0, 0.75];

// @exercise 3
// Token 2 snaps to 0.75; E adds bucket · W to coordinate 1, and token 2 sits in bucket 1
// (W = δ^{−d+1} = 1): 0.75 + 1.
const answer3: number | undefined = 0.75 + 1;
