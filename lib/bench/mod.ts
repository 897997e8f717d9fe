/**
 * lib/bench: the attention benchmark that notebook 04 runs live and `deno task bench` runs in
 * full — forward + backward time and peak memory of one attention layer, dense-masked against
 * the O(n·k) core, with the backend's own matmul rate measured in the same run. The training
 * benchmark and the results files live with the tool, in tools/bench/.
 */
// the patterns it runs, one run and its result, and the floors a result must clear
export {
  BENCH_PATTERNS,
  type BenchResult,
  checkFloors,
  requireBenchPattern,
  runBenchmark,
} from "./attention.ts";
