// Solutions to the exercises of notebook 12 (language modelling). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// window-relay (w) at the highest level, within ±0.02, by its sparsity
const highest = Math.max(...definition.budgets.full.levels);
const answer1 = admissiblePatterns(requireChoice("window-relay", "single"), full.n, highest)
  .filter((p) => Math.abs(p.sparsity - highest) <= 0.02 + 1e-12).length;
// @exercise 2
// perplexity = e^(nats) = 2^(bits): 2.5 bits per character
const answer2 = 2 ** 2.5;
// @exercise 3
// a configuration misses a level when none of its reachable levels is within ±0.02
const families = ["strided", "fixed"].flatMap((pattern) =>
  ["sequential", "union", "multihead"].map((configuration) => requireChoice(pattern, configuration))
);
const answer3 =
  families.flatMap((choice) =>
    definition.budgets.full.levels.filter((level) =>
      !reachableLevels(choice, full.n).some((reached) => Math.abs(reached - level) <= 0.02)
    )
  ).length;
