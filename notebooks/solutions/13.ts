// Solutions to the exercises of notebook 13 (grapheme → phoneme). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// K = K, AE → AH (one substitution), T = T, S inserted: 2 edits over 3 reference phonemes
const answer1 = 2 / 3;
// @exercise 2
// block pattern: n·c connections; summary pattern: every token reads the (n/c)·c′ summary cells
// plus itself when it is not one; MULTIHEAD averages the two. c divides n, c′ a power of two < c
const lowest = Math.min(...definition.budgets.full.levels);
const fixedMultiheadSparsity = (c: number, summary: number) => {
  const summaryCells = (full.n / c) * summary;
  const summaryConnections = full.n * summaryCells + (full.n - summaryCells);
  return 1 - (full.n * c + summaryConnections) / 2 / full.n ** 2;
};
const pairs = Array.from({ length: full.n - 2 }, (_, i) => i + 2)
  .filter((c) => full.n % c === 0)
  .flatMap((c) => [1, 2, 4, 8, 16, 32].filter((s) => s < c).map((s) => [c, s]));
const answer2 = pairs
  .filter(([c, s]) => Math.abs(fixedMultiheadSparsity(c, s) - lowest) <= 0.02 + 1e-12).length;
