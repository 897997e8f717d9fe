/**
 * How much of the recent past a pattern shows each row without a gap. Row k's recent window is
 * the length of the unbroken run of keys k, k − 1, k − 2, … that it attends to (0 when it does
 * not attend to itself). Under a causal mask the past is all a row may see, and two patterns of
 * the same sparsity can give their rows very different recent windows: a long stride with a
 * short local window, or a short stride with a long one. The measure explains curves whose
 * metric jumps where the parameter that reaches a sparsity changes, not sparsity itself.
 */
import { asSchedule, type PatternLike, type SparsityPattern } from "./pattern.ts";

/** The recent window of row k: how many of k, k − 1, … the row attends to before a gap. */
export function recentWindowOfRow(pattern: SparsityPattern, k: number): number {
  const row = pattern.row(k);
  // keys are sorted ascending: walk back from the row's own position while they stay adjacent
  let index = row.length - 1;
  while (index >= 0 && row[index] > k) index--;
  let expected = k;
  let run = 0;
  while (index >= 0 && row[index] === expected) {
    run++;
    expected--;
    index--;
  }
  return run;
}

/** The mean recent window over a pattern's rows. */
export function meanRecentWindow(pattern: SparsityPattern): number {
  let total = 0;
  for (let k = 0; k < pattern.n; k++) total += recentWindowOfRow(pattern, k);
  return total / pattern.n;
}

/**
 * The widest mean recent window among a schedule's layers: the most recent context any one
 * layer reads without a gap (a SEQUENTIAL schedule's local layer, a UNION's every layer).
 */
export function widestRecentWindow(pattern: PatternLike): number {
  const schedule = asSchedule(pattern);
  let widest = 0;
  for (let layer = 0; layer < schedule.numPatterns; layer++) {
    widest = Math.max(widest, meanRecentWindow(schedule.patternAt(layer)));
  }
  return widest;
}
