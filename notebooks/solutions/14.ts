// Solutions to the exercises of notebook 14 (classification). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// fewer words lose some evidence; train it and compare with the interval above
const smallModel = trainBagOfWords(emails.train, { vocabulary: 200 });
const smallAccuracy = bagOfWordsAccuracy(smallModel, emails.test);
const answer1 = simpleInterval.lower <= smallAccuracy && smallAccuracy <= simpleInterval.upper;
// @exercise 2
// Wilson: centre (p + z²/2N)/(1 + z²/N), half-width z·√(p(1−p)/N + z²/4N²)/(1 + z²/N)
const z = 1.959964;
const trials = 1000;
const share = 950 / trials;
const answer2 = (z * Math.sqrt(share * (1 - share) / trials + z ** 2 / (4 * trials ** 2))) /
  (1 + z ** 2 / trials);
// @exercise 3
// block pattern: n·c connections; summary pattern: every token reads the (n/c)·c′ summary cells
// plus itself when it is not one; MULTIHEAD averages the two. c divides n, c′ a power of two < c
const highest = Math.max(...definition.budgets.full.levels);
const fixedMultiheadSparsity = (c: number, summary: number) => {
  const summaryCells = (full.n / c) * summary;
  const summaryConnections = full.n * summaryCells + (full.n - summaryCells);
  return 1 - (full.n * c + summaryConnections) / 2 / full.n ** 2;
};
const pairs = Array.from({ length: full.n - 2 }, (_, i) => i + 2)
  .filter((c) => full.n % c === 0)
  .flatMap((c) => [1, 2, 4, 8, 16, 32, 64].filter((s) => s < c).map((s) => [c, s]));
const answer3 = pairs
  .filter(([c, s]) => Math.abs(fixedMultiheadSparsity(c, s) - highest) <= 0.02 + 1e-12).length;
