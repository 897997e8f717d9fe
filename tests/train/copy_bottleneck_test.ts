/** Hub tokens and the copies that depend on them, against hand counts at n = 8. */
import assert from "node:assert/strict";
import {
  copiesInReachAvoiding,
  copyOutcomes,
  hubTokens,
  withoutTokens,
} from "../../lib/train/copy_bottleneck.ts";
import { copyAccuracyBound, type SummarySeries } from "../../lib/train/summary.ts";
import { copyOffset } from "../../lib/experiments/copying.ts";
import {
  dense,
  fixed,
  type Schedule,
  slidingWindow,
  star,
  strided,
  windowRelay,
} from "../../lib/pattern/mod.ts";
import { InputError } from "../../lib/util/errors.ts";
import { summarySeries } from "../support/summary_series.ts";

// n = 8, offset 5: positions 5, 6, 7 copy sources 0, 1, 2
const n = 8;
const offset = copyOffset(n);

Deno.test("star's and window-relay's only hub is the relay; dense and windows have none", () => {
  assert.deepEqual(hubTokens(star({ n }), 1), [7]);
  assert.deepEqual(hubTokens(windowRelay({ n, w: 2 }), 3), [7]);
  assert.deepEqual(hubTokens(dense({ n }), 2), [], "a dense layer: every token alike, no hub");
  assert.deepEqual(hubTokens(slidingWindow({ n, w: 1 }), 4), []);
  assert.deepEqual(hubTokens(strided({ n, c: 2 }), 2), [], "a stride is read by half the tokens");
});

Deno.test("FIXED's hubs are the summary cells, found only once the summary layer is counted", () => {
  // blocks of 4, the last two cells of each summarise it: 2, 3 and 6, 7
  const schedule = fixed({ n, c: 4, summary: 2 });
  assert.deepEqual(hubTokens(schedule, 1), [], "the block layer has no hub");
  assert.deepEqual(hubTokens(schedule, 2), [2, 3, 6, 7]);
});

Deno.test("without its relay, star copies only along its ±1 neighbours, and the relay not at all", () => {
  const pattern = star({ n });
  // with the relay every source is in reach from two layers on
  assert.equal(copyAccuracyBound(pattern, 2, 8, offset), 1);
  // without it a source 5 positions away needs 5 hops; the relay's own copy (7 ← 2) never arrives
  for (let layers = 1; layers <= 4; layers++) {
    assert.equal(copiesInReachAvoiding(pattern, layers, offset, [7]), 0, `L = ${layers}`);
  }
  assert.equal(copiesInReachAvoiding(pattern, 5, offset, [7]), 2);
  assert.equal(copiesInReachAvoiding(pattern, 5, offset, []), 3, "nothing avoided: all three");
});

Deno.test("a token taken out reads nothing and is read by nobody", () => {
  const taken = withoutTokens(star({ n }), [7, 3]);
  const rows = Array.from({ length: n }, (_, k) => Array.from(taken.patternAt(0).row(k)));
  assert.deepEqual(rows[7], []);
  assert.deepEqual(rows[3], []);
  assert.deepEqual(rows[4], [4, 5], "4's neighbour 3 and the relay are gone");
  assert.deepEqual(rows[0], [0, 1]);
});

Deno.test("the bottleneck measures refuse a depth below one and an offset beyond the length", () => {
  assert.throws(() => hubTokens(star({ n }), 0), InputError);
  assert.throws(() => copiesInReachAvoiding(star({ n }), 1, n, []), InputError);
});

function series(label: string, layers: number, values: number[]): SummarySeries {
  return { ...summarySeries(label, label, values, layers), sparsity: 0.5 };
}

Deno.test("each outcome gets the account that fits it: ceiling, hub bottleneck or neither", () => {
  const symbols = 8;
  const geometry = (label: string, schedule: Schedule) => ({
    label,
    layerSchedule: schedule,
    ceilings: [2].map((layers) => ({
      layers,
      ceiling: copyAccuracyBound(schedule, layers, symbols, offset),
    })),
  });
  const planned = [
    geometry("dense", dense({ n })),
    geometry("star", star({ n })),
    geometry("window", slidingWindow({ n, w: 1 })),
    geometry("strided", strided({ n, c: 2 })),
    geometry("unrun", dense({ n })),
  ];
  const committed = [
    series("dense", 2, [1, 1]),
    series("star", 2, [0.3, 0.4]),
    series("window", 2, [0.12, 0.13]),
    series("strided", 2, [0.5, 0.7]),
  ];
  const outcomes = copyOutcomes(committed, planned, 2, offset);
  assert.deepEqual(
    outcomes.map((o) => [o.label, o.reading, o.hubs, o.copiesWithoutHubs, o.seeds]),
    [
      ["dense", "learns", 0, 3, 2],
      ["star", "hub bottleneck", 1, 0, 2],
      ["window", "ceiling below 1", 0, 0, 2],
      ["strided", "not geometry", 0, 3, 2],
      ["unrun", "not committed", 0, 3, 0],
    ],
  );
  assert.equal(outcomes[1].mean, 0.35);
  assert.equal(outcomes[0].copies, 3);
  assert.throws(() => copyOutcomes(committed, planned, 3, offset), InputError);
});
