/** Exact layer-by-layer id traces of the sparse and dense contextual mappings (lib/construction/trace.ts). */
import assert from "node:assert/strict";
import { buildContextualMapping } from "../../lib/construction/contextual.ts";
import { buildDenseContextualMapping } from "../../lib/construction/dense.ts";
import { describeRole, traceContextualIds } from "../../lib/construction/trace.ts";
import { slidingWindow } from "../../lib/pattern/zoo.ts";

Deno.test("the sparse trace of paper.md §2.5's worked example ends phase 1 at (10, 37, 127)", () => {
  const mapping = buildContextualMapping(slidingWindow({ n: 3, w: 1 }), {
    d: 1,
    delta: 1 / 4,
    compareFloat: false,
  });
  const rows = traceContextualIds(mapping, mapping.grid.indexOf([2, 1, 3]));
  assert.deepEqual(rows.length, mapping.layers.length + 1);
  assert.deepEqual(rows[0], { layer: null, role: "X + E", ids: [10n, 1n, 7n] });
  const phaseOneEnd = rows.findLast((row) => row.role.startsWith("shift"))!;
  assert.deepEqual(phaseOneEnd.ids, [10n, 37n, 127n]);
  assert.deepEqual(rows.at(-1)!.ids, mapping.ids[mapping.grid.indexOf([2, 1, 3])]);
  assert.deepEqual(rows[1].role, "shift b = 0 (token 1)");
});

Deno.test("the dense trace of the same input ends at (26142, 26121, 26223), no E", () => {
  const mapping = buildDenseContextualMapping({ n: 3, d: 1, delta: 1 / 4, compareFloat: false });
  const rows = traceContextualIds(mapping, mapping.grid.indexOf([2, 1, 3]));
  assert.deepEqual(rows[0], { layer: null, role: "X", ids: [2n, 1n, 3n] });
  assert.deepEqual(rows.map((row) => row.layer), [null, 0, 1, 2, 3, 4]);
  assert.deepEqual(rows[4].ids, [30n, 9n, 111n]);
  assert.deepEqual(rows[5].ids, [26142n, 26121n, 26223n]);
  assert.deepEqual(rows[5].role, "global shift × 256");
});

Deno.test("describeRole names identity layers by why they wait", () => {
  assert.deepEqual(
    describeRole({ type: "identity", why: "pattern cycle" }),
    "identity (pattern cycle)",
  );
  assert.deepEqual(describeRole({ type: "allMaxShift", c: 32n }), "all-max shift × 32");
});
