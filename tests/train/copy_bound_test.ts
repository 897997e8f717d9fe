/** The copy ceiling, the hops to each copy source and the ceiling checks, against hand counts. */
import assert from "node:assert/strict";
import {
  accuracyAgainstCeilingRows,
  copyAccuracyBound,
  copySourceHops,
  pointsAgainstCeilings,
  type SummarySeries,
} from "../../lib/train/summary.ts";
import { copyOffset } from "../../lib/experiments/copying.ts";
import { summaryPoint } from "../support/summary_series.ts";
import { dense, slidingWindow, star } from "../../lib/pattern/mod.ts";
import { InputError } from "../../lib/util/errors.ts";

// n = 8: the copy offset is the smallest prime above n/2 = 4, so positions 5, 6, 7 copy 0, 1, 2
const n = 8;
const offset = copyOffset(n);

Deno.test("the copy offset at n = 8 is 5, and dense reaches every source in one layer", () => {
  assert.equal(offset, 5);
  assert.equal(copyAccuracyBound(dense({ n }), 1, 8, offset), 1);
  assert.equal(copyAccuracyBound(dense({ n }), 0, 8, offset), 1 / 8, "no layer: guess only");
  assert.deepEqual(copySourceHops(dense({ n }), offset, 3), [1, 1, 1]);
});

Deno.test("a window of half-width 1 needs one layer per position of distance", () => {
  const window = slidingWindow({ n, w: 1 });
  // every source is 5 positions away: out of reach before layer 5, all in reach at 5
  for (let layers = 1; layers <= 4; layers++) {
    assert.equal(copyAccuracyBound(window, layers, 8, offset), 1 / 8, `L = ${layers}`);
  }
  assert.equal(copyAccuracyBound(window, 5, 8, offset), 1);
  assert.deepEqual(copySourceHops(window, offset, 8), [5, 5, 5]);
  assert.deepEqual(copySourceHops(window, offset, 4), [null, null, null], "not within 4");
});

Deno.test("star's relay copies at once, everyone else through the relay in two hops", () => {
  const pattern = star({ n });
  // layer 1: only the relay (token 7) sees everything, so 1 of the 3 copy positions reads its
  // source (2) and the other two guess one of 4 symbols
  assert.equal(copyAccuracyBound(pattern, 1, 4, offset), 1 / 3 + (2 / 3) / 4);
  assert.equal(copyAccuracyBound(pattern, 2, 4, offset), 1);
  assert.deepEqual(copySourceHops(pattern, offset, 4), [2, 2, 1]);
});

Deno.test("the copy ceiling refuses an offset that leaves nothing to copy", () => {
  assert.throws(() => copyAccuracyBound(star({ n }), 1, 8, n), InputError);
  assert.throws(() => copyAccuracyBound(star({ n }), 1, 8, 0), InputError);
  assert.throws(() => copyAccuracyBound(star({ n }), -1, 8, offset), InputError);
  assert.throws(() => copySourceHops(star({ n }), offset, 0), InputError);
});

function series(label: string, byLayers: Record<number, number[]>): SummarySeries {
  const points = Object.entries(byLayers).map(([layers, values]) =>
    summaryPoint(Number(layers), null, values)
  );
  return { label, pattern: label, configuration: "single", sparsity: 0.5, points };
}

Deno.test("a point is above its ceiling only when its whole interval is", () => {
  const results = [
    series("a", { 1: [0.9, 0.91, 0.9, 0.92, 0.9], 2: [1, 1, 1, 1, 1], 3: [0.7] }),
    series("b", { 1: [0.12, 0.13, 0.12, 0.14, 0.12] }),
  ];
  const ceilings = [
    {
      label: "a",
      ceilings: [1, 2, 3].map((layers) => ({ layers, ceiling: layers === 1 ? 0.5 : 1 })),
    },
    { label: "b", ceilings: [{ layers: 1, ceiling: 0.125 }] },
    { label: "c", ceilings: [{ layers: 1, ceiling: 0.125 }] },
  ];
  const checks = pointsAgainstCeilings(results, ceilings);
  // a at L = 3 has one seed (no interval) and c has no runs: both left out
  assert.deepEqual(checks.map((c) => [c.label, c.layers, c.above]), [
    ["a", 1, true],
    ["a", 2, false],
    ["b", 1, false],
  ]);
});

Deno.test("the accuracy rows show every depth, the best mean and the ceiling there", () => {
  const rows = accuracyAgainstCeilingRows(
    [series("a", { 1: [0.2, 0.4], 2: [0.8, 0.8] })],
    [{ label: "a", ceilings: [1, 2, 3].map((layers) => ({ layers, ceiling: layers / 4 })) }],
  );
  assert.deepEqual(rows, [{
    pattern: "a",
    "L=1": "0.30±0.14",
    "L=2": "0.80±0.00",
    "L=3": "—",
    "best mean (at L)": "0.800 (L=2)",
    "ceiling there": "0.500",
  }]);
});
