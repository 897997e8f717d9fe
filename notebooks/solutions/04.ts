/**
 * Solutions to the exercises of notebook 04 (sparse attention layers). Each block replaces the
 * answer cell of its exercise when the notebook runs with `deno task reproduce --solutions`; it
 * may use everything the notebook defined above that cell.
 */
// @exercise 1
// Every row has 2w + 1 keys, except that rows 0..w−1 and their mirror images lose the keys past
// the ends: 1 + 2 + … + w on each side, so n(2w + 1) − w(w + 1).
const w = 2;
const answer1: number | undefined = n * (2 * w + 1) - w * (w + 1);

// @exercise 2
// The margin ζ of a row is its top score minus its runner-up; sparsemax is one-hot once t·ζ ≥ 1,
// so the smallest power of two at or above 1/min ζ. Read the margins, then confirm by running.
let margin = Infinity;
sparseAttentionLayer(x, n, d, patterns[1], [head], "softmax", {
  onScores: (_head, _k, _keys, scores) => {
    const [top, second] = [...scores].sort((a, b) => b - a);
    margin = Math.min(margin, top - second);
  },
});
const predicted = 2 ** Math.max(0, Math.ceil(Math.log2(1 / margin)));
const scaled = (t: number): HeadWeights => ({ ...head, wq: head.wq.map((v) => t * v) });
let observed = 1;
while (
  !rowsAreOneHot(attentionWeightMatrix(x, n, d, patterns[1], scaled(observed), "sparsemax"), n)
) {
  observed *= 2;
}
console.log(
  `smallest margin ζ = ${margin.toFixed(4)}: predicted t = ${predicted}, observed ${observed}`,
);
const answer2: number | undefined = observed;

// @exercise 3
// A least-squares slope of log time against log n; about 1.5, as the connections grow.
const stridedRecords = bench.records.filter((r) =>
  r.impl === "sparse" && r.pattern === "strided" && r.n >= 1024
);
const answer3: number | undefined = logLogSlope(
  stridedRecords.map((r) => r.n),
  stridedRecords.map((r) => r.ms),
);
