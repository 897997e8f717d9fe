/**
 * The statistics behind the verdicts (lib/util/statistics.ts) against textbook and reference
 * values: Welch's and the one-sample t-test, Holm's adjustment, the Wilson and t intervals,
 * p-value printing, the median, the intersection–union test of a claim made of comparisons that
 * must all hold, and the slope test.
 */
import assert from "node:assert/strict";
import ttest2 from "@stdlib/stats-ttest2";
import {
  formatP,
  holmAdjust,
  intersectionUnionP,
  meanInterval,
  median,
  oneSampleTest,
  slopeTest,
  welchTest,
  wilsonInterval,
} from "../../lib/util/statistics.ts";
import { InputError } from "../../lib/util/errors.ts";

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

// Welch's worked example (Wikipedia, "Welch's t-test", example 1): t = −2.46, ν = 24.99, p = 0.021;
// scipy.stats.ttest_ind(equal_var=False) gives t = −2.455356, ν = 24.988529, p = 0.021378.
const A1 = [
  27.5,
  21.0,
  19.0,
  23.6,
  17.0,
  17.9,
  16.9,
  20.1,
  21.9,
  22.6,
  23.1,
  19.6,
  19.0,
  21.7,
  21.4,
];
const A2 = [
  27.1,
  22.0,
  20.8,
  23.4,
  23.4,
  23.5,
  25.8,
  22.0,
  24.8,
  20.2,
  21.9,
  22.1,
  22.9,
  20.5,
  24.4,
];

Deno.test("Welch: the textbook example's t, degrees of freedom and p", () => {
  const r = welchTest(A1, A2);
  close(r.t, -2.455356, 1e-6, "t");
  close(r.df, 24.988529, 1e-6, "df");
  close(r.p, 0.021378, 1e-6, "two-sided p");
  close(welchTest(A1, A2, "less").p, 0.010689, 1e-6, "one-sided p (less)");
  close(welchTest(A1, A2, "greater").p, 1 - 0.010689, 1e-6, "one-sided p (greater)");
  // and @stdlib's own two-sample test agrees on a small unequal-variance sample
  const reference = ttest2([1, 2, 3, 4], [2, 4, 6, 9, 9]);
  const mine = welchTest([1, 2, 3, 4], [2, 4, 6, 9, 9]);
  close(mine.t, reference.statistic, 1e-12, "t vs @stdlib");
  close(mine.p, reference.pValue, 1e-12, "p vs @stdlib");
  close(mine.df, reference.df, 1e-12, "df vs @stdlib");
});

Deno.test("Welch: fewer than two values is an InputError, no spread is decided explicitly", () => {
  assert.throws(() => welchTest([1], [1, 2]), InputError);
  assert.throws(() => welchTest([1, 2], [3]), /b/);
  assert.throws(() => welchTest([1, NaN], [1, 2]), InputError);
  const apart = welchTest([1, 1, 1], [0.5, 0.5, 0.5], "greater");
  assert.deepEqual([apart.t, apart.p, apart.df], [Infinity, 0, 4]);
  assert.equal(welchTest([1, 1, 1], [0.5, 0.5, 0.5], "less").p, 1);
  assert.equal(welchTest([1, 1, 1], [0.5, 0.5, 0.5]).p, 0);
  assert.equal(welchTest([1, 1, 1], [1, 1, 1], "greater").p, 1);
  // one side without spread: Welch–Satterthwaite gives the other side's n − 1
  close(welchTest([1, 1, 1], [0.2, 0.4, 0.6]).df, 2, 1e-12, "df");
});

Deno.test("one-sample t-test against a threshold, with its degenerate cases", () => {
  // scipy.stats.ttest_1samp([0.7, 0.72, 0.75], 0.9, alternative="less"): t = −12.159034, p = 0.0033481
  const r = oneSampleTest([0.7, 0.72, 0.75], 0.9, "less");
  close(r.t, -12.159034, 1e-6, "t");
  assert.equal(r.df, 2);
  close(r.p, 0.0033481, 1e-7, "p");
  assert.equal(oneSampleTest([1, 1, 1], 0.9, "greater").p, 0);
  assert.equal(oneSampleTest([1, 1, 1], 0.9, "less").p, 1);
});

Deno.test("Holm: the step-down adjustment of a known p-vector (R's p.adjust)", () => {
  // p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02
  const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((e, i) => close(adjusted[i], e, 1e-12, `p${i}`));
  // capped at 1, monotone in the sorted order, empty stays empty
  assert.deepEqual(holmAdjust([0.5, 0.6]), [1, 1]);
  assert.deepEqual(holmAdjust([]), []);
  assert.throws(() => holmAdjust([1.5]), InputError);
});

Deno.test("Wilson interval: 81/263 as in Newcombe (1998), and the edges", () => {
  const w = wilsonInterval(81, 263);
  close(w.estimate, 0.30798, 1e-5, "estimate");
  close(w.lower, 0.2553, 1e-4, "lower");
  close(w.upper, 0.3662, 1e-4, "upper");
  const zero = wilsonInterval(0, 10);
  assert.equal(zero.lower, 0);
  close(zero.upper, 0.2775, 1e-4, "upper at 0/10");
  // 300 test e-mails at 76% accuracy: about ±0.048
  const mail = wilsonInterval(228, 300);
  assert.ok(mail.upper - mail.lower > 0.09 && mail.upper - mail.lower < 0.1);
  assert.throws(() => wilsonInterval(5, 0), /trials/);
  assert.throws(() => wilsonInterval(11, 10), /successes/);
  assert.throws(() => wilsonInterval(1, 10, 1), /level/);
});

Deno.test("t interval for a mean over seeds (scipy.stats.t.interval)", () => {
  const i = meanInterval([0.7, 0.72, 0.75]);
  close(i.estimate, 0.723333, 1e-6, "mean");
  close(i.lower, 0.660817, 1e-6, "lower");
  close(i.upper, 0.785849, 1e-6, "upper");
  assert.throws(() => meanInterval([1]), InputError);
});

Deno.test("p-values print with two significant digits", () => {
  assert.equal(formatP(0.021378), "= 0.021");
  assert.equal(formatP(0.0004), "< 0.001");
  assert.equal(formatP(1), "= 1.0");
});

Deno.test("median of odd and even counts; the input is not reordered; empty refused", () => {
  const values = [5, 1, 3];
  assert.equal(median(values), 3);
  assert.deepEqual(values, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.throws(() => median([]), RangeError);
});

Deno.test("the intersection–union p-value is the largest component's, unadjusted; empty is 1", () => {
  assert.equal(intersectionUnionP([0.01, 0.04, 0.003]), 0.04);
  assert.equal(intersectionUnionP([0.01, 0.2]), 0.2);
  // every component significant at 0.05 makes the claim significant, however many there are,
  // where Holm over the same components would not
  const components = Array.from({ length: 30 }, () => 0.04);
  assert.ok(intersectionUnionP(components) < 0.05);
  assert.ok(Math.min(...holmAdjust(components)) > 0.05);
  assert.equal(intersectionUnionP([]), 1);
  assert.throws(() => intersectionUnionP([0.5, Number.NaN]), /p-value/);
});

Deno.test("the slope test: least-squares slope, its standard error and t-test on n − 2 df", () => {
  // y = 2x + noise: slope by hand, residual variance 0.02/3 … checked against the formulas
  const xs = [0, 1, 2, 3, 4];
  const ys = [0.1, 1.9, 4.1, 5.9, 8.1];
  const fit = slopeTest(xs, ys, "greater");
  assert.ok(Math.abs(fit.difference - 2) < 1e-12);
  assert.equal(fit.df, 3);
  const residuals = ys.reduce((a, y, i) => a + (y - (0.02 + 2 * xs[i])) ** 2, 0);
  assert.ok(Math.abs(fit.standardError - Math.sqrt(residuals / 3 / 10)) < 1e-12);
  assert.ok(fit.p < 1e-4, "a clear rise");
  // a flat cloud: no slope to speak of, two-sided p large; the "less" side of a rise is ~1
  assert.ok(slopeTest(xs, [1, 0, 1, 0, 1]).p > 0.5);
  assert.ok(slopeTest(xs, ys, "less").p > 0.99);
  // exactly on a line: infinite t, p 0 in its direction
  assert.equal(slopeTest([0, 1, 2], [1, 2, 3], "greater").p, 0);
  assert.throws(() => slopeTest([1, 1, 1], [1, 2, 3]), /distinct x/);
  assert.throws(() => slopeTest([1, 2], [1, 2]), /at least 3/);
  assert.throws(() => slopeTest([1, 2, 3], [1, 2]), /ys.length/);
});
