/**
 * Depth against the mixing depth s: reversal (output k is input n−1−k) needs every token to
 * reach its mirror, which a pattern's reach sets allow only from L = s layers on (Assumption 1).
 * The lab's own question, not the paper's (notebook 15): does each pattern learn by L = s?
 */
import { type ExperimentDefinition, trainingSteps } from "../train/experiment_definition.ts";
import { taskSize } from "../train/tasks.ts";
import { plateauRule } from "../train/convergence.ts";
import { runTokenTask, type TokenTask } from "../train/token_task.ts";
import { denseBar, trainedPastCrossingBar } from "../train/competence.ts";
import { LEARNED, learnedComparisons, type SummarySeries } from "../train/summary.ts";
import { FIVE_SEEDS, single } from "./paper_comparison.ts";

/** Every position is scored: output k is input n − 1 − k. */
const reverseTask: TokenTask = (x) => ({
  input: x,
  target: x.map((_, i) => x[x.length - 1 - i]),
  weight: x.map(() => 1),
});

/** For every series with a mixing depth s: it learns (accuracy above LEARNED) by L = s. */
function learnsByMixingDepth(series: readonly SummarySeries[]) {
  return series.filter((s) => typeof s.mixingDepth === "number").map((s) =>
    learnedComparisons(
      `${s.label}: learns (accuracy above ${LEARNED}) by L = s = ${s.mixingDepth}`,
      series,
      (x) => x.label === s.label,
      s.mixingDepth!,
      true,
    )
  );
}

export const depthVsMixing: ExperimentDefinition = {
  name: "depth-vs-mixing",
  title: "Reversal (output k is input n−1−k) against depth L, with the mixing depth s",
  axis: "layers",
  metric: { key: "accuracy", label: "reversal accuracy", higherIsBetter: true },
  patterns: [
    single("dense"),
    { pattern: "strided", configuration: "sequential", parameters: { c: 4 } },
    single("star", {}),
    single("window", { w: 5 }),
    single("window", { w: 3 }),
  ],
  budgets: {
    quick: {
      size: taskSize({ n: 16, width: 16, heads: 2, ffHidden: 32, batch: 16, steps: 20, extra: 4 }),
      layers: [1, 2, 3],
      seeds: [0],
      levels: [],
    },
    full: {
      // the mean of five dense L = 2 runs first passes 0.9 at step 525 (evaluated every 75):
      // 2,000 steps train every run more than 3× past it, so a depth that fails has had the
      // time to learn
      size: taskSize({
        n: 16,
        width: 32,
        heads: 4,
        ffHidden: 64,
        batch: 16,
        steps: 2000,
        extra: 8,
        evalEvery: 75,
        // a run stops once 3 validations in a row improve its accuracy by at most 0.002,
        // between 2,000 steps and three times that: "does not learn" rests on a plateau
        convergence: plateauRule(2000, 0.002, true),
      }),
      layers: [1, 2, 3, 4, 5, 6],
      seeds: FIVE_SEEDS,
      levels: [],
    },
  },
  steps: trainingSteps,
  run: (task) => runTokenTask(reverseTask, task),
  benchSeries: { pattern: "strided", configuration: "sequential" },
  competence: [
    denseBar("accuracy", "reversal accuracy", 0.99, false, 2),
    trainedPastCrossingBar(2, 0.9, 3),
  ],
  findings: learnsByMixingDepth,
};
