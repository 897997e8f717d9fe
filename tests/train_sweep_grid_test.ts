/** Sparsity matching, the reversal ceiling and the verdict rules, each against a hand count. */
import assert from "node:assert/strict";
import {
  bestAtEveryLevel,
  reachableLevels,
  requireChoice,
  resolvePattern,
  reversalAccuracyBound,
  type SummarySeries,
  SWEEP_PATTERNS,
  worstAtEveryLevel,
} from "../lib/train/mod.ts";
import { slidingWindow, star, windowRelay, ZOO } from "../lib/pattern/mod.ts";
import { InputError } from "../lib/util/errors.ts";

Deno.test("a level is matched by the nearest parameter and its exact sparsity is reported", () => {
  const strided = resolvePattern(requireChoice("strided", "sequential"), 32, 0.7);
  // local |j−k| ≤ 8: 17 per row minus the cut ends (2·(8+7+…+1) = 72); stride 8: 4 per row
  assert.equal(strided.parameters.c, 8);
  assert.equal(strided.connections, ((32 * 17 - 72) + 32 * 4) / 2);
  assert.equal(strided.sparsity, 1 - strided.connections / 32 ** 2);
  const random = resolvePattern(requireChoice("random", "single"), 32, 0.7, 5);
  assert.equal(random.connections, Math.round(0.3 * 32 * 32));
  assert.ok(!reachableLevels(requireChoice("strided", "union"), 32).some((l) => l > 0.6));
  assert.throws(
    () => resolvePattern(requireChoice("strided", "union"), 32, 0.9),
    (e) => e instanceof InputError && /reaches 0.234, /.test(e.message),
  );
  assert.throws(() => requireChoice("star", "union"), /only configuration is single/);
  assert.throws(() => requireChoice("fixed", "single"), /sequential, union or multihead/);
});

Deno.test("the reversal ceiling counts the tokens whose mirror is within reach", () => {
  const n = 16;
  const w = 3;
  const pattern = slidingWindow({ n, w });
  // after L layers a window reaches |j − k| ≤ L·w; the mirror of k is |n − 1 − 2k| away
  for (let layers = 1; layers <= 6; layers++) {
    const seeing = Array.from({ length: n }, (_, k) => Math.abs(n - 1 - 2 * k) <= layers * w)
      .filter(Boolean).length / n;
    assert.equal(reversalAccuracyBound(pattern, layers, 8), seeing + (1 - seeing) / 8);
  }
  assert.equal(reversalAccuracyBound(pattern, 5, 8), 1, "s = ⌈15/3⌉ = 5");
});

function series(label: string, pattern: string, values: number[]): SummarySeries {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
  return {
    label,
    pattern,
    configuration: "single",
    sparsity: 0.7,
    points: [{ x: 0.7, target: 0.7, mean, std, values }],
  };
}

Deno.test("verdicts: agrees, disagrees, inconclusive, and never from fewer than 3 seeds", () => {
  const good = series("strided", "strided", [0.90, 0.91, 0.92]);
  const bad = series("random", "random", [0.50, 0.51, 0.52]);
  const close = series("star", "star", [0.89, 0.93, 0.91]);
  const isStrided = (s: SummarySeries) => s.pattern === "strided";
  const isRandom = (s: SummarySeries) => s.pattern === "random";
  assert.equal(bestAtEveryLevel([good, bad], isStrided, true).verdict, "agrees");
  assert.equal(bestAtEveryLevel([good, bad], isRandom, true).verdict, "disagrees");
  assert.equal(bestAtEveryLevel([good, close], isStrided, true).verdict, "inconclusive");
  assert.equal(worstAtEveryLevel([good, bad], isRandom, true).verdict, "agrees");
  assert.equal(worstAtEveryLevel([good, bad], isStrided, true).verdict, "disagrees");
  const twoSeeds = series("strided", "strided", [0.9, 0.91]);
  assert.equal(bestAtEveryLevel([twoSeeds, bad], isStrided, true).verdict, "inconclusive");
  assert.equal(bestAtEveryLevel([bad], isStrided, true).verdict, "inconclusive", "no claimed runs");
});

Deno.test("pattern and configuration names are looked up as own entries only", () => {
  for (const name of ["__proto__", "constructor", "toString"]) {
    assert.throws(
      () => requireChoice(name, "single"),
      (e) => e instanceof InputError && e.parameter === "--pattern",
    );
    assert.throws(
      () => requireChoice("star", name),
      (e) => e instanceof InputError && e.parameter === "--configuration",
    );
  }
});

Deno.test("every sweep series is a zoo entry; STAR is the window-relay, named as the results are", () => {
  for (const [pattern, { zoo }] of Object.entries(SWEEP_PATTERNS)) {
    assert.ok(Object.hasOwn(ZOO, zoo), `${pattern} → ${zoo}`);
  }
  assert.equal(SWEEP_PATTERNS.star.zoo, "window-relay");
  const n = 32;
  // w = 1: the Star-Transformer itself, under the results' name "star"
  const narrow = resolvePattern(requireChoice("star", "single"), n, undefined, 0, { w: 1 });
  assert.equal(narrow.schedule.name, "star");
  assert.deepEqual(narrow.schedule.patterns[0].toLists(), star({ n }).patterns[0].toLists());
  assert.match(narrow.description, /window-relay|window half-width w plus relay/);
  // wider: window |j − k| ≤ w plus relay 31, patternName "star(w=4)" as in the results files
  const wide = resolvePattern(requireChoice("star", "single"), n, undefined, 0, { w: 4 });
  assert.equal(wide.schedule.name, "star(w=4)");
  assert.equal(wide.label, "star (w=4)");
  assert.deepEqual(
    wide.schedule.patterns[0].toLists(),
    windowRelay({ n, w: 4 }).patterns[0].toLists(),
  );
  // rows 0..30 hold their window (32·9 − 20 − 5 for row 31's) and, when it is outside, 31
  assert.equal(wide.connections, 32 * 9 - 20 - 5 + 27 + 32);
  const sliding = resolvePattern(requireChoice("window", "single"), n, undefined, 0, { w: 3 });
  assert.deepEqual(
    sliding.schedule.patterns[0].toLists(),
    slidingWindow({ n, w: 3 }).patterns[0].toLists(),
  );
});
