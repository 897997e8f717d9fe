/**
 * Solutions to the exercises of notebook 02 (Assumption 1). Each block replaces the answer cell of
 * its exercise when the notebook runs with `deno task reproduce --solutions`; it may use
 * everything the notebook defined above that cell.
 */
// @exercise 1
// Two windows glued by a one-way bridge: token 8 attends to 7, but 7 never to 8. The path
// 0 → 1 → … → n − 1 only needs each token to attend to its predecessor, so it survives; no token
// up to 7 ever hears from a token after it, so no depth mixes. Token 0 attends to 1: not causal.
const answer1: SparsityPattern | undefined = SparsityPattern.fromPredicate(
  "one-way bridge",
  n,
  (k, j) => Math.abs(j - k) <= 1 && !(k === 7 && j === 8),
);

// @exercise 2
// Each layer widens S_k by w on either side: s = ⌈(n − 1)/w⌉ = ⌈63/w⌉ ≤ 8 needs w ≥ 63/8.
const answer2: number | undefined = 8;

// @exercise 3
// The window: s = ⌈(n − 1)/w⌉ = ⌈15/3⌉ = 5. With the relay: after one layer the relay has heard
// every token, after the second every token has heard the relay.
const answer3: { window: number | undefined; relay: number | undefined } = { window: 5, relay: 2 };
