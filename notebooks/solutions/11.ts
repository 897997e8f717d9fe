// Solutions to the exercises of notebook 11 (copying). Each block after a `// @exercise k` line
// replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// one layer: only the relay (the last token, a copy position) sees everything, so 1 of the
// n − o copy positions reads its source and the others guess one of `symbols`
const copyPositions = full.n - offset;
const answer1 = 1 / copyPositions + (1 - 1 / copyPositions) / symbols;
// @exercise 2
// SEQUENTIAL averages its two patterns: local |j − k| ≤ c and stride (k − j) mod c = 0
const [fullLevel] = definition.budgets.full.levels;
const sequentialSparsity = (c: number) => {
  let connections = 0;
  for (let k = 0; k < full.n; k++) {
    connections += Math.min(full.n - 1, k + c) - Math.max(0, k - c) + 1; // local row
    connections += Math.ceil((full.n - (k % c)) / c); // stride row: k mod c, k mod c + c, …
  }
  return 1 - connections / 2 / full.n ** 2;
};
// strides 2 … n/2, admissible within ±0.02 of the level
const admissibleStrides = Array.from({ length: full.n / 2 - 1 }, (_, i) => i + 2)
  .filter((c) => Math.abs(sequentialSparsity(c) - fullLevel) <= 0.02 + 1e-12);
const answer2 = {
  admissible: admissibleStrides.length,
  trained: Math.min(admissibleStrides.length, definition.budgets.full.parametersPerLevel!),
};
// @exercise 3
// after L layers a window of half-width w reaches |j − k| ≤ L·w; every source is o away
const answer3 = Math.ceil(offset / 16);
