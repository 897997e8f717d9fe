/**
 * The named checks of the framework notebooks (01–03): answers worked out by hand from the
 * notebooks' formulas pass; wrong ones throw one WrongAnswer line with the value given, the
 * kind expected and a hint.
 */
import assert from "node:assert/strict";
import {
  entmaxOneHotScale,
  matchedRandomSparsity,
  softmaxThreshold,
  windowAndRelayDepths,
  windowConnections,
  windowWidthForDepth,
} from "../../lib/exercises/framework.ts";
import { WrongAnswer } from "../../lib/util/exercise.ts";

function wrong(check: () => void, pattern: RegExp): void {
  assert.throws(check, (error) => {
    assert.ok(error instanceof WrongAnswer, String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.stack!.includes("\n"), "no stack frames");
    return true;
  });
}

Deno.test("01: window(w = 2) at n = 16 has 16·5 − 2·(1 + 2) = 74 connections", () => {
  windowConnections(74);
  wrong(() => windowConnections(80), /^you gave 80, expected a count of query–key pairs.*Hint: /);
});

Deno.test("01: star's connections at n = 64 over n² fix the matching sparsity", () => {
  // star: 63 satellites with 4 keys (the two at the ends 3) plus a relay row of 64
  const starConnections = 61 * 4 + 2 * 3 + 64;
  matchedRandomSparsity(1 - starConnections / 64 ** 2);
  wrong(() => matchedRandomSparsity(0.5), /at yours random keeps 2048 connections, not star's/);
  wrong(() => matchedRandomSparsity(1.5), /^you gave 1\.5, expected a sparsity level in \[0, 1\)/);
});

Deno.test("02: window mixing depths ⌈(n − 1)/w⌉; the relay mixes in two layers", () => {
  windowWidthForDepth(8); // ⌈63/8⌉ = 8, ⌈63/7⌉ = 9
  wrong(() => windowWidthForDepth(9), /expected a half-width w/);
  windowAndRelayDepths(16)({ window: 5, relay: 2 });
  wrong(() => windowAndRelayDepths(16)({ window: 5, relay: 3 }), /for window-relay, a mixing/);
});

Deno.test("03: thresholds from the table: softmax's logarithm and entmax's 1/((α − 1)ζ)", () => {
  softmaxThreshold(Math.log((15 * 0.999) / 0.001) / 0.25);
  wrong(() => softmaxThreshold(10), /^you gave 10, expected a scale t/);
  entmaxOneHotScale(1 / (0.2 * 0.25));
  wrong(() => entmaxOneHotScale(10), /not one-hot at your t/);
  wrong(() => entmaxOneHotScale(100), /already one-hot below it/);
});
