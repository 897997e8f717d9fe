/** Which tokens may talk: patterns, schedules, the zoo and Assumption 1. */
export * from "./pattern.ts";
export * from "./zoo.ts";
export * from "./assumption1.ts";
export {
  EXACT_HAMILTONIAN_MAX_N,
  findHamiltonianPath,
  type HamiltonianPathReport,
  isHamiltonianPath,
} from "./hamiltonian_path.ts";
export {
  firstCoveringLayer,
  REACH_BITSET_MAX_N,
  type ReachOptions,
  type ReachReport,
} from "./reach_report.ts";
export { reachSets } from "./reach_sets.ts";
export { reachSetsBitset } from "./reach_sets_bitset.ts";
