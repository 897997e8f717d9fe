/**
 * The named checks of the proof notebooks: the right answer, worked out by hand from the
 * formulas the notebooks teach, passes; a wrong one throws one WrongAnswer line with the value
 * given, the kind of value expected and a hint, and never the answer itself.
 */
import assert from "node:assert/strict";
import {
  contextualLayerCounts,
  deeperContextualMapping,
  gridInputCount,
  softmaxSettlingFactor,
  unmixedPattern,
} from "../../lib/exercises/proof.ts";
import { SparsityPattern } from "../../lib/pattern/pattern.ts";
import { assertWrongAnswer } from "../support/wrong_answer.ts";

Deno.test("05: |G_δ| at n = 3, d = 2, δ = 1/4 is (1/δ)^(nd) = 4^6", () => {
  gridInputCount(4096);
  assertWrongAnswer(() => gridInputCount(64), "64", /a count of grid inputs/);
  const message = (() => {
    try {
      gridInputCount(1);
    } catch (error) {
      return (error as Error).message;
    }
  })();
  assert.ok(!message!.includes("4096"), "the message does not give the answer away");
});

Deno.test("07: strided (p = 2) waits for its patterns and needs more layers than star", () => {
  deeperContextualMapping("strided");
  assertWrongAnswer(() => deeperContextualMapping("star"), '"star"', /a pattern name/);
});

Deno.test("07: dense Lemma 6 needs δ^(−d) + 1 = 5 layers; star with E (n − 1)δ^(−d) + s = 38", () => {
  contextualLayerCounts({ dense: 5, star: 38 });
  assertWrongAnswer(() => contextualLayerCounts({ dense: 4, star: 38 }), "4", /for dense, a count/);
  assertWrongAnswer(() => contextualLayerCounts({ dense: 5, star: 36 }), "36", /for star, a count/);
});

Deno.test("07: a schedule that never mixes passes; one that mixes is told why not", () => {
  // token 0 hears only itself: self-loops and the path 0 → 1 → 2 → 3, but no mixing depth
  unmixedPattern(SparsityPattern.fromLists("one-way", [[0], [0, 1], [1, 2], [2, 3]]));
  const window = SparsityPattern.fromLists("window", [[0, 1], [0, 1, 2], [1, 2, 3], [2, 3]]);
  assertWrongAnswer(() => unmixedPattern(window), 'the pattern "window"', /that never mixes/);
});

Deno.test("09: the settling factor is the first k whose worst deviation is below 10⁻⁶", () => {
  const check = softmaxSettlingFactor([1, 2, 4, 8], [1e-2, 1e-5, 1e-7, 0]);
  check(4);
  assertWrongAnswer(() => check(8), "8", /a factor k among scaleFactors \(1, 2, 4, 8\)/);
});
