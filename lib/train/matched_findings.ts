/**
 * The paper's findings judged at matched sparsity. On the sparsity axis a series is one family in
 * one configuration, its points the parameters it was trained at, each at its own exact
 * sparsity (summary.ts). Two families are compared only at a level both curves cover: each
 * family's per-seed metric there is its own value when a trained point sits at the level, else
 * interpolated between the two points that bracket it (matched_sparsity.ts); a curve is never
 * extrapolated. The levels are a grid the experiment names and the sparsity of every family
 * trained at one point only (STAR, at its own sparsity), so STAR is compared where it stands.
 * A family whose curve ends below a level enters there only through its sparsest point, and
 * only as the side that would lose: a family that is sparser and still better is better at
 * matched sparsity too, provided removing connections does not improve a family's metric.
 *
 * How a finding's tests combine follows what it claims (judgeFindings in summary.ts): "X is best"
 * and "X is worse than every other" need every one-sided comparison significant (an
 * intersection–union test); "X is never the best" needs one. No series is chosen by its mean:
 * the claimed families are named in advance, and each is compared with each other family.
 *
 * A comparison that would call a family worse is set aside as undertrained when that family's
 * runs at the bracketing points had not all plateaued (convergence.ts): a run stopped by its cap
 * while still improving may have been caught mid-climb.
 */
import { atMatchedSparsity, type SeedPoint } from "./matched_sparsity.ts";
import {
  type Comparison,
  type Finding,
  MIN_SEEDS,
  type SummaryPoint,
  type SummarySeries,
} from "./summary.ts";
import { meanInterval, slopeTest, welchTest } from "../util/statistics.ts";

/** A family's per-seed metric at one level, and whether the points it rests on plateaued. */
export interface MatchedValue {
  series: SummarySeries;
  level: number;
  values: number[];
  seeds: number[];
  /** Every run of the trained points the value rests on stopped on a plateau. */
  plateaued: boolean;
  /** True when a trained point sits at the level (no interpolation). */
  exact: boolean;
}

const SAME_LEVEL = 1e-9;

function seedPoint(point: SummaryPoint): SeedPoint {
  return {
    sparsity: point.x,
    bySeed: new Map(point.seeds.map((seed, i) => [seed, point.values[i]])),
  };
}

/** The trained points of `series` a value at `level` rests on: one exact, or the bracketing two. */
function pointsUnder(series: SummarySeries, level: number): SummaryPoint[] {
  const sorted = [...series.points].sort((a, b) => a.x - b.x);
  const exact = sorted.find((p) => Math.abs(p.x - level) <= SAME_LEVEL);
  if (exact) return [exact];
  const above = sorted.findIndex((p) => p.x > level);
  return above <= 0 ? [] : [sorted[above - 1], sorted[above]];
}

/** The family's per-seed metric at `level`, or undefined outside its trained range. */
export function matchedValue(series: SummarySeries, level: number): MatchedValue | undefined {
  const bySeed = atMatchedSparsity(series.points.map(seedPoint), level);
  if (!bySeed) return undefined;
  const under = pointsUnder(series, level);
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  return {
    series,
    level,
    values: seeds.map((seed) => bySeed.get(seed)!),
    seeds,
    plateaued: under.every((p) => p.plateaued === p.values.length),
    exact: under.length === 1,
  };
}

/**
 * The levels a sparsity experiment compares at: the given grid and the sparsity of every sparse
 * family trained at a single point (STAR, at its own), ascending.
 */
export function comparisonLevels(
  series: readonly SummarySeries[],
  grid: readonly number[],
): number[] {
  const levels = [...grid];
  for (const s of series) {
    if (s.pattern !== "dense" && s.points.length === 1) levels.push(s.points[0].x);
  }
  // exact sparsities are ratios of integers: a level within SAME_LEVEL of another is the same
  const sorted = levels.sort((a, b) => a - b);
  return sorted.filter((level, i) => i === 0 || level - sorted[i - 1] > SAME_LEVEL);
}

const levelName = (level: number) => `sparsity ${level.toFixed(3)}`;

/** A value as evidence: mean with its 95% t interval over seeds, and how it was obtained. */
function shown(v: MatchedValue): string {
  const mean = v.values.reduce((a, b) => a + b, 0) / v.values.length;
  const how = v.exact ? "" : ", interpolated";
  if (v.values.length < 2) return `${v.series.label} ${mean.toFixed(3)} (1 seed${how})`;
  const i = meanInterval(v.values);
  return `${v.series.label} ${mean.toFixed(3)} [${i.lower.toFixed(3)}, ${
    i.upper.toFixed(3)
  }]${how}`;
}

/**
 * One-sided Welch test that `winner` is better than `loser` at their level; undertrained when
 * the loser's points had not all plateaued (a "worse" resting on them is not a finding).
 */
function beats(
  winner: MatchedValue,
  loser: MatchedValue,
  higherIsBetter: boolean,
  supports: boolean,
): Comparison {
  const { p } = welchTest(winner.values, loser.values, higherIsBetter ? "greater" : "less");
  const where = Math.abs(loser.level - winner.level) <= SAME_LEVEL
    ? ""
    : ` at its sparsest (${loser.level.toFixed(3)})`;
  const label = `${levelName(winner.level)}: ${winner.series.label} better than ` +
    `${loser.series.label}${where}`;
  return {
    label,
    p,
    supports,
    ...(loser.plateaued
      ? {}
      : { undertrained: `${loser.series.label} at ${levelName(loser.level)}` }),
  };
}

/** Each family's value at `level` with enough seeds; the rest are named as too few. */
function valuesAt(series: readonly SummarySeries[], level: number, notes: string[]) {
  const values: MatchedValue[] = [];
  for (const s of series) {
    const value = matchedValue(s, level);
    if (!value) continue;
    if (value.values.length < MIN_SEEDS) {
      notes.push(`${levelName(level)}: ${s.label} has fewer than ${MIN_SEEDS} seeds`);
      continue;
    }
    values.push(value);
  }
  return values;
}

/**
 * The sparsest trained point of each family whose whole curve lies below `level` (with enough
 * seeds). A family sparser than another and still better is better at matched sparsity too, as
 * long as removing connections does not improve a family's metric; the converse says nothing,
 * so these points only ever enter as the side that would be worse.
 */
function sparsestEndingBelow(series: readonly SummarySeries[], level: number): MatchedValue[] {
  return series.flatMap((s) => {
    const sparsest = [...s.points].sort((a, b) => b.x - a.x)[0];
    if (!sparsest || sparsest.x >= level - SAME_LEVEL || sparsest.values.length < MIN_SEEDS) {
      return [];
    }
    const value = matchedValue(s, sparsest.x);
    return value ? [value] : [];
  });
}

/** What a finding over matched levels covers: the levels judged, families, seeds. */
function coverage(judged: Map<number, MatchedValue[]>, notes: readonly string[]): string {
  const all = [...judged.values()].flat();
  if (all.length === 0) {
    return notes.length > 0 ? `fewer than ${MIN_SEEDS} seeds per point so far` : "no runs yet";
  }
  const levels = [...judged.keys()].map((l) => l.toFixed(3)).join(", ");
  const families = new Set(all.map((v) => v.series.label)).size;
  const seeds = [...new Set(all.map((v) => v.values.length))].sort((a, b) => a - b).join("–");
  return `matched sparsity ${levels}; ${families} families; ${seeds} seeds per point`;
}

type Claimed = (s: SummarySeries) => boolean;

/**
 * Comparisons of the claimed families with the others at every comparison level where both
 * sides have a value, built by `compare` from the values there.
 */
function atMatchedLevels(
  finding: string,
  series: readonly SummarySeries[],
  grid: readonly number[],
  claimed: Claimed,
  claim: Finding["claim"],
  compare: (mine: MatchedValue[], others: MatchedValue[], sparser: MatchedValue[]) => Comparison[],
): Finding {
  const sparse = series.filter((s) => s.pattern !== "dense");
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  const judged = new Map<number, MatchedValue[]>();
  for (const level of comparisonLevels(sparse, grid)) {
    const values = valuesAt(sparse, level, notes);
    const mine = values.filter((v) => claimed(v.series));
    const others = values.filter((v) => !claimed(v.series));
    const endingBelow = sparsestEndingBelow(sparse.filter((s) => !claimed(s)), level);
    if (mine.length === 0 || others.length + endingBelow.length === 0) continue;
    comparisons.push(...compare(mine, others, endingBelow));
    const below = endingBelow.map((v) => `${shown(v)} at its sparsest, ${v.level.toFixed(3)}`);
    notes.push(`${levelName(level)}: ${[...[...mine, ...others].map(shown), ...below].join("; ")}`);
    judged.set(level, [...mine, ...others, ...endingBelow]);
  }
  return { finding, covers: coverage(judged, notes), comparisons, notes, claim };
}

/**
 * "The claimed families are the best": at every matched level, each claimed family beats each
 * other family there (every test significant); opposed where another beats a claimed one.
 */
export function bestAtMatchedSparsity(
  finding: string,
  series: readonly SummarySeries[],
  grid: readonly number[],
  claimed: Claimed,
  higherIsBetter: boolean,
): Finding {
  return atMatchedLevels(
    finding,
    series,
    grid,
    claimed,
    "every",
    (mine, others, sparser) =>
      mine.flatMap((m) => [
        ...others.flatMap((o) => [
          beats(m, o, higherIsBetter, true),
          beats(o, m, higherIsBetter, false),
        ]),
        // sparser and better: better at matched sparsity too
        ...sparser.map((o) => beats(m, o, higherIsBetter, true)),
      ]),
  );
}

/**
 * Comparisons where the claimed family is the one said to lose: each other family beating it
 * supports the claim, it beating another (or, sparser, a family whose curve ends below) opposes.
 */
function claimedLoses(finding: string, claim: Finding["claim"]) {
  return (
    series: readonly SummarySeries[],
    grid: readonly number[],
    claimed: Claimed,
    higherIsBetter: boolean,
  ): Finding =>
    atMatchedLevels(
      finding,
      series,
      grid,
      claimed,
      claim,
      (mine, others, sparser) =>
        mine.flatMap((m) => [
          ...others.flatMap((o) => [
            beats(o, m, higherIsBetter, true),
            beats(m, o, higherIsBetter, false),
          ]),
          // sparser and better than a family whose curve ends below: against the claim
          ...sparser.map((o) => beats(m, o, higherIsBetter, false)),
        ]),
    );
}

/**
 * "The claimed family is worse than every other": at every matched level, each other family
 * beats it (every test significant); opposed where it beats another.
 */
export function worstAtMatchedSparsity(
  finding: string,
  series: readonly SummarySeries[],
  grid: readonly number[],
  claimed: Claimed,
  higherIsBetter: boolean,
): Finding {
  return claimedLoses(finding, "every")(series, grid, claimed, higherIsBetter);
}

/**
 * "The claimed family is never the best": at every level it reaches, some other family beats it
 * (one significant test suffices); opposed where it beats every other family.
 */
export function neverBestAtMatchedSparsity(
  finding: string,
  series: readonly SummarySeries[],
  grid: readonly number[],
  claimed: Claimed,
  higherIsBetter: boolean,
): Finding {
  return claimedLoses(finding, "any")(series, grid, claimed, higherIsBetter);
}

/** A family's gap to dense at one of its trained points: mean and 95% interval over seeds. */
export interface GapPoint {
  family: string;
  sparsity: number;
  /** How much worse than dense (dense − metric when higher is better, else metric − dense). */
  gap: number;
  lower: number;
  upper: number;
  seeds: number;
}

/** Each sparse family's gap to the dense reference at every trained point. */
export function gapsToDense(
  series: readonly SummarySeries[],
  higherIsBetter: boolean,
): GapPoint[] {
  const dense = series.find((s) => s.pattern === "dense")?.points[0];
  if (!dense) return [];
  const sign = higherIsBetter ? 1 : -1;
  return series.filter((s) => s.pattern !== "dense").flatMap((s) =>
    s.points.map((p) => {
      const gaps = p.values.map((v) => sign * (dense.mean - v));
      const interval = gaps.length > 1
        ? meanInterval(gaps)
        : { estimate: gaps[0], lower: gaps[0], upper: gaps[0] };
      return {
        family: s.label,
        sparsity: p.x,
        gap: interval.estimate,
        lower: interval.lower,
        upper: interval.upper,
        seeds: gaps.length,
      };
    })
  );
}

/** Points a slope needs: below three, a line through them tests nothing. */
const SLOPE_POINTS = 3;

/**
 * "The gap to dense grows with sparsity, in every family": for each sparse family with at least
 * three trained points, a one-sided test that the slope of its metric against its achieved
 * sparsity (every run a point) is in the worse direction; every family's test significant
 * supports it, any family's significant slope the other way opposes it. A family whose points had
 * not all plateaued is set aside as undertrained.
 */
export function gapGrowsWithSparsity(
  finding: string,
  series: readonly SummarySeries[],
  higherIsBetter: boolean,
): Finding {
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  const families: string[] = [];
  for (const s of series.filter((s) => s.pattern !== "dense")) {
    if (s.points.length < SLOPE_POINTS) continue;
    if (s.points.some((p) => p.values.length < MIN_SEEDS)) {
      notes.push(`${s.label}: fewer than ${MIN_SEEDS} seeds at some point`);
      continue;
    }
    const xs = s.points.flatMap((p) => p.values.map(() => p.x));
    const ys = s.points.flatMap((p) => p.values);
    const worse = slopeTest(xs, ys, higherIsBetter ? "less" : "greater");
    const better = slopeTest(xs, ys, higherIsBetter ? "greater" : "less");
    const plateaued = s.points.every((p) => p.plateaued === p.values.length);
    const undertrained = plateaued ? {} : { undertrained: `${s.label} (some runs not plateaued)` };
    comparisons.push(
      {
        label: `${s.label}: metric worsens with sparsity`,
        p: worse.p,
        supports: true,
        ...undertrained,
      },
      { label: `${s.label}: metric improves with sparsity`, p: better.p, supports: false },
    );
    const range = `${s.points[0].x.toFixed(3)}–${s.points.at(-1)!.x.toFixed(3)}`;
    notes.push(
      `${s.label}: slope ${worse.difference.toPrecision(3)} per unit sparsity over ${range} ` +
        `(${s.points.length} points)`,
    );
    families.push(s.label);
  }
  const covers = families.length === 0
    ? (notes.length > 0 ? `fewer than ${MIN_SEEDS} seeds per point so far` : "no runs yet")
    : `${families.length} families with at least ${SLOPE_POINTS} points each`;
  return { finding, covers, comparisons, notes, claim: "every" };
}

/**
 * A trained point of a family's curve that is worse than both of its neighbours on the curve,
 * seed by seed: where the parameter that reaches a sparsity, not the sparsity, sets the metric.
 */
export interface CurveBump {
  family: string;
  point: SummaryPoint;
  /** The neighbouring trained points: the denser one (below in sparsity) and the sparser one. */
  below: SummaryPoint;
  above: SummaryPoint;
  /** The seeds the three points share; the bump is worse than both neighbours in every one. */
  seeds: number[];
}

/**
 * Every interior point of every sparse family's curve that is worse than both neighbours in
 * each of at least MIN_SEEDS seeds the three points share (every shared seed, none excepted).
 * A curve is read in order of achieved sparsity; dense and one-point families have no interior.
 */
export function curveBumps(
  series: readonly SummarySeries[],
  higherIsBetter: boolean,
): CurveBump[] {
  const worse = (a: number, b: number) => higherIsBetter ? a < b : a > b;
  const bySeed = (p: SummaryPoint) => new Map(p.seeds.map((seed, i) => [seed, p.values[i]]));
  const bumps: CurveBump[] = [];
  for (const s of series) {
    if (s.pattern === "dense") continue;
    const points = [...s.points].sort((a, b) => a.x - b.x);
    for (let i = 1; i + 1 < points.length; i++) {
      const [below, point, above] = [points[i - 1], points[i], points[i + 1]].map(bySeed);
      const seeds = [...point.keys()].filter((seed) => below.has(seed) && above.has(seed))
        .sort((a, b) => a - b);
      const everySeed = seeds.every((seed) =>
        worse(point.get(seed)!, below.get(seed)!) && worse(point.get(seed)!, above.get(seed)!)
      );
      if (seeds.length >= MIN_SEEDS && everySeed) {
        bumps.push({
          family: s.label,
          point: points[i],
          below: points[i - 1],
          above: points[i + 1],
          seeds,
        });
      }
    }
  }
  return bumps;
}
