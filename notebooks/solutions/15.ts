// Solutions to the exercises of notebook 15 (depth against mixing depth). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// after L = 2 layers a window of half-width 3 reaches |j − k| ≤ 6; the mirror of k is
// |n − 1 − 2k| away, so the tokens with |n − 1 − 2k| ≤ 6 read it and the rest guess
const seeingWindow = Array.from({ length: full.n }, (_, k) => Math.abs(full.n - 1 - 2 * k) <= 6)
  .filter(Boolean).length / full.n;
const answer1 = seeingWindow + (1 - seeingWindow) / symbols;
// @exercise 2
// the mirror of token 0 is n − 1 away and each layer adds w = 4
const answer2 = Math.ceil((full.n - 1) / 4);
// @exercise 3
// one layer: token 0 sees the relay n − 1 (its mirror), the relay sees everyone (its mirror is
// 0), and the two middle tokens n/2 − 1 and n/2 are each other's neighbour: 4 of n tokens
const seeingStar = 4 / full.n;
const answer3 = seeingStar + (1 - seeingStar) / symbols;
