/**
 * Solutions to the exercises of notebook 05 (step 1, the piecewise-constant f̄). Each block
 * replaces the answer cell of its exercise when the notebook runs with
 * `deno task reproduce --solutions`; it may use everything the notebook defined above that cell.
 */
// @exercise 1
// One level in {0, δ, …, 1 − δ} per entry: (1/δ)^{nd} = 4^6.
const answer1: number | undefined = 4 ** (3 * 2);

// @exercise 2
// X = (0.3, 0.4) lies in the cell with corner L = (0.25, 0.25); f̄(X) = f(L), whose first
// coordinate is sin(3 · 0.25) + mean(L)² = sin(0.75) + 0.25².
const answer2: number | undefined = Math.sin(0.75) + 0.25 ** 2;

// @exercise 3
// d_p(f, f̄) = O(δ) for a Lipschitz f: halving δ about halves the distance.
const answer3: number | undefined = 2;
