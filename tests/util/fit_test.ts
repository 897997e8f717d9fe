import assert from "node:assert/strict";
import { logLogSlope } from "../../lib/util/fit.ts";

Deno.test("logLogSlope recovers the exponent of exact power laws, near 1 with a boundary term", () => {
  const x = [16, 32, 64, 128, 256];
  assert.ok(Math.abs(logLogSlope(x, x.map((v) => 3 * v ** 1.5)) - 1.5) < 1e-12);
  assert.ok(Math.abs(logLogSlope(x, x.map((v) => 7 * v)) - 1) < 1e-12);
  // n(2w+1) − w(w+1): a window's connections, linear with a boundary correction.
  const slope = logLogSlope(x, x.map((n) => n * 3 - 2));
  assert.ok(slope > 1 && slope < 1.02, `window-like slope ${slope}`);
  assert.throws(() => logLogSlope([1, 1], [2, 3]), /two distinct values/);
  assert.throws(() => logLogSlope([1, 2], [0, 3]), /positive/);
  assert.throws(() => logLogSlope([1], [2]), /equal length/);
});
