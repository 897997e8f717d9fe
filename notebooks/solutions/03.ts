/**
 * Solutions to the exercises of notebook 03 (Assumption 2). Each block replaces the answer cell of
 * its exercise when the notebook runs with `deno task reproduce --solutions`; it may use
 * everything the notebook defined above that cell.
 */
// @exercise 1
// t = (1/ζ)·ln((N − 1)(1 − η)/η) = 4·ln(15 · 0.999 / 0.001) = 4·ln 14985.
const answer1: number | undefined = 4 * Math.log((15 * 0.999) / 0.001);

// @exercise 2
// t = 1/((α − 1)ζ) = 1/(0.2 · 0.25) = 20. As α → 1 the threshold 1/((α − 1)ζ) grows without
// bound: softmax is the limit α = 1, where no finite t is exactly one-hot.
const answer2: number | undefined = 20;

// @exercise 3
// The relay attends to all 64 tokens, so one t for the layer must cover N = 64:
// t = (1/ζ)·ln(63 · 0.99 / 0.01) = 2·ln 6237.
const answer3: { size: number | undefined; threshold: number | undefined } = {
  size: 64,
  threshold: 2 * Math.log((63 * 0.99) / 0.01),
};
