// Solutions to the exercises of notebook 12 (language modelling). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// the relay (token 0) reads all n tokens; token 1 reads 0, 1 and 2 (its left neighbour is the
// relay); tokens 2 … n − 2 read two neighbours, themselves and the relay; the last token reads
// n − 2, itself and the relay: n + 3 + 4(n − 3) + 3 = 5n − 6 connections, here at n = 256
const paperLength = 256;
const answer1 = 1 - (5 * paperLength - 6) / paperLength ** 2;
// @exercise 2
// perplexity = e^(nats) = 2^(bits): 2.5 bits per character
const answer2 = 2 ** 2.5;
// @exercise 3
// causal STAR has 5n − 6 connections. window-relay at w = 1 is a window of half-width 1 plus the
// relay's row and column: the same 5n − 6, so its curve reaches STAR's sparsity; RANDOM is drawn
// at any level up to the range's top, which lies above it. STRIDED and FIXED, in either
// configuration, reach no level that sparse.
const causalStarSparsity = 1 - (5 * full.n - 6) / full.n ** 2;
const twoPatternReaching =
  ["strided", "fixed"].flatMap((pattern) =>
    ["sequential", "union"].map((configuration) => requireChoice(pattern, configuration))
  ).filter((choice) => Math.max(...reachableLevels(choice, full.n)) >= causalStarSparsity).length;
const answer3 = twoPatternReaching + 2;
