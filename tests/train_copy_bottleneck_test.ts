/** Hub tokens and the copies that depend on them, against hand counts at n = 8. */
import assert from "node:assert/strict";
import {
  copiesInReachAvoiding,
  copyAccuracyBound,
  copyOffset,
  hubTokens,
  withoutTokens,
} from "../lib/train/mod.ts";
import { dense, fixed, slidingWindow, star, strided, windowRelay } from "../lib/pattern/mod.ts";
import { InputError } from "../lib/util/errors.ts";

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
