/**
 * Where copies must squeeze through. The copy ceiling (`copyAccuracyBound`) asks whether each
 * source can reach its target at all; it does not ask how many copies share the way. A **hub** is
 * a token that every token attends to in some layer while the layer itself is not dense (STAR's
 * relay, FIXED's summary cells). Taking the hubs out (they neither read nor are read) and
 * recomputing the reach sets shows which copies depend on them: where none is left in reach,
 * every one of the n − o copies must pass through the hubs' vectors, at most hubs × L of them.
 */
import {
  copyPositions,
  type LayeredSchedule,
  LEARNED,
  pointAt,
  reachAfter,
  type SeriesCeilings,
  type SummarySeries,
} from "./summary.ts";
import { InputError, requireInteger } from "../util/errors.ts";

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

/** A planned series as the bottleneck table reads it: its ceilings and what each layer sees. */
export interface SeriesGeometry extends SeriesCeilings {
  layerSchedule: LayeredSchedule;
}

/** What the geometry says of one series at one depth, beside its committed accuracy. */
export interface CopyOutcome {
  label: string;
  layers: number;
  ceiling: number;
  hubs: number;
  /** Copies whose source is still in reach with the hubs taken out. */
  copiesWithoutHubs: number;
  copies: number;
  mean: number | null;
  seeds: number;
  /** Which account fits: the reach ceiling, the hub bottleneck, or neither (not geometry). */
  reading: "not committed" | "learns" | "ceiling below 1" | "hub bottleneck" | "not geometry";
}

/**
 * Each planned series at depth `layers`: its ceiling, hubs and the copies that avoid them, set
 * beside its committed mean accuracy, and the account that fits. A series below `LEARNED` is a
 * "ceiling below 1" when some sources are out of reach, a "hub bottleneck" when every source is in
 * reach but only through hubs, and "not geometry" when every copy has a path without a hub (what
 * stops it is optimisation or the model's size, not the pattern's reach).
 */
export function copyOutcomes(
  series: readonly SummarySeries[],
  planned: readonly SeriesGeometry[],
  layers: number,
  offset: number,
): CopyOutcome[] {
  return planned.map(({ label, ceilings, layerSchedule }) => {
    const ceiling = ceilings.find((c) => c.layers === layers)?.ceiling;
    if (ceiling === undefined) {
      throw new InputError("layers", layers, `expected a planned depth of ${label}`);
    }
    const hubs = hubTokens(layerSchedule, layers);
    const copiesWithoutHubs = copiesInReachAvoiding(layerSchedule, layers, offset, hubs);
    const found = series.find((s) => s.label === label);
    const point = found && pointAt(found, layers, "layers");
    const mean = point ? point.mean : null;
    const reading: CopyOutcome["reading"] = mean === null
      ? "not committed"
      : mean > LEARNED
      ? "learns"
      : ceiling < 1
      ? "ceiling below 1"
      : hubs.length > 0 && copiesWithoutHubs === 0
      ? "hub bottleneck"
      : "not geometry";
    return {
      label,
      layers,
      ceiling,
      hubs: hubs.length,
      copiesWithoutHubs,
      copies: copyPositions(layerSchedule.n, offset).length,
      mean,
      seeds: point ? point.values.length : 0,
      reading,
    };
  });
}
