// Solutions to the exercises of notebook 10 (Theorem 1 end to end). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// fixed with a block size that does not divide n: the blocks' summary cells never cover the
// last, partial block, so some token never hears from everyone (no mixing depth)
const answer1 = { name: "fixed", params: { c: 2 } };
// @exercise 2
// quantization (n + d − 1)/δ = 12; contextual p(n − 1)δ^(−d) + s = 8 + s; value n·δ^(−dn) = 192
const starMixing = analyzeAssumption1(star({ n })).reach.mixingDepth!;
const answer2 = (n + d - 1) * 4 + 1 * (n - 1) * 4 + starMixing + n * 4 ** (n * d);
// @exercise 3
// refused once max |a·f̄(L)_k|/δ reaches the smallest contextual id; a = 1.5× that threshold
const quarter = rows[1].network;
const smallestId = Math.min(...quarter.mapping.ids.flat().map(Number));
const largestTarget = Math.max(
  ...quarter.valueMapping.flatMap((layer) => Array.from(layer.to, Math.abs)),
);
const answer3 = (1.5 * (smallestId - 1)) / (quarter.mapping.grid.levels * largestTarget);
