/**
 * Families compared at the same sparsity (lib/train/matched_sparsity.ts): per-seed linear
 * interpolation between the bracketing trained points, exact points taken as they are, no
 * extrapolation, seeds paired by number, and the range every family covers.
 */
import assert from "node:assert/strict";
import {
  atMatchedSparsity,
  type SeedPoint,
  sharedSparsityRange,
} from "../../lib/train/matched_sparsity.ts";

const point = (sparsity: number, values: Record<number, number>): SeedPoint => ({
  sparsity,
  bySeed: new Map(Object.entries(values).map(([seed, value]) => [Number(seed), value])),
});

// a family trained at three parameters, out of order
const family = [
  point(0.9, { 0: 0.5, 1: 0.4 }),
  point(0.6, { 0: 0.9, 1: 0.8 }),
  point(0.8, { 0: 0.7, 1: 0.6, 2: 0.65 }),
];

Deno.test("between two trained points, each seed is interpolated from its own runs", () => {
  const at = atMatchedSparsity(family, 0.85)!;
  assert.deepEqual([...at.keys()], [0, 1]); // seed 2 was trained at 0.8 only
  assert.ok(Math.abs(at.get(0)! - 0.6) < 1e-12);
  assert.ok(Math.abs(at.get(1)! - 0.5) < 1e-12);
  const quarter = atMatchedSparsity(family, 0.65)!;
  assert.ok(Math.abs(quarter.get(0)! - 0.85) < 1e-12);
});

Deno.test("a level a point reaches exactly takes that point's values, every seed of it", () => {
  const at = atMatchedSparsity(family, 0.8)!;
  assert.deepEqual(Object.fromEntries(at), { 0: 0.7, 1: 0.6, 2: 0.65 });
});

Deno.test("no extrapolation; no value without a seed at both ends; bad input named", () => {
  assert.equal(atMatchedSparsity(family, 0.95), undefined);
  assert.equal(atMatchedSparsity(family, 0.5), undefined);
  assert.equal(atMatchedSparsity([point(0.5, { 0: 1 }), point(0.7, { 1: 2 })], 0.6), undefined);
  assert.equal(atMatchedSparsity([], 0.6), undefined);
  assert.throws(() => atMatchedSparsity(family, 1.5), /level/);
  assert.throws(() => atMatchedSparsity([point(-0.1, { 0: 1 })], 0.5), /sparsity/);
});

Deno.test("the range every family covers, or none when they do not overlap", () => {
  const other = [point(0.7, { 0: 1 }), point(0.95, { 0: 1 })];
  assert.deepEqual(sharedSparsityRange([family, other]), { low: 0.7, high: 0.9 });
  assert.equal(sharedSparsityRange([family, [point(0.95, { 0: 1 })]]), undefined);
  assert.equal(sharedSparsityRange([family, []]), undefined);
  assert.equal(sharedSparsityRange([]), undefined);
});
