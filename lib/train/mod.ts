/**
 * lib/train's public face: what the notebooks and a student use of the training machinery.
 * Tools, tests and lib/experiments import the implementation files directly; plumbing (claims,
 * the data cache, the READMEs' tables, the scheduler, statistics internals) is not listed here.
 */
// sweep grids: which parameters of a pattern reach a sparsity level
export {
  admissiblePatterns,
  reachableLevels,
  requireChoice,
  type SparsityPoint,
  sparsityProfile,
} from "./sweep_grid.ts";
// metrics of the experiments and a confidence interval for an accuracy
export { perplexity, phonemeErrorRate } from "./metrics.ts";
export { wilsonInterval } from "../util/statistics.ts";
// the rhyme-pair task of notebook 14: CMUdict words by rhyme, and a pair as text
export { loadCmudict, loadCmudictRhymes, rhymeOf } from "./datasets.ts";
export { pairText } from "./pair_tasks.ts";
// results summarized, and ceilings from the patterns' reach sets (notebooks 11 and 15)
export {
  accuracyAgainstCeilingRows,
  ALPHA,
  copyAccuracyBound,
  copySourceHops,
  LEARNED,
  pointsAgainstCeilings,
  reversalAccuracyBound,
  type SummarySeries,
} from "./summary.ts";
export type { RunResult } from "./results.ts";
// where copies squeeze through hub tokens (notebook 11)
export { copiesInReachAvoiding, copyOutcomes, hubTokens } from "./copy_bottleneck.ts";
// what an experiment declares (one module each in lib/experiments/; registerExperiment adds one)
export type { ExperimentDefinition } from "./experiment_definition.ts";
// families compared at the same sparsity: per-seed interpolation along each family's curve,
// and each family's gap to dense at its trained points (notebooks 12–14)
export { atMatchedSparsity, type SeedPoint, sharedSparsityRange } from "./matched_sparsity.ts";
export { type CurveBump, curveBumps, type GapPoint, gapsToDense } from "./matched_findings.ts";
// training until the validation metric plateaus, between a floor and a cap
export {
  type ConvergenceRule,
  hasPlateaued,
  type TrainingLength,
  trainingLengthOf,
} from "./convergence.ts";
