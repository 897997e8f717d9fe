/**
 * The reach sets S_k^t and the mixing depth s of a schedule: dispatches to the interval engine,
 * squaring, the bitset engine, or the closure and bounds, by what the schedule allows.
 */
import { asSchedule, type PatternLike } from "./pattern.ts";
import { reachBounds } from "./reach_bounds.ts";
import {
  REACH_BITSET_MAX_N,
  type ReachOptions,
  type ReachReport,
  validateReachOptions,
} from "./reach_report.ts";
import { reachSetsBitset } from "./reach_sets_bitset.ts";
import { reachByRuns } from "./reach_sets_runs.ts";
import { reachBySquaring } from "./reach_sets_squaring.ts";

/**
 * The reach sets S_k^t and the mixing depth s, exactly: layer by layer on runs (intervals)
 * per token, by squaring the period when it maps tokens to intervals around them (a window of
 * any length answers in O(n log² n)), and on bitsets when the runs fragment at small n. For
 * large patterns whose sets fragment, the answer is "none" when the closure proves it, else
 * "unknown" with bounds (never a guess).
 */
export function reachSets(pattern: PatternLike, options: ReachOptions = {}): ReachReport {
  const schedule = asSchedule(pattern);
  const n = schedule.n;
  validateReachOptions(options, n);
  const maxLayers = options.maxLayers ?? Math.max(64, 4 * n * schedule.numPatterns);
  const engine = options.engine ?? "auto";
  if (engine === "bitset") return reachSetsBitset(schedule, options);
  const outcome = reachByRuns(schedule, options, maxLayers);
  if ("done" in outcome) return outcome.done;
  if (outcome.stopped === "squaring") {
    return reachBySquaring(schedule, outcome.period, outcome.prefix, maxLayers, outcome.sizes);
  }
  if (engine === "auto" && n <= REACH_BITSET_MAX_N) return reachSetsBitset(schedule, options);
  return reachBounds(schedule, outcome.layersChecked, outcome.sizes, outcome.reason, maxLayers);
}
