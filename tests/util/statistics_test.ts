/** median: odd and even counts, unsorted input left unchanged, an empty list refused. */
import assert from "node:assert/strict";
import { median } from "../../lib/util/statistics.ts";

Deno.test("median of odd and even counts; the input is not reordered; empty refused", () => {
  const values = [5, 1, 3];
  assert.equal(median(values), 3);
  assert.deepEqual(values, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([7]), 7);
  assert.throws(() => median([]), RangeError);
});
