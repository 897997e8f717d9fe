/**
 * What an experiment declares, and all the sweep machinery needs of it: what it sweeps (patterns,
 * and per budget the sizes, depths, seeds and sparsity levels), how one run trains, the metric
 * and x axis of its figure and verdicts, the competence bars its full results must clear, and
 * the paper's findings it judges. Each experiment is one module of lib/experiments/ exporting
 * one ExperimentDefinition; its registry lists them. lib/train receives a definition and never
 * looks one up by name.
 */
import type { PatternChoice } from "./sweep_grid.ts";
import type { TaskOutcome, TaskRun, TaskSize } from "./tasks.ts";
import type { RunMode } from "./results.ts";
import type { CompetenceBar } from "./competence.ts";
import type { Finding, SummarySeries } from "./summary.ts";

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
  /**
   * The most admissible parameters trained per pattern, configuration and level (the extremes
   * and those nearest the level; sweep_grid.ts `spreadOfAdmissible`). Absent: every one.
   */
  parametersPerLevel?: number;
  /**
   * Train each family along a curve instead of at `levels`: points spread over the sparsities
   * it reaches between `lowest` and `highest` (sweep.ts `curveTargets`), compared at matched
   * sparsity by interpolation (matched_findings.ts).
   */
  curve?: CurveSpec;
  /**
   * RANDOM draws a fresh pattern for each layer (its reach then grows layer by layer as a
   * deterministic schedule's does); absent or false: one draw serves every layer.
   */
  randomDrawPerLayer?: boolean;
}

/** A curve of metric against achieved sparsity: how many points, over which span. */
export interface CurveSpec {
  lowest: number;
  highest: number;
  points: number;
}

export interface ExperimentDefinition {
  /** The command line's and the results folder's name (data/results/NAME/). */
  name: string;
  /** The figure's title, and the task in words. */
  title: string;
  /** The x axis of the paper-style figure, and what the verdicts compare along. */
  axis: "layers" | "sparsity";
  /** The final metric the figure (its y axis) and the verdicts use. */
  metric: { key: string; label: string; higherIsBetter: boolean };
  patterns: GridPattern[];
  budgets: Record<RunMode, Budget>;
  /**
   * The sparse series `deno task bench --train` times beside dense at this experiment's full
   * size and deepest depth (tools/bench/sweep_steps.ts); absent: the experiment is not timed.
   */
  benchSeries?: { pattern: string; configuration: string };
  /**
   * Where a full sweep keeps its best sparse model (relative to the checkout, without
   * extension) and the validation metric that ranks it (lower is better; never a test metric,
   * which the kept model then reports): lib/train/best_model.ts.
   */
  bestModel?: { stem: string; metric: string };
  /** Training steps of one run (the progress bar's units). */
  steps(size: TaskSize): number;
  /** Trains and evaluates one run. */
  run(task: TaskRun): Promise<TaskOutcome>;
  /** What the committed full results must show before any verdict (competence.ts). */
  competence: readonly CompetenceBar[];
  /**
   * The findings it judges on summarized results, as comparisons not yet judged (summary.ts
   * builds them; one Holm family per experiment).
   */
  findings(series: readonly SummarySeries[]): Finding[];
}

/** The training steps of a run that trains `size.steps` steps (every experiment but one). */
export const trainingSteps = (size: TaskSize) => size.steps;
