/** median, and the intersection–union test of a claim made of comparisons that must all hold. */
import assert from "node:assert/strict";
import { holmAdjust, intersectionUnionP, median } from "../../lib/util/statistics.ts";

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
