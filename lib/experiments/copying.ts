/**
 * Copying: the second half of the sequence repeats the first, at a prime offset no stride
 * divides, against the number of layers. The paper finds that STRIDED and FIXED learn to copy
 * where STAR and RANDOM do not (notebook 11).
 */
import { type ExperimentDefinition, trainingSteps } from "../train/experiment_definition.ts";
import { taskSize } from "../train/tasks.ts";
import { plateauRule } from "../train/convergence.ts";
import { BLANK, runTokenTask, type TokenTask } from "../train/token_task.ts";
import { denseEveryDepthBar, someSparseBar } from "../train/competence.ts";
import {
  LEARNED,
  learnedComparisons,
  type SummarySeries,
  worstComparisons,
} from "../train/summary.ts";
import { InputError } from "../util/errors.ts";
import {
  FIVE_SEEDS,
  ofPatterns,
  RANDOM_IS_WORST,
  single,
  sparseSeries,
} from "./paper_comparison.ts";

/**
 * How far back each copied token lies: the smallest prime above n/2. Position k ≥ offset must
 * output the token at k − offset. A prime offset is divisible by no stride c ≤ n/2, so no
 * STRIDED parameter holds the source in one hop by construction (n/2 itself would be, for every
 * c dividing it). Source tokens n − offset … offset − 1 are shown but never asked for.
 */
export function copyOffset(n: number): number {
  const isPrime = (m: number) => {
    for (let d = 2; d * d <= m; d++) if (m % d === 0) return false;
    return m > 1;
  };
  let offset = Math.floor(n / 2) + 1;
  while (!isPrime(offset)) offset++;
  if (offset >= n) throw new InputError("n", n, "too short to copy at a prime offset below n");
  return offset;
}

/** The encoder reads the first `offset` symbols, then blanks; it must fill each blank. */
const copyTask: TokenTask = (x) => {
  const offset = copyOffset(x.length);
  return {
    input: x.map((v, i) => (i < offset ? v : BLANK)),
    target: x.map((_, i) => x[i < offset ? i : i - offset]),
    weight: x.map((_, i) => (i < offset ? 0 : 1)),
  };
};

const METRIC = { key: "accuracy", label: "copy accuracy (second half)", higherIsBetter: true };
const LAYERS = [1, 2, 3, 4];
const DEEPEST = Math.max(...LAYERS);

/** The paper's findings on copying, judged at the deepest planned depth. */
function copyingFindings(series: readonly SummarySeries[]) {
  const sparse = sparseSeries(series);
  return [
    learnedComparisons(
      `STRIDED and FIXED learn to copy (accuracy above ${LEARNED}) with ${DEEPEST} layers`,
      sparse,
      ofPatterns("strided", "fixed"),
      DEEPEST,
      true,
    ),
    learnedComparisons(
      `STAR (and the widened window-relay) and RANDOM do not learn to copy (accuracy below ${LEARNED}) with ${DEEPEST} layers`,
      sparse,
      ofPatterns("star", "window-relay", "random"),
      DEEPEST,
      false,
    ),
    worstComparisons(RANDOM_IS_WORST, sparse, ofPatterns("random"), METRIC.higherIsBetter, {
      axis: "layers",
      at: [DEEPEST],
    }),
  ];
}

export const copying: ExperimentDefinition = {
  name: "copying",
  title: "Copying: the second half repeats the first",
  axis: "layers",
  metric: METRIC,
  patterns: [
    single("dense"),
    { pattern: "strided", configuration: "sequential" },
    { pattern: "fixed", configuration: "sequential" },
    { pattern: "strided", configuration: "union" },
    { pattern: "fixed", configuration: "union" },
    single("star", {}),
    single("window-relay"),
    single("random"),
  ],
  budgets: {
    quick: {
      size: taskSize({ n: 16, width: 16, heads: 2, ffHidden: 32, batch: 16, steps: 25, extra: 4 }),
      layers: LAYERS,
      seeds: [0],
      levels: [0.65],
    },
    full: {
      // dense at L = 2 sits at chance (loss ln 8) for 750 steps, then learns to copy by step
      // 900 (loss 3e-4): 2,000 steps leave the sparse patterns more than twice that time
      size: taskSize({
        n: 128,
        width: 64,
        heads: 4,
        ffHidden: 128,
        batch: 16,
        steps: 2000,
        extra: 8,
        evalEvery: 100,
        // a run stops once 3 validations in a row improve its accuracy by at most 0.002,
        // between the dense budget and three times it: a slow climber gets the time to finish
        convergence: plateauRule(2000, 0.002, true),
      }),
      layers: LAYERS,
      seeds: FIVE_SEEDS,
      // the level every configuration reaches within the tolerance (UNION stops near 0.77)
      levels: [0.75],
      parametersPerLevel: 2,
      randomDrawPerLayer: true,
    },
  },
  steps: trainingSteps,
  run: (task) => runTokenTask(copyTask, task),
  benchSeries: { pattern: "strided", configuration: "sequential" },
  competence: [
    denseEveryDepthBar("accuracy", "copy accuracy", 0.99, LAYERS),
    someSparseBar("accuracy", "copy accuracy", 0.99, DEEPEST),
  ],
  findings: copyingFindings,
};
