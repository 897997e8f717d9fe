/** median, and the intersection–union test of a claim made of comparisons that must all hold. */
import assert from "node:assert/strict";
import { holmAdjust, intersectionUnionP, median, slopeTest } from "../../lib/util/statistics.ts";

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
