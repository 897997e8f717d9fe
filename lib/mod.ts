/**
 * The public face of the lab: notebooks import everything from here (`../lib/mod.ts`). Listed
 * by layer, in the order data flows; each layer imports only from the layers above it. File
 * plumbing (lib/util/system.ts) and the size limits (lib/util/limits.ts) are not re-exported:
 * tools and lib modules import them directly.
 */
// util: the quick-mode switch, input errors that name the parameter, seeded randomness,
// claims that throw when a notebook's statement is false, exercise checks, and a log-log slope fit
export { quickMode } from "./env.ts";
export { InputError } from "./util/errors.ts";
export { seededRng } from "./util/random.ts";
export { claim, claimClose, ClaimError } from "./util/claim.ts";
export { checkExercise, expectAnswer, WrongAnswer } from "./util/exercise.ts";
export { logLogSlope } from "./util/fit.ts";
// pattern: which tokens may talk — patterns, schedules, the zoo, Assumption 1
export {
  analyzeAssumption1,
  asSchedule,
  assumption1Json,
  type Assumption1Verdict,
  bigbird,
  buildPattern,
  checkSelfLoops,
  dense,
  EXACT_HAMILTONIAN_MAX_N,
  findHamiltonianPath,
  firstCoveringLayer,
  fixed,
  fixedCausal,
  type HamiltonianPathReport,
  intersectionOf,
  isHamiltonianPath,
  longformer,
  maskPanels,
  type PatternLike,
  random,
  REACH_BITSET_MAX_N,
  type ReachOptions,
  type ReachReport,
  reachSets,
  reachSetsBitset,
  requireAssumption1,
  requireZooEntry,
  resolvePatternParams,
  Schedule,
  scheduleFromJson,
  type ScheduleJson,
  scheduleToJson,
  sequential,
  slidingWindow,
  SparsityPattern,
  star,
  strided,
  stridedCausal,
  union,
  unionOf,
  windowRelay,
  ZOO,
  type ZooEntry,
} from "./pattern/mod.ts";
// attention: how they talk — probability maps, float64 reference layers, TensorFlow.js layers
export {
  adamTrainer,
  assumption2Threshold,
  ATTENTION_IMPLS,
  type AttentionImpl,
  CausalDecoder,
  EncoderClassifier,
  EncoderDecoder,
  entmax,
  entmax15,
  FlatAdam,
  hardmax,
  type HeadWeights,
  initTf,
  lowestWinnerWeights,
  MultiHeadAttention,
  ParameterSet,
  probabilityMap,
  runNetwork,
  softmax,
  sparseAttentionLayer,
  SparseEncoder,
  sparsemax,
  type StackConfig,
  tf,
  worstCaseScores,
} from "./attention/mod.ts";
// construction: Theorem 1's constructive proof as a real network, verified exhaustively
export {
  buildContextualMapping,
  buildDenseContextualMapping,
  buildTheorem1Network,
  checkDistinct,
  checkValueMapping,
  constructionMargin,
  type ContextualMapping,
  DeltaGrid,
  denseLayerCounts,
  embeddedGridState,
  evaluateRamp,
  exactAttention,
  exactIds,
  idVector,
  layerCounts,
  levelsFromDelta,
  lpDistance,
  perLayerDeviation,
  phaseOneLayers,
  phaseTwoLayers,
  piecewiseConstant,
  positionalEmbedding,
  quantizationLayers,
  quantizerPhi,
  referenceFunction,
  referenceLayer,
  reluRamp,
  requireConstructible,
  requireEnumerableGrid,
  smoothingDistance,
} from "./construction/mod.ts";
// train: data sets, tokenizers, metrics, training, experiment sweeps and their results
export {
  accuracyAgainstCeilingRows,
  admissiblePatterns,
  ALPHA,
  copiesInReachAvoiding,
  copyAccuracyBound,
  copyOutcomes,
  copySourceHops,
  type ExperimentDefinition,
  hubTokens,
  LEARNED,
  loadCmudict,
  loadCmudictRhymes,
  pairText,
  perplexity,
  phonemeErrorRate,
  pointsAgainstCeilings,
  reachableLevels,
  requireChoice,
  reversalAccuracyBound,
  rhymeOf,
  type RunResult,
  sparsityProfile,
  type SummarySeries,
  wilsonInterval,
} from "./train/mod.ts";
// experiments: one module each, their registry, and what notebooks 11–15 show of them
export {
  committedReport,
  committedSeries,
  comparePatternLive,
  COMPETENCE_BARS,
  competenceRows,
  copyOffset,
  curveBumpRows,
  curveCoverage,
  EXPERIMENT_DEFINITIONS,
  experimentFigure,
  experimentVerdicts,
  gapRows,
  plannedCeilings,
  planRows,
  planSummary,
  planSweep,
  registerExperiment,
  rhymeEvaluationPairs,
  runQuickGridLive,
  runRows,
  verdictRows,
} from "./experiments/mod.ts";
// export: ONNX graphs from models and the onnxruntime-web runner
export {
  checkParity,
  encodeText,
  EXPORTED_KINDS,
  exportToOnnx,
  loadSavedModel,
  officialOnnxCheck,
  OnnxRunner,
  predictNextCharacter,
  randomModel,
  SERVED_CHAR_MODEL,
  servedModelStanding,
  tfForward,
  timeBoth,
  topCharacters,
} from "./export/mod.ts";
// plot: Plotly figure builders and tables that display themselves in Jupyter
export {
  Figure,
  linePlot,
  maskHeatmap,
  type MaskPanel,
  PLOTLY_MIME,
  type Series,
  show,
  table,
  verdictTable,
} from "./plot/mod.ts";
// bench: the attention benchmark notebook 04 runs live
export {
  BENCH_PATTERNS,
  type BenchResult,
  checkFloors,
  requireBenchPattern,
  runBenchmark,
} from "./bench/mod.ts";
// construction harnesses notebook 07 shows: exact id traces, the price of sparsity in depth
export { type IdTraceRow, traceContextualIds } from "./construction/trace.ts";
export {
  type DepthPriceRow,
  depthPriceSchedules,
  depthPriceTable,
  depthPriceViolations,
} from "./construction/depth_price.ts";
// Theorem 1 end to end: the distances from f to f̄, ḡ and g (notebook 10)
export { smoothingSetting, theorem1Errors } from "./construction/end_to_end.ts";
// an exported ONNX file read back: operators, opsets, stored masks (notebook 16)
export { STANDARD_OPERATORS, summarizeOnnxGraph } from "./export/graph_summary.ts";
// attention harnesses notebook 04 shows: one head's weight matrix, implementation parity
export {
  attentionRowViolation,
  attentionWeightMatrix,
  rowsAreOneHot,
} from "./attention/weights.ts";
export {
  compareAttentionImplementations,
  type ImplementationGaps,
} from "./attention/implementation_parity.ts";
// exercises: named checks the notebooks' check cells call (the answers are computed there)
export { frameworkExercises } from "./exercises/framework.ts";
export { proofExercises } from "./exercises/proof.ts";
export { layerExercises } from "./exercises/layers.ts";
export { experimentExercises } from "./exercises/experiments.ts";
