/** Findings at matched sparsity: curves read per seed, STAR where it stands, plateaus required. */
import assert from "node:assert/strict";
import {
  bestAtMatchedSparsity,
  comparisonLevels,
  curveBumps,
  gapGrowsWithSparsity,
  gapsToDense,
  matchedValue,
  neverBestAtMatchedSparsity,
  worstAtMatchedSparsity,
} from "../../lib/train/matched_findings.ts";
import { judgeFindings, type SummarySeries } from "../../lib/train/summary.ts";
import { curveSeries, summarySeries } from "../support/summary_series.ts";

const seeds = (mean: number) => [-0.02, -0.01, 0, 0.01, 0.02].map((d) => mean + d);
const named = (pattern: string) => (s: SummarySeries) => s.pattern === pattern;

Deno.test("a curve is read per seed between its bracketing points, never beyond them", () => {
  const curve = curveSeries("strided", "strided", [
    { x: 0.6, values: [0.9, 0.8] },
    { x: 0.8, values: [0.7, 0.4] },
  ]);
  const at = matchedValue(curve, 0.65)!;
  // a quarter of the way: seed 0 0.9 → 0.7, seed 1 0.8 → 0.4
  assert.deepEqual(at.values.map((v) => Number(v.toFixed(12))), [0.85, 0.7]);
  assert.equal(at.exact, false);
  assert.deepEqual(matchedValue(curve, 0.8)!.values, [0.7, 0.4]);
  assert.equal(matchedValue(curve, 0.8)!.exact, true);
  assert.equal(matchedValue(curve, 0.59), undefined);
  assert.equal(matchedValue(curve, 0.81), undefined);
});

Deno.test("families meet only where both curves reach; a single-point family where it stands", () => {
  const a = curveSeries("strided", "strided", [{ x: 0.6, values: seeds(0.9) }, {
    x: 0.8,
    values: seeds(0.8),
  }]);
  const b = curveSeries("fixed", "fixed", [{ x: 0.7, values: seeds(0.6) }, {
    x: 0.9,
    values: seeds(0.5),
  }]);
  const finding = bestAtMatchedSparsity(
    "strided best",
    [a, b],
    [0.6, 0.7, 0.8, 0.9],
    named("strided"),
    true,
  );
  // 0.6 lies below FIXED's curve and 0.9 above STRIDED's: only 0.7 and 0.8 compare
  assert.match(finding.covers, /^matched sparsity 0\.700, 0\.800; 2 families; 5 seeds per point$/);
  assert.equal(finding.comparisons.length, 4);
  assert.ok(finding.comparisons.every((c) => /sparsity 0\.[78]00/.test(c.label)));
  const [check] = judgeFindings([finding]);
  assert.equal(check.verdict, "agrees");
  assert.match(check.evidence, /fixed 0\.600 \[0\.580, 0\.620\]/);
  assert.match(check.evidence, /strided 0\.850 \[0\.830, 0\.870\], interpolated/);

  const star = summarySeries("star", "star", seeds(0.95), 0.96);
  assert.deepEqual(comparisonLevels([a, b, star], [0.7]), [0.7, 0.96]);
  // STAR's own sparsity as it is, not rounded: a rounded level would miss its only point
  const exact = 1 - 634 / 128 ** 2;
  const starAtN = summarySeries("star", "star", seeds(0.95), exact);
  assert.deepEqual(comparisonLevels([a, starAtN], [0.7, exact]), [0.7, exact]);
  assert.deepEqual(matchedValue(starAtN, comparisonLevels([starAtN], [])[0])!.values, seeds(0.95));
  const relay = curveSeries("window-relay", "window-relay", [{ x: 0.9, values: seeds(0.7) }, {
    x: 0.97,
    values: seeds(0.6),
  }]);
  const struggles = neverBestAtMatchedSparsity(
    "star struggles",
    [a, relay, star],
    [],
    named("star"),
    true,
  );
  // STAR meets window-relay's curve at 0.96; STRIDED's ends at 0.8, so its sparsest point enters
  // only as the side STAR (sparser) would beat: against "STAR struggles", never for it
  const labels = struggles.comparisons.map((c) => `${c.supports ? "for" : "against"}: ${c.label}`);
  assert.deepEqual(labels, [
    "for: sparsity 0.960: window-relay better than star",
    "against: sparsity 0.960: star better than window-relay",
    "against: sparsity 0.960: star better than strided at its sparsest (0.800)",
  ]);
  // STAR 0.95 beats window-relay (0.614 there) and STRIDED at its sparsest (0.8): every test
  // against the claim is significant
  assert.equal(judgeFindings([struggles])[0].verdict, "disagrees");
  assert.match(
    judgeFindings([struggles])[0].evidence,
    /strided 0\.800 \[0\.780, 0\.820\] at its sparsest, 0\.800/,
  );
  const best = bestAtMatchedSparsity("star best", [a, relay, star], [], named("star"), true);
  assert.equal(best.comparisons.filter((c) => c.supports).length, 2);
  assert.equal(judgeFindings([best])[0].verdict, "agrees");
});

Deno.test("'worse' needs the loser's runs plateaued; an undertrained loser is inconclusive", () => {
  const good = curveSeries("strided", "strided", [{ x: 0.7, values: seeds(0.9) }]);
  const plateaued = curveSeries("random", "random", [{ x: 0.7, values: seeds(0.5) }]);
  const climbing = curveSeries("random", "random", [{ x: 0.7, values: seeds(0.5), plateaued: 3 }]);
  const judge = (random: SummarySeries) =>
    judgeFindings([
      worstAtMatchedSparsity("random worst", [good, random], [0.7], named("random"), true),
    ])[0];
  const settled = judge(plateaued);
  assert.equal(settled.verdict, "agrees");
  assert.match(settled.evidence, /every run a significant test could call worse had plateaued/);
  const early = judge(climbing);
  assert.equal(early.verdict, "inconclusive");
  assert.equal(early.p, 1);
  assert.equal(early.label, "inconclusive (p = 1.0; undertrained)");
  assert.equal(settled.label.includes("undertrained"), false);
  assert.match(early.evidence, /undertrained, not counted: random at sparsity 0\.700/);
});

Deno.test("an 'any' claim needs one significant test (Bonferroni), its opposite every one", () => {
  const star = summarySeries("star", "star", seeds(0.7), 0.8);
  const better = curveSeries("fixed", "fixed", [{ x: 0.8, values: seeds(0.9) }]);
  const worse = curveSeries("random", "random", [{ x: 0.8, values: seeds(0.5) }]);
  const finding = neverBestAtMatchedSparsity(
    "struggles",
    [star, better, worse],
    [0.8],
    named("star"),
    true,
  );
  const [check] = judgeFindings([finding]);
  assert.equal(check.verdict, "agrees", "FIXED beats STAR though RANDOM does not");
  const supporting = finding.comparisons.filter((c) => c.supports).map((c) => c.p);
  assert.ok(Math.abs(check.p! - Math.min(...supporting) * 2) < 1e-15);
});

Deno.test("the gap to dense: per trained point, and a slope test of its growth", () => {
  const dense = summarySeries("dense", "dense", seeds(0.95), 0);
  const falling = curveSeries(
    "strided",
    "strided",
    [0.5, 0.6, 0.7, 0.8].map((x) => ({
      x,
      values: seeds(1.4 - x),
    })),
  );
  const gaps = gapsToDense([dense, falling], true);
  // dense 0.95 against means 0.9, 0.8, 0.7, 0.6
  assert.deepEqual(gaps.map((g) => Number(g.gap.toFixed(9))), [0.05, 0.15, 0.25, 0.35]);
  assert.ok(gaps.every((g) => g.seeds === 5 && g.lower < g.gap && g.gap < g.upper));
  const grows = judgeFindings([gapGrowsWithSparsity("gap grows", [dense, falling], true)])[0];
  assert.equal(grows.verdict, "agrees");
  assert.match(
    grows.evidence,
    /strided: slope -1\.00 per unit sparsity over 0\.500–0\.800 \(4 points\)/,
  );
  const flat = curveSeries(
    "fixed",
    "fixed",
    [0.5, 0.6, 0.7].map((x) => ({ x, values: seeds(0.8) })),
  );
  assert.equal(
    judgeFindings([gapGrowsWithSparsity("gap grows", [dense, flat], true)])[0].verdict,
    "inconclusive",
  );
  const twoPoints = curveSeries(
    "fixed",
    "fixed",
    [0.5, 0.6].map((x) => ({ x, values: seeds(0.8) })),
  );
  assert.equal(gapGrowsWithSparsity("gap grows", [dense, twoPoints], true).covers, "no runs yet");
});

Deno.test("a bump is a curve point worse than both neighbours in every shared seed", () => {
  // perplexity-like: lower is better; the point at 0.7 is worse than 0.6 and 0.8 in each seed
  const bumpy = curveSeries("strided sequential", "strided", [
    { x: 0.5, values: seeds(6.0) },
    { x: 0.6, values: seeds(5.0) },
    { x: 0.7, values: seeds(5.6) },
    { x: 0.8, values: seeds(5.1) },
  ]);
  const found = curveBumps([bumpy], false);
  assert.equal(found.length, 1);
  assert.equal(found[0].family, "strided sequential");
  assert.equal(found[0].point.x, 0.7);
  assert.deepEqual([found[0].below.x, found[0].above.x], [0.6, 0.8]);
  assert.deepEqual(found[0].seeds, [0, 1, 2, 3, 4]);
  // the first point (6.0) is the worst but has one neighbour only: an end is never a bump
  assert.ok(found.every((b) => b.point.x !== 0.5));
  // read with higher better, the same values make 0.6 the bump (lower than 0.5 and 0.7)
  assert.deepEqual(curveBumps([bumpy], true).map((b) => b.point.x), [0.6]);
});

Deno.test("a bump must hold in every seed, on at least MIN_SEEDS seeds, away from dense", () => {
  const oneSeedAgainst = [5.6, 5.6, 5.6, 5.6, 4.9];
  const mostly = curveSeries("fixed union", "fixed", [
    { x: 0.6, values: seeds(5.0) },
    { x: 0.7, values: oneSeedAgainst },
    { x: 0.8, values: seeds(5.1) },
  ]);
  assert.deepEqual(curveBumps([mostly], false), []);
  const fewSeeds = curveSeries("fixed union", "fixed", [
    { x: 0.6, values: [5.0, 5.0, 5.0, 5.0] },
    { x: 0.7, values: [5.6, 5.6, 5.6, 5.6] },
    { x: 0.8, values: [5.1, 5.1, 5.1, 5.1] },
  ]);
  assert.deepEqual(curveBumps([fewSeeds], false), []);
  const dense = curveSeries("dense", "dense", [
    { x: 0.6, values: seeds(5.0) },
    { x: 0.7, values: seeds(5.6) },
    { x: 0.8, values: seeds(5.1) },
  ]);
  assert.deepEqual(curveBumps([dense], false), []);
  // points listed out of order are read in order of sparsity
  const shuffled = curveSeries("strided union", "strided", [
    { x: 0.8, values: seeds(5.1) },
    { x: 0.6, values: seeds(5.0) },
    { x: 0.7, values: seeds(5.6) },
  ]);
  assert.deepEqual(curveBumps([shuffled], false).map((b) => b.point.x), [0.7]);
});
