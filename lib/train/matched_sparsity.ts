/**
 * Comparing pattern families at the same sparsity. Each family is trained at several of its
 * parameters, each reaching its own exact sparsity; two families rarely reach the same one. A
 * family's metric at a level it does not hit exactly is read off its curve: per seed, linearly
 * between the two trained points whose sparsities bracket the level (seeds are paired by their
 * number, so a seed's interpolated value comes from that seed's own runs). Outside the family's
 * trained range there is no value: a curve is never extrapolated.
 */
import { InputError } from "../util/errors.ts";

/** One trained parameter of a family: its exact sparsity and each seed's metric. */
export interface SeedPoint {
  sparsity: number;
  bySeed: ReadonlyMap<number, number>;
}

/** Sparsities closer than this are the same level (exact sparsities are ratios of integers). */
const SAME_LEVEL = 1e-9;

function checkPoints(points: readonly SeedPoint[]): SeedPoint[] {
  for (const point of points) {
    if (!(point.sparsity >= 0 && point.sparsity <= 1)) {
      throw new InputError("sparsity", point.sparsity, "expected a number in [0, 1]");
    }
  }
  return [...points].sort((a, b) => a.sparsity - b.sparsity);
}

/**
 * Each seed's metric at sparsity `level`: the trained point's own values when one lies at the
 * level, else per seed the linear interpolation between the nearest trained points below and
 * above it (seeds present in both). Undefined when the level lies outside the trained range or no
 * seed was trained at both bracketing points.
 */
export function atMatchedSparsity(
  points: readonly SeedPoint[],
  level: number,
): Map<number, number> | undefined {
  if (!(level >= 0 && level <= 1)) {
    throw new InputError("level", level, "expected a sparsity in [0, 1]");
  }
  const sorted = checkPoints(points);
  const exact = sorted.find((point) => Math.abs(point.sparsity - level) <= SAME_LEVEL);
  if (exact) return new Map(exact.bySeed);
  const above = sorted.findIndex((point) => point.sparsity > level);
  if (above <= 0) return undefined;
  const [low, high] = [sorted[above - 1], sorted[above]];
  const weight = (level - low.sparsity) / (high.sparsity - low.sparsity);
  const values = new Map<number, number>();
  for (const [seed, lowValue] of low.bySeed) {
    const highValue = high.bySeed.get(seed);
    if (highValue !== undefined) values.set(seed, lowValue + weight * (highValue - lowValue));
  }
  return values.size > 0 ? values : undefined;
}

/**
 * The sparsities every family's curve covers: from the largest of their lowest trained
 * sparsities to the smallest of their highest; undefined when the ranges do not overlap.
 */
export function sharedSparsityRange(
  families: readonly (readonly SeedPoint[])[],
): { low: number; high: number } | undefined {
  if (families.length === 0 || families.some((points) => points.length === 0)) return undefined;
  const ranges = families.map(checkPoints).map((sorted) => ({
    low: sorted[0].sparsity,
    high: sorted[sorted.length - 1].sparsity,
  }));
  const low = Math.max(...ranges.map((range) => range.low));
  const high = Math.min(...ranges.map((range) => range.high));
  return low <= high + SAME_LEVEL ? { low, high: Math.max(low, high) } : undefined;
}
