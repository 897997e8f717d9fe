// Solutions to the exercises of notebook 08 (value mapping and layers per stage). Each block
// after a `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// one layer per grid input and token: n · δ^(−dn) = 3 · 4^3
const answer1 = 3 * 4 ** 3;
// @exercise 2
const window8 = slidingWindow({ n: 8, w: 1 });
const mixingDepth = analyzeAssumption1(window8).reach.mixingDepth!;
// p = 1 pattern, n − 1 = 7 path edges, δ^(−d) = 2 id values each, then s all-max shifts
const answer2 = {
  bound: 1 * 7 * 2 + mixingDepth,
  used: layerCounts(window8, { d: 1, delta: 1 / 2 }).contextualMapping,
};
// @exercise 3
// n · 2^n first exceeds 10^6 at n = 16 (15 · 2^15 = 491 520, 16 · 2^16 = 1 048 576)
let tokens = 2;
while (tokens * 2 ** tokens <= 1e6) tokens++;
const answer3 = tokens;
