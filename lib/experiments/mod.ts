/**
 * lib/experiments' public face: the lab's experiments by name, their registry, and what
 * notebooks 11–15 show of them. Each experiment is one module (copying.ts, …); tools and tests
 * import the modules directly.
 */
// the registry: the lab's experiments by name, their competence bars, registering another
export {
  COMPETENCE_BARS,
  EXPERIMENT_DEFINITIONS,
  experimentNames,
  registerExperiment,
  requireExperiment,
} from "./registry.ts";
// the copy offset notebook 11 derives its ceilings from
export { copyOffset } from "./copying.ts";
// the rhyme pairs notebook 14's runs are scored on
export { rhymeEvaluationPairs } from "./classification.ts";
// an experiment's sweep by name: its plan, and training it
export { planSweep, runSweep } from "./sweeps.ts";
// what the notebooks show: plans, live runs, committed results, competence, ceilings, verdicts
export {
  committedReport,
  committedSeries,
  competenceRows,
  curveBumpRows,
  type CurveBumpWindows,
  curveCoverage,
  experimentVerdicts,
  gapRows,
  type PlannedCeilings,
  plannedCeilings,
  planRows,
  planSummary,
  type Rows,
  runQuickGridLive,
  runRows,
  verdictRows,
} from "./report.ts";
// the paper-style figure
export { experimentFigure, type ExperimentFigureOptions } from "./figures.ts";
// a pattern of one's own against the families: its standing and the figure with it drawn in
export {
  comparePatternFile,
  comparePatternLive,
  type PatternComparison,
  patternComparisonFigure,
} from "./own_pattern.ts";
