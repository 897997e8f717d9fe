/**
 * Which tokens may talk: patterns, schedules, the zoo and Assumption 1. The names code outside
 * lib/pattern uses and a student reaches for; lib/mod.ts re-exports them all to the notebooks.
 */
// patterns and schedules: CSR patterns, p patterns cycled over layers, their union and
// intersection, JSON in and out (with the pre-parse size check), mask panels to plot
export {
  asSchedule,
  intersectionOf,
  maskPanels,
  type PatternLike,
  requireFewArrays,
  Schedule,
  scheduleFromJson,
  type ScheduleJson,
  scheduleToJson,
  SparsityPattern,
  unionOf,
} from "./pattern.ts";
// the zoo: one constructor per family, the SEQUENTIAL / UNION compositions, and the registry
// that builds a pattern by name from loosely typed parameters
export {
  bigbird,
  buildPattern,
  dense,
  fixed,
  fixedCausal,
  longformer,
  random,
  requireZooEntry,
  resolvePatternParams,
  sequential,
  slidingWindow,
  star,
  strided,
  stridedCausal,
  union,
  windowRelay,
  ZOO,
  type ZooEntry,
} from "./zoo.ts";
// Assumption 1: the verdict on its three conditions, the self-loop check (1) alone, the
// verdict a construction requires, and the verdict as JSON
export {
  analyzeAssumption1,
  assumption1Json,
  type Assumption1Verdict,
  checkSelfLoops,
  requireAssumption1,
} from "./assumption1.ts";
// Hamiltonian paths (condition (2)): a checker and the exact search, with its size limit
export {
  EXACT_HAMILTONIAN_MAX_N,
  findHamiltonianPath,
  type HamiltonianPathReport,
  isHamiltonianPath,
} from "./hamiltonian_path.ts";
// reach sets (condition (3)) and the mixing depth s: the engine that picks its method, the
// bitset reference engine, what they report and take, and the first covering layer of a trace
export {
  firstCoveringLayer,
  REACH_BITSET_MAX_N,
  type ReachOptions,
  type ReachReport,
} from "./reach_report.ts";
export { reachSets } from "./reach_sets.ts";
// how many of the latest tokens a row reads without a gap (a row's, a pattern's mean, a
// schedule's widest layer)
export { meanRecentWindow, recentWindowOfRow, widestRecentWindow } from "./recent_window.ts";
export { reachSetsBitset } from "./reach_sets_bitset.ts";
