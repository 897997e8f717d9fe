/**
 * The named checks of notebook 10 and of the experiment notebooks (11–16): answers worked out by
 * hand from the notebooks' formulas (or by an independent computation) pass; wrong ones throw
 * one WrongAnswer line with the value given, the kind of value expected and a hint.
 */
import assert from "node:assert/strict";
import { buildTheorem1Network } from "../../lib/construction/network.ts";
import {
  attendedKeys,
  densePerplexityBar,
  fixedMultiheadPairs,
  phonemeErrorRateByHand,
  refusedTargetScale,
  refusedZooPattern,
  smallVocabularyInside,
  starCopyCeiling,
  starReversalCeiling,
  stridedSequentialStrides,
  testSetSize,
  theorem1LayerTotal,
  unreachablePairs,
  wilsonHalfWidthAt950,
  windowCopyHops,
  windowMixingDepth,
  windowRelayWidths,
  windowReversalCeiling,
} from "../../lib/exercises/experiments.ts";
import { copyOffset } from "../../lib/experiments/copying.ts";
import { EXPERIMENT_DEFINITIONS } from "../../lib/experiments/registry.ts";
import { star } from "../../lib/pattern/families/star.ts";
import { reachableLevels, requireChoice } from "../../lib/train/sweep_grid.ts";
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
  const accepts = (a: number) => {
    try {
      buildTheorem1Network((x) => target(x).map((v) => a * v), star({ n }), { d, delta: 1 / 4 });
      return true;
    } catch {
      return false;
    }
  };
  let a = 1;
  while (accepts(a)) a *= 2;
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

Deno.test("12: a configuration misses a level when no reachable level is within ±0.02", () => {
  const { levels, size } = EXPERIMENT_DEFINITIONS["language-modeling"].budgets.full;
  const missing =
    ["strided", "fixed"].flatMap((pattern) =>
      ["sequential", "union", "multihead"].flatMap((configuration) =>
        levels.filter((level) =>
          !reachableLevels(requireChoice(pattern, configuration), size.n)
            .some((reached) => Math.abs(reached - level) <= 0.02)
        )
      )
    ).length;
  unreachablePairs(missing);
  assertWrongAnswer(
    () => unreachablePairs(missing + 1),
    String(missing + 1),
    /pattern × level pairs/,
  );
  assertWrongAnswer(() => windowRelayWidths(-1), "-1", /a count of half-widths w/);
});

Deno.test("11: STRIDED SEQUENTIAL's strides, counted from the averaged sparsity", () => {
  const { levels: [level], size, parametersPerLevel } =
    EXPERIMENT_DEFINITIONS["copying"].budgets.full;
  const sparsity = (c: number) => {
    let connections = 0;
    for (let k = 0; k < size.n; k++) {
      connections += Math.min(size.n - 1, k + c) - Math.max(0, k - c) + 1;
      connections += Math.ceil((size.n - (k % c)) / c);
    }
    return 1 - connections / 2 / size.n ** 2;
  };
  const admissible = Array.from({ length: size.n / 2 - 1 }, (_, i) => i + 2)
    .filter((c) => Math.abs(sparsity(c) - level) <= 0.02 + 1e-12).length;
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

Deno.test("13: FIXED MULTIHEAD's admissible pairs, counted from the averaged sparsity", () => {
  const { levels, size } = EXPERIMENT_DEFINITIONS["seq2seq"].budgets.full;
  const lowest = Math.min(...levels);
  const sparsity = (c: number, summary: number) => {
    const cells = (size.n / c) * summary;
    return 1 - (size.n * c + size.n * cells + (size.n - cells)) / 2 / size.n ** 2;
  };
  const pairs = Array.from({ length: size.n - 2 }, (_, i) => i + 2)
    .filter((c) => size.n % c === 0)
    .flatMap((c) => [1, 2, 4, 8, 16, 32].filter((s) => s < c).map((s) => sparsity(c, s)))
    .filter((value) => Math.abs(value - lowest) <= 0.02 + 1e-12).length;
  fixedMultiheadPairs(pairs);
  assertWrongAnswer(
    () => fixedMultiheadPairs(pairs + 1),
    String(pairs + 1),
    /a count of \(c, c′\) pairs/,
  );
});

// ---- 14 ----

const z = 1.959964;
const halfWidth = (p: number, trials: number) =>
  (z * Math.sqrt(p * (1 - p) / trials + z ** 2 / (4 * trials ** 2))) / (1 + z ** 2 / trials);

Deno.test("14: Wilson's half-width at 950/1000, and the test set that makes it ±0.01", () => {
  wilsonHalfWidthAt950(halfWidth(0.95, 1000));
  assertWrongAnswer(() => wilsonHalfWidthAt950(0.05), "0.05", /a half-width/);
  let emails = 100;
  while (halfWidth(0.95, emails) > 0.01) emails += 100;
  testSetSize(emails);
  assertWrongAnswer(() => testSetSize(emails - 100), String(emails - 100), /a multiple of 100/);
});

Deno.test("14: an interval that holds every accuracy holds the small model's", () => {
  const examples = Array.from(
    { length: 40 },
    (_, i) => [i % 2 ? `win money now ${i}` : `meeting notes ${i}`, i % 2] as const,
  );
  const check = smallVocabularyInside({ train: examples, test: examples }, {
    estimate: 0.5,
    lower: 0,
    upper: 1,
    level: 0.95,
  });
  check(true);
  assertWrongAnswer(() => check(false), "false", /true or false/);
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
