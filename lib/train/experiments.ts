/**
 * The five experiments: what each sweeps, at which sizes (--quick and --full), and which task
 * trains one run. Sizes are the only knobs a budget changes; data/results/README.md records the
 * full ones with the measured wall time.
 */
import type { PatternChoice } from "./sweep_grid.ts";
import {
  runClassification,
  runLanguageModel,
  runSeq2seq,
  runTokenTask,
  type TaskOutcome,
  type TaskRun,
  type TaskSize,
} from "./tasks.ts";
import type { RunMode } from "./results.ts";

export const EXPERIMENTS = [
  "copying",
  "language-modeling",
  "seq2seq",
  "classification",
  "depth-vs-mixing",
] as const;
export type ExperimentName = typeof EXPERIMENTS[number];

/** One pattern of a sweep: at matched sparsity levels, or at fixed parameters (depth sweep). */
export interface GridPattern extends PatternChoice {
  parameters?: Record<string, number>;
}

export interface Budget {
  size: TaskSize;
  layers: number[];
  seeds: number[];
  /** Target sparsity levels (ignored by dense and by patterns with fixed parameters). */
  levels: number[];
}

export interface ExperimentDefinition {
  name: ExperimentName;
  title: string;
  /** The x axis of the paper-style figure. */
  axis: "layers" | "sparsity";
  /** The final metric the figure and verdicts use. */
  metric: { key: string; label: string; higherIsBetter: boolean };
  patterns: GridPattern[];
  budgets: Record<RunMode, Budget>;
  /** Training steps of one run (the progress bar's units). */
  steps(size: TaskSize): number;
  run(task: TaskRun): Promise<TaskOutcome>;
}

const single = (pattern: GridPattern["pattern"], parameters?: Record<string, number>) => ({
  pattern,
  configuration: "single" as const,
  parameters,
});

/** The paper's comparison: STRIDED and FIXED in three configurations, STAR, RANDOM, dense. */
const PAPER_PATTERNS: GridPattern[] = [
  single("dense"),
  ...(["strided", "fixed"] as const).flatMap((pattern) =>
    (["sequential", "union", "multihead"] as const).map((configuration) => ({
      pattern,
      configuration,
    }))
  ),
  single("star"),
  single("random"),
];

const trainingSteps = (size: TaskSize) => size.steps;

export const EXPERIMENT_DEFINITIONS: Record<ExperimentName, ExperimentDefinition> = {
  "copying": {
    name: "copying",
    title: "Copying: the second half repeats the first",
    axis: "layers",
    metric: { key: "accuracy", label: "copy accuracy (second half)", higherIsBetter: true },
    patterns: [
      single("dense"),
      { pattern: "strided", configuration: "sequential" },
      { pattern: "fixed", configuration: "sequential" },
      single("star"),
      single("random"),
    ],
    budgets: {
      quick: {
        size: size({ n: 16, width: 16, heads: 2, ffHidden: 32, batch: 16, steps: 25, extra: 4 }),
        layers: [1, 2, 3, 4],
        seeds: [0],
        levels: [0.65],
      },
      full: {
        size: size({ n: 32, width: 32, heads: 4, ffHidden: 64, batch: 16, steps: 300, extra: 8 }),
        layers: [1, 2, 3, 4],
        seeds: [0, 1, 2],
        levels: [0.7],
      },
    },
    steps: trainingSteps,
    run: (task) => runTokenTask("copy", task),
  },
  "language-modeling": {
    name: "language-modeling",
    title: "Character language modelling on Moby Dick (for LM1B)",
    axis: "sparsity",
    metric: { key: "perplexity", label: "test perplexity (per character)", higherIsBetter: false },
    patterns: PAPER_PATTERNS,
    budgets: {
      quick: {
        size: size({ n: 32, width: 16, heads: 2, ffHidden: 32, batch: 8, steps: 12 }),
        layers: [2],
        seeds: [0],
        levels: [0.6, 0.7],
      },
      full: {
        size: size({ n: 64, width: 32, heads: 4, ffHidden: 64, batch: 16, steps: 150 }),
        layers: [2],
        seeds: [0, 1, 2],
        levels: [0.7, 0.8],
      },
    },
    steps: trainingSteps,
    run: runLanguageModel,
  },
  "seq2seq": {
    name: "seq2seq",
    title: "Grapheme → phoneme on CMUdict (for WMT en–cs)",
    axis: "sparsity",
    metric: { key: "bleu", label: "test BLEU-4 over phonemes", higherIsBetter: true },
    patterns: PAPER_PATTERNS,
    budgets: {
      quick: {
        size: size({ n: 16, width: 16, heads: 2, ffHidden: 32, batch: 8, steps: 10, extra: 1 }),
        layers: [1],
        seeds: [0],
        levels: [0.65],
      },
      full: {
        size: size({ n: 32, width: 32, heads: 4, ffHidden: 64, batch: 16, steps: 150, extra: 3 }),
        layers: [2],
        seeds: [0, 1, 2],
        levels: [0.6, 0.7],
      },
    },
    steps: trainingSteps,
    run: runSeq2seq,
  },
  "classification": {
    name: "classification",
    title: "Masked-LM pretraining, then spam vs ham on SpamAssassin (for MNLI / XNLI)",
    axis: "sparsity",
    metric: { key: "accuracy", label: "test accuracy (spam vs ham)", higherIsBetter: true },
    patterns: PAPER_PATTERNS,
    budgets: {
      quick: {
        size: size({ n: 32, width: 16, heads: 2, ffHidden: 32, batch: 8, steps: 8, extra: 4 }),
        layers: [1],
        seeds: [0],
        levels: [0.7],
      },
      full: {
        size: size({ n: 64, width: 32, heads: 4, ffHidden: 64, batch: 16, steps: 80, extra: 80 }),
        layers: [2],
        seeds: [0, 1, 2],
        levels: [0.7, 0.8],
      },
    },
    steps: (s) => s.steps + s.extra,
    run: runClassification,
  },
  "depth-vs-mixing": {
    name: "depth-vs-mixing",
    title: "Reversal (output k is input n−1−k) against depth L, with the mixing depth s",
    axis: "layers",
    metric: { key: "accuracy", label: "reversal accuracy", higherIsBetter: true },
    patterns: [
      single("dense"),
      { pattern: "strided", configuration: "sequential", parameters: { c: 4 } },
      single("star", { w: 1 }),
      single("window", { w: 5 }),
      single("window", { w: 3 }),
    ],
    budgets: {
      quick: {
        size: size({ n: 16, width: 16, heads: 2, ffHidden: 32, batch: 16, steps: 20, extra: 4 }),
        layers: [1, 2, 3],
        seeds: [0],
        levels: [],
      },
      full: {
        size: size({ n: 16, width: 32, heads: 4, ffHidden: 64, batch: 16, steps: 250, extra: 8 }),
        layers: [1, 2, 3, 4, 5, 6],
        seeds: [0, 1, 2],
        levels: [],
      },
    },
    steps: trainingSteps,
    run: (task) => runTokenTask("reverse", task),
  },
};

function size(
  s: Omit<TaskSize, "learningRate" | "evalEvery" | "extra"> & Partial<TaskSize>,
): TaskSize {
  return {
    learningRate: 3e-3,
    evalEvery: Math.max(1, Math.floor(s.steps / 10)),
    extra: 0,
    ...s,
  };
}
