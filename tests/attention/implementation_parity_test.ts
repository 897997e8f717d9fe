/** Sparse, dense-masked and float64 reference attention agree (lib/attention/implementation_parity.ts). */
import assert from "node:assert/strict";
import { compareAttentionImplementations } from "../../lib/attention/implementation_parity.ts";
import { initTf } from "../../lib/attention/tf/backend.ts";
import { star } from "../../lib/pattern/zoo.ts";
import { seededRng } from "../../lib/util/random.ts";

await initTf();

Deno.test("sparse, dense and reference agree within 1e-5 on a star of 9 tokens", () => {
  const n = 9, d = 8;
  const rng = seededRng(3);
  const x = Float64Array.from({ length: n * d }, () => 2 * rng.next() - 1);
  const gaps = compareAttentionImplementations(star({ n }).patterns[0], x, n, d, 1);
  assert.equal(gaps.pattern, "star");
  for (const [name, gap] of Object.entries(gaps).slice(1)) {
    assert.ok((gap as number) <= 1e-5, `${name}: ${gap}`);
  }
  // float32 against float64: the reference gap is rounding, not zero
  assert.ok(gaps.sparseVsReference > 0);
});
