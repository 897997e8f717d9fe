/**
 * What several experiments share of the paper's comparison: its patterns (STRIDED and FIXED in
 * three configurations, STAR, RANDOM, dense), five seeds per point, and the two findings the
 * paper states for more than one task (RANDOM is the worst pattern; STAR struggles).
 */
import type { GridPattern } from "../train/experiment_definition.ts";
import {
  bestComparisons,
  type ComparedAt,
  type Finding,
  type SummarySeries,
  worstComparisons,
} from "../train/summary.ts";

/** A pattern in its only configuration, optionally at fixed parameters. */
export const single = (pattern: GridPattern["pattern"], parameters?: Record<string, number>) => ({
  pattern,
  configuration: "single" as const,
  parameters,
});

/**
 * The paper's comparison: STRIDED and FIXED in three configurations, STAR, RANDOM, dense. STAR
 * is the Star-Transformer at its own sparsity (about 5n connections, more sparse than any level
 * the others reach); "window-relay", the lab's widened STAR, stands in for it at the matched
 * levels and is named as such wherever it appears.
 */
export const PAPER_PATTERNS: GridPattern[] = [
  single("dense"),
  ...(["strided", "fixed"] as const).flatMap((pattern) =>
    (["sequential", "union", "multihead"] as const).map((configuration) => ({
      pattern,
      configuration,
    }))
  ),
  single("star", {}),
  single("window-relay"),
  single("random"),
];

/** Seeds of every full sweep: each plotted point is a mean over five runs. */
export const FIVE_SEEDS = [0, 1, 2, 3, 4];

/** The series the paper compares: every pattern but the dense reference. */
export const sparseSeries = (series: readonly SummarySeries[]) =>
  series.filter((s) => s.pattern !== "dense");

/** Selects the series of the named pattern families. */
export const ofPatterns = (...patterns: string[]) => (s: SummarySeries) =>
  patterns.includes(s.pattern);

/**
 * The Star-Transformer reaches one level only (about 5n connections); at the matched levels the
 * lab's widened window-relay stands in for it, and every finding about STAR names it.
 */
const isStarLike = ofPatterns("star", "window-relay");

/** "RANDOM is worse than every deterministic pattern", at every level (or the given points). */
export function randomIsWorst(
  sparse: readonly SummarySeries[],
  higherIsBetter: boolean,
  options: ComparedAt = {},
): Finding {
  return worstComparisons(
    "RANDOM is worse than every deterministic pattern",
    sparse,
    ofPatterns("random"),
    higherIsBetter,
    options,
  );
}

/** "STAR struggles": some other pattern is the best at every level. */
export function starStruggles(sparse: readonly SummarySeries[], higherIsBetter: boolean): Finding {
  return bestComparisons(
    "STAR struggles (it is never the best pattern; window-relay stands in at matched levels)",
    sparse,
    (s) => !isStarLike(s),
    higherIsBetter,
  );
}
