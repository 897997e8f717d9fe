/**
 * Where a pattern of one's own stands among an experiment's families: its per-seed metric
 * against each family's, two-sided Welch tests, Holm-adjusted across every comparison made.
 *
 * On the sparsity axis a family is compared at the pattern's own achieved sparsity, its per-seed
 * metric interpolated between the two trained points that bracket it (matched_findings.ts
 * `matchedValue`, the rule the README's verdicts use); a family whose curve does not reach that
 * sparsity is listed as out of range, never extrapolated. On the layers axis (a family trained at
 * one sparsity, at several depths) each family is compared at each depth both have, at its own
 * sparsity, which the row states: that comparison is not at matched sparsity. Dense and the
 * no-mixing baseline are compared as they are, at their own sparsity, as references.
 */
import { matchedValue } from "./matched_findings.ts";
import { ALPHA, type Axis, type SummarySeries } from "./summary.ts";
import { holmAdjust, welchTest } from "../util/statistics.ts";

export type Standing = "better" | "worse" | "no difference" | "out of range" | "too few seeds";

/** One comparison of the pattern with a family (or a reference) at one depth. */
export interface StandingRow {
  /** The family's series label. */
  family: string;
  /** The depth compared at (both trained at it). */
  layers: number;
  /** The sparsity the family's metric is taken at. */
  at: number;
  /** How the family's value was obtained. */
  how: "interpolated" | "trained point" | "its own sparsity";
  patternMean: number;
  familyMean: number;
  /** Pattern − family, in the metric's units (NaN when out of range). */
  difference: number;
  /** Holm-adjusted two-sided p-value (NaN when not tested). */
  p: number;
  standing: Standing;
  /** Seeds behind each side. */
  patternSeeds: number;
  familySeeds: number;
  /** An out-of-range family's trained sparsities, lowest and highest. */
  range?: [number, number];
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

interface Pair {
  family: SummarySeries;
  layers: number;
  at: number;
  how: StandingRow["how"];
  pattern: number[];
  values: number[];
}

/**
 * The family's values to compare with the pattern's: at the pattern's sparsity (a sparsity
 * experiment, trained at one depth, `layers`), or at each depth both have.
 */
function pairFor(
  family: SummarySeries,
  own: SummarySeries,
  axis: Axis,
  layers: number,
): Pair[] | "out of range" {
  if (axis === "sparsity") {
    const [point] = own.points;
    // dense, the baseline and STAR stand at one sparsity: compared there, as references
    if (family.pattern === "dense" || family.points.length === 1) {
      const [f] = family.points;
      return [{
        family,
        layers,
        at: f.x,
        how: "its own sparsity",
        pattern: point.values,
        values: f.values,
      }];
    }
    const matched = matchedValue(family, point.x);
    if (!matched) return "out of range";
    return [{
      family,
      layers,
      at: point.x,
      how: matched.exact ? "trained point" : "interpolated",
      pattern: point.values,
      values: matched.values,
    }];
  }
  return own.points.flatMap((point) => {
    const f = family.points.find((p) => p.x === point.x);
    return f
      ? [{
        family,
        layers: point.x,
        at: family.sparsity,
        how: "its own sparsity" as const,
        pattern: point.values,
        values: f.values,
      }]
      : [];
  });
}

/**
 * The pattern's standing against every family of `families` (the committed series), the tests
 * Holm-adjusted together. `own` is the pattern's series (summarized on the experiment's axis);
 * `layers` is the depth a sparsity experiment trains (its rows name it).
 */
export function patternStanding(
  own: SummarySeries,
  families: readonly SummarySeries[],
  axis: Axis,
  higherIsBetter: boolean,
  layers: number,
): StandingRow[] {
  const pairs: Pair[] = [];
  const outOfRange: StandingRow[] = [];
  for (const family of families) {
    const found = pairFor(family, own, axis, layers);
    if (found === "out of range") {
      const xs = family.points.map((p) => p.x);
      outOfRange.push({
        family: family.label,
        layers,
        at: own.points[0].x,
        how: "interpolated",
        patternMean: mean(own.points[0].values),
        familyMean: Number.NaN,
        difference: Number.NaN,
        p: Number.NaN,
        standing: "out of range",
        patternSeeds: own.points[0].values.length,
        familySeeds: 0,
        range: [Math.min(...xs), Math.max(...xs)],
      });
      continue;
    }
    pairs.push(...found);
  }
  const testable = pairs.filter((pair) => pair.pattern.length >= 2 && pair.values.length >= 2);
  const adjusted = holmAdjust(testable.map((pair) => welchTest(pair.pattern, pair.values).p));
  const rows = pairs.map((pair): StandingRow => {
    const index = testable.indexOf(pair);
    const difference = mean(pair.pattern) - mean(pair.values);
    const p = index === -1 ? Number.NaN : adjusted[index];
    const better = higherIsBetter ? difference > 0 : difference < 0;
    return {
      family: pair.family.label,
      layers: pair.layers,
      at: pair.at,
      how: pair.how,
      patternMean: mean(pair.pattern),
      familyMean: mean(pair.values),
      difference,
      p,
      standing: index === -1
        ? "too few seeds"
        : p < ALPHA
        ? (better ? "better" : "worse")
        : "no difference",
      patternSeeds: pair.pattern.length,
      familySeeds: pair.values.length,
    };
  });
  return [...rows, ...outOfRange];
}
