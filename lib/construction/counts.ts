/**
 * Layers per stage (notebooks/paper.md §2.9): the price of sparsity in depth. Counted from the
 * layer plans themselves (no enumeration), so any n, d, δ works whose plan, about p(n−1)δ^(−d)
 * layers, is at most MAX_PLANNED_LAYERS (checked on logarithms before anything is planned).
 */
import type { PatternLike } from "../pattern/pattern.ts";
import {
  countContextualLayers,
  phaseOneLayers,
  phaseTwoLayers,
  requireConstructible,
} from "./contextual.ts";
import { denseContextualLayers, denseLemma6Formula } from "./dense.ts";
import { DeltaGrid, requirePlannableLayers } from "./grid.ts";
import { positionalEmbedding, quantizationLayers } from "./quantization.ts";

export interface LayerCountRow {
  pattern: string;
  n: number;
  d: number;
  delta: number;
  p: number;
  s: number;
  quantization: number;
  contextualMapping: number;
  /** The bound p(n−1)δ^{−d} + s. */
  predicted: number;
  /** n·δ^{−dn}: one layer per grid input and token (a float beyond 2^53). */
  valueMapping: number;
  /** The dense permutation-equivariant contextual mapping (ICLR Lemma 6), from its built plan. */
  denseContextualMapping: number;
}

/** Layer counts of the sparse construction for a schedule satisfying Assumption 1. */
export function layerCounts(
  pattern: PatternLike,
  opts: { d: number; delta: number },
): LayerCountRow {
  const { schedule, gamma, s } = requireConstructible(pattern);
  const grid = new DeltaGrid(schedule.n, opts.d, opts.delta);
  requirePlannableLayers(schedule.numPatterns, grid.n, grid.d, grid.levels);
  const contextual = [
    ...phaseOneLayers(schedule, grid, gamma),
    ...phaseTwoLayers(schedule, grid, s, 1n),
  ];
  const counts = countContextualLayers(contextual, schedule, grid, s);
  return {
    pattern: schedule.name,
    n: grid.n,
    d: grid.d,
    delta: grid.delta,
    p: schedule.numPatterns,
    s,
    quantization: quantizationLayers(grid, positionalEmbedding(grid, gamma)).length,
    contextualMapping: counts.total,
    predicted: counts.predicted,
    valueMapping: grid.n * grid.size,
    denseContextualMapping: denseLemma6Layers(grid.d, grid.delta, grid.n),
  };
}

/**
 * The dense contextual mapping of the ICLR paper (Lemma 6, permutation-equivariant inputs with
 * distinct columns): δ^{−d} selective shifts and one global shift, notebooks/paper.md §2.6. Counted
 * from the built layer plan (dense.ts, for n tokens; the count does not depend on n) and checked
 * against the formula δ^{−d} + 1.
 */
export function denseLemma6Layers(d: number, delta: number, n = 2): number {
  const grid = new DeltaGrid(n, d, delta);
  requirePlannableLayers(1, 2, grid.d, grid.levels);
  const built = denseContextualLayers(grid).length;
  const formula = denseLemma6Formula(d, delta);
  if (built !== formula) {
    throw new Error(
      `dense Lemma 6 plan has ${built} layers, the formula δ^(−d) + 1 says ${formula}`,
    );
  }
  return built;
}
