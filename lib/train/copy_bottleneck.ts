/**
 * Where copies must squeeze through. The copy ceiling (`copyAccuracyBound`) asks whether each
 * source can reach its target at all; it does not ask how many copies share the way. A **hub** is
 * a token that every token attends to in some layer while the layer itself is not dense (STAR's
 * relay, FIXED's summary cells). Taking the hubs out (they neither read nor are read) and
 * recomputing the reach sets shows which copies depend on them: where none is left in reach,
 * every one of the n − o copies must pass through the hubs' vectors, at most hubs × L of them.
 */
import { copyPositions, type LayeredSchedule, reachAfter } from "./summary.ts";
import { requireInteger } from "../util/errors.ts";

/**
 * The hub tokens of the first `layers` layers, ascending: tokens attended by every token in a
 * layer that is not dense (in a dense layer every token would qualify, and none is special).
 */
export function hubTokens(schedule: LayeredSchedule, layers: number): number[] {
  requireInteger("layers", layers, 1);
  const n = schedule.n;
  const hubs = new Set<number>();
  for (let layer = 0; layer < layers; layer++) {
    const pattern = schedule.patternAt(layer);
    const readers = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      for (const j of new Set(Array.from(pattern.row(k)))) readers[j]++;
    }
    const full = [...readers.keys()].filter((j) => readers[j] === n);
    if (full.length < n) full.forEach((j) => hubs.add(j));
  }
  return [...hubs].sort((a, b) => a - b);
}

/** The schedule with the given tokens taken out: they attend to nothing and nobody attends them. */
export function withoutTokens(
  schedule: LayeredSchedule,
  tokens: readonly number[],
): LayeredSchedule {
  const out = new Set(tokens);
  return {
    n: schedule.n,
    patternAt(layer: number) {
      const pattern = schedule.patternAt(layer);
      return {
        row: (k: number) => out.has(k) ? [] : Array.from(pattern.row(k)).filter((j) => !out.has(j)),
      };
    },
  };
}

/**
 * How many of the n − o copy positions still have their source in reach after `layers` layers
 * once the `avoided` tokens are taken out (`withoutTokens`). With the hubs avoided, 0 means every
 * copy runs through a hub.
 */
export function copiesInReachAvoiding(
  schedule: LayeredSchedule,
  layers: number,
  offset: number,
  avoided: readonly number[],
): number {
  const positions = copyPositions(schedule.n, offset);
  const reach = reachAfter(withoutTokens(schedule, avoided), layers);
  return positions.filter((k) => reach[k][k - offset] === 1).length;
}
