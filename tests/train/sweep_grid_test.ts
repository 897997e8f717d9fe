/** Sparsity matching, the reversal ceiling and the verdict rules, each against a hand count. */
import assert from "node:assert/strict";
import {
  admissiblePatterns,
  nearestPattern,
  PATTERNS,
  reachableLevels,
  requireChoice,
  resolvePattern,
  SPARSITY_TOLERANCE,
  sparsityProfile,
  SWEEP_PATTERNS,
} from "../../lib/train/sweep_grid.ts";
import {
  judgeFindings,
  reversalAccuracyBound,
  type SummarySeries,
  worstComparisons,
} from "../../lib/train/summary.ts";
import { summarySeries as series } from "../support/summary_series.ts";
import { slidingWindow, star, windowRelay, ZOO } from "../../lib/pattern/mod.ts";
import { InputError } from "../../lib/util/errors.ts";
import { curveTargets } from "../../lib/train/sweep.ts";

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

Deno.test("verdicts: agrees, disagrees, inconclusive, and never from fewer than 5 seeds", () => {
  const good = series("strided", "strided", [0.89, 0.9, 0.91, 0.92, 0.93]);
  const bad = series("random", "random", [0.49, 0.5, 0.51, 0.52, 0.53]);
  const close = series("star", "star", [0.89, 0.93, 0.91, 0.88, 0.94]);
  const isStrided = (s: SummarySeries) => s.pattern === "strided";
  const isRandom = (s: SummarySeries) => s.pattern === "random";
  const worst = (all: SummarySeries[], claimed: (s: SummarySeries) => boolean) =>
    judgeFindings([worstComparisons("worst", all, claimed, true)])[0].verdict;
  assert.equal(worst([good, bad], isRandom), "agrees");
  assert.equal(worst([good, bad], isStrided), "disagrees");
  assert.equal(worst([good, close], isStrided), "inconclusive");
  const fourSeeds = series("random", "random", [0.5, 0.51, 0.52, 0.53]);
  assert.equal(worst([good, fourSeeds], isRandom), "inconclusive");
  assert.equal(worst([good], isRandom), "inconclusive", "no claimed runs");
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

Deno.test("every sweep series is a zoo entry; STAR is the Star-Transformer, the widened one is window-relay", () => {
  for (const [pattern, { zoo }] of Object.entries(SWEEP_PATTERNS)) {
    assert.ok(Object.hasOwn(ZOO, zoo), `${pattern} → ${zoo}`);
  }
  assert.equal(SWEEP_PATTERNS.star.zoo, "star");
  assert.equal(SWEEP_PATTERNS["window-relay"].zoo, "window-relay");
  const n = 32;
  // "star" has no parameter: the Star-Transformer at its own sparsity
  const paperStar = resolvePattern(requireChoice("star", "single"), n, undefined, 0, {});
  assert.deepEqual(paperStar.schedule.patterns[0].toLists(), star({ n }).patterns[0].toLists());
  assert.equal(paperStar.label, "star");
  // the widened variant is its own series: window |j − k| ≤ w plus relay 31
  const wide = resolvePattern(requireChoice("window-relay", "single"), n, undefined, 0, { w: 4 });
  assert.equal(wide.label, "window-relay (w=4)");
  assert.match(wide.description, /not the paper's/);
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

Deno.test("a level admits every parameter within ±0.02, FIXED with its summary cells", () => {
  const n = 128;
  const strided = admissiblePatterns(requireChoice("strided", "sequential"), n, 0.8);
  assert.deepEqual(strided.map((p) => p.parameters.c), [3, 22, 23, 24, 25, 26, 27, 28]);
  assert.ok(strided.every((p) => Math.abs(p.sparsity - 0.8) <= SPARSITY_TOLERANCE));
  const fixed = admissiblePatterns(requireChoice("fixed", "sequential"), n, 0.9);
  assert.deepEqual(fixed.map((p) => p.parameters), [{ c: 8, summary: 1 }, { c: 16, summary: 1 }]);
  // sequential FIXED(c = 16, c′ = 1), the mean of its two patterns: the own block (16 keys per
  // row) and the 8 summary cells plus self (itself a summary cell in 8 rows)
  assert.equal(fixed[1].connections, (128 * 16 + (128 * 8 + 128 - 8)) / 2);
  assert.equal(admissiblePatterns(requireChoice("strided", "union"), n, 0.9).length, 0);
  const random = admissiblePatterns(requireChoice("random", "single"), n, 0.8, 3);
  assert.equal(random.length, 1);
  assert.equal(SPARSITY_TOLERANCE, 0.02);
});

Deno.test("a series' candidates are its zoo entry's parameter space, in order", () => {
  const n = 24;
  for (const pattern of PATTERNS) {
    const entry = ZOO[SWEEP_PATTERNS[pattern].zoo];
    const choice = requireChoice(pattern, entry.numPatterns === 2 ? "sequential" : "single");
    const space = entry.parameterSpace!(n);
    if (space.kind === "level") {
      assert.deepEqual(reachableLevels(choice, n), [space.min, Number(space.max.toFixed(3))]);
      assert.deepEqual(resolvePattern(choice, n, 0.5, 2).parameters, {});
      continue;
    }
    const levels = space.settings.map((setting) => {
      const resolved = resolvePattern(choice, n, undefined, 0, setting);
      assert.deepEqual(resolved.parameters, setting, pattern);
      return Number(resolved.sparsity.toFixed(3));
    });
    assert.deepEqual(reachableLevels(choice, n), [...new Set(levels)].sort((a, b) => a - b));
    assert.throws(
      () => resolvePattern(choice, n, undefined, 0, { w: n + 1, c: n + 1 }),
      /not available/,
      pattern,
    );
  }
});

/** Sparsity counted on the dense masks: the ones of every pattern, averaged, over n². */
function maskSparsity(patterns: readonly { n: number; toDenseMask(): Uint8Array }[]): number {
  const ones = patterns.map((pattern) => pattern.toDenseMask().reduce((a, b) => a + b, 0));
  return 1 - ones.reduce((a, b) => a + b, 0) / patterns.length / patterns[0].n ** 2;
}

Deno.test("a sparsity profile counts each setting's mask, and STRIDED is sparsest at a middle stride", () => {
  const n = 128;
  const choice = requireChoice("strided", "sequential");
  const profile = sparsityProfile(choice, n);
  const strides = profile.points.map((point) => point.parameters.c);
  assert.deepEqual(strides, Array.from({ length: n / 2 - 1 }, (_, i) => i + 2));
  for (const point of profile.points) {
    const schedule = resolvePattern(choice, n, undefined, 0, point.parameters).schedule;
    assert.ok(Math.abs(schedule.sparsity - maskSparsity(schedule.patterns)) < 1e-12);
    assert.ok(Math.abs(point.sparsity - schedule.sparsity) < 1e-12, `c = ${point.parameters.c}`);
  }
  const highest = Math.max(...profile.points.map((point) => point.sparsity));
  assert.equal(profile.sparsest.sparsity, highest);
  // local |j−k| < c and stride c: about 2c + 2n/c per row, least near c = √n ≈ 11
  assert.ok(profile.sparsest.parameters.c > 4 && profile.sparsest.parameters.c < 16);
  assert.equal(profile.first.parameters.c, 2);
  assert.equal(profile.last.parameters.c, n / 2);
  assert.ok(profile.sparsest.sparsity > Math.max(profile.first.sparsity, profile.last.sparsity));
  assert.throws(() => sparsityProfile(requireChoice("random", "single"), n), InputError);
});

Deno.test("a curve spreads each family's points over the part of the span it reaches", () => {
  const curve = { lowest: 0.5, highest: 0.95, points: 5 };
  const strided = requireChoice("strided", "sequential");
  const reached = reachableLevels(strided, 128);
  const targets = curveTargets(strided, 128, curve);
  // STRIDED SEQUENTIAL reaches 0.615 … 0.873 at n = 128: five levels from end to end
  assert.equal(targets[0], reached[0]);
  assert.equal(targets[4], reached[reached.length - 1]);
  const step = (targets[4] - targets[0]) / 4;
  targets.forEach((t, i) => assert.ok(Math.abs(t - (targets[0] + i * step)) < 1e-3));
  assert.deepEqual(curveTargets(requireChoice("random", "single"), 128, curve), [
    0.5,
    0.613,
    0.725,
    0.837,
    0.95,
  ]);
  // each level trains the parameter nearest it
  const nearest = nearestPattern(strided, 128, targets[2])!;
  for (const level of reached) {
    assert.ok(Math.abs(nearest.sparsity - targets[2]) <= Math.abs(level - targets[2]) + 1e-3);
  }
  assert.equal(nearestPattern(strided, 128, 0.99), undefined, "nothing within the tolerance");
});

Deno.test("RANDOM draws a fresh pattern for each layer, and its mixing depth follows", () => {
  const choice = requireChoice("random", "single");
  const one = resolvePattern(choice, 32, 0.8, 3);
  const four = resolvePattern(choice, 32, 0.8, 3, undefined, 4);
  assert.equal(four.schedule.numPatterns, 4);
  assert.deepEqual(four.parameters, { draws: 4 });
  assert.deepEqual(four.schedule.patterns[0].toLists(), one.schedule.patterns[0].toLists());
  assert.notDeepEqual(four.schedule.patterns[1].toLists(), one.schedule.patterns[0].toLists());
  assert.equal(four.sparsity, one.sparsity);
  assert.ok(four.mixingDepth !== null && one.mixingDepth !== null);
  assert.ok(four.mixingDepth! <= one.mixingDepth!, "fresh draws mix no slower than one reused");
});

Deno.test("causal STAR keeps its relay under a causal mask; the last-token STAR loses it", () => {
  const n = 8;
  const keptUnderCausalMask = (lists: number[][]) =>
    lists.map((keys, k) => keys.filter((j) => j <= k));
  const causal = keptUnderCausalMask(star({ n, relay: "first" }).patterns[0].toLists());
  const last = keptUnderCausalMask(star({ n }).patterns[0].toLists());
  for (let k = 2; k < n - 1; k++) {
    assert.deepEqual(causal[k], [0, k - 1, k]);
    assert.deepEqual(last[k], [k - 1, k]);
  }
  assert.deepEqual(causal[0], [0]);
  assert.equal(
    resolvePattern(requireChoice("causal-star", "single"), 128, undefined).connections,
    star({ n: 128 }).connections[0],
    "the same number of connections as STAR, the relay moved",
  );
});
