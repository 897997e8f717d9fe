/**
 * The ICLR dense contextual mapping (Lemma 6, notebooks/paper.md §2.6) built as layers: a
 * hand-computed example, the exhaustive "contextual mapping up to permutation" check recounted
 * independently of the library (closed-form oracle for l̃ and q, class bookkeeping by sorting), the
 * inputs with duplicate columns counted, the float64 reference, and layer counts beside the sparse
 * ones.
 */
import assert from "node:assert/strict";
import {
  buildContextualMapping,
  buildDenseContextualMapping,
  DeltaGrid,
  denseLayerCounts,
  layerCounts,
} from "../../lib/construction/mod.ts";
import { denseContextualLayers } from "../../lib/construction/dense.ts";
import { denseLemma6Layers } from "../../lib/construction/counts.ts";
import { slidingWindow, star, strided } from "../../lib/pattern/mod.ts";

Deno.test("dense Lemma 6 by hand: n=3, d=1, δ=1/4, X = (0.5, 0.25, 0.75)", () => {
  const mapping = buildDenseContextualMapping({ n: 3, d: 1, delta: 0.25 });
  const input = mapping.grid.indexOf([2, 1, 3]);
  // Units of δ, D = 4: sorted ids 1 < 2 < 3 (tokens 1, 0, 2). Shifts b = 0…3:
  // l̃(token 1) = 1 + 4(3 − 1) = 9, l̃(token 0) = 2 + 4(9 − 2) = 30, l̃(token 2) = 3 + 4(30 − 3) = 111.
  assert.deepEqual(mapping.shiftIds[input], [30n, 9n, 111n]);
  // Global shift adds D^{n+1}(l̃_n − l̃_1) = 256·(111 − 9) = 26112 to every token.
  assert.deepEqual(mapping.ids[input], [26142n, 26121n, 26223n]);
  assert.equal(mapping.layers.length, 5);
});

/** l̃ and q by the closed form on the sorted ids (an oracle, not the layers). */
function oracle(columns: bigint[], D: bigint): bigint[] {
  const n = columns.length;
  const order = columns.map((_, k) => k).sort((a, b) => Number(columns[a] - columns[b]));
  const tilde = new Array<bigint>(n);
  let previous = columns[order[n - 1]]; // l_n, so that l̃_1 = l_1 + D(l_n − l_1)
  for (const k of order) {
    tilde[k] = columns[k] + D * (previous - columns[k]);
    previous = tilde[k];
  }
  const spread = D ** BigInt(n + 1) * (tilde[order[n - 1]] - tilde[order[0]]);
  return tilde.map((t) => t + spread);
}

const cases: [number, number, number][] = [[3, 1, 0.25], [4, 1, 0.25], [3, 2, 0.5], [3, 1, 0.125]];

for (const [n, d, delta] of cases) {
  Deno.test(`dense contextual mapping up to permutation: n=${n}, d=${d}, δ=${delta}`, () => {
    const mapping = buildDenseContextualMapping({ n, d, delta });
    const grid = new DeltaGrid(n, d, delta);
    const D = BigInt(grid.tokenValues);
    assert.equal(mapping.inputs, grid.size);
    assert.equal(mapping.layers.length, grid.tokenValues + 1, "δ^{−d} + 1 layers");
    assert.equal(mapping.counts.total, mapping.counts.predicted);
    assert.ok(mapping.verified, JSON.stringify(mapping.invariantFailures));
    assert.equal(mapping.invariantChecks, mapping.distinctColumnInputs * n);

    // Recount from the ids alone: each id belongs to one class (sorted columns), with one column.
    const owner = new Map<bigint, string>();
    let distinctInputs = 0;
    for (let input = 0; input < mapping.inputs; input++) {
      const levels = grid.levelsAt(input);
      const columns = Array.from({ length: n }, (_, k) => {
        let id = 0n;
        for (let c = d - 1; c >= 0; c--) id = id * BigInt(grid.levels) + BigInt(levels[k * d + c]);
        return id;
      });
      const ids = mapping.ids[input];
      if (new Set(columns).size < n) {
        // Outside the premise: equal columns get equal ids, so the input fails.
        assert.ok(new Set(ids).size < n, `input ${input} with a repeated column`);
        continue;
      }
      distinctInputs++;
      assert.deepEqual(ids, oracle(columns, D));
      assert.equal(new Set(ids).size, n);
      const key = columns.slice().sort((a, b) => Number(a - b)).join(",");
      ids.forEach((id, k) => {
        const tag = `${key}|${columns[k]}`;
        assert.equal(owner.get(id) ?? tag, tag, `id ${id} shared`);
        owner.set(id, tag);
      });
    }
    const falling = Array.from({ length: n }, (_, i) => grid.tokenValues - i).reduce((a, b) =>
      a * b
    );
    assert.equal(distinctInputs, falling, "D!/(D−n)! inputs with distinct columns");
    assert.equal(mapping.distinctColumnInputs, falling);
    assert.equal(mapping.permutationClasses, owner.size / n);
    assert.equal(mapping.duplicates.inputs, grid.size - falling);
    assert.equal(mapping.duplicates.withinInputFailures, mapping.duplicates.inputs);

    const float = mapping.floatComparison!;
    assert.ok(float.agrees && float.provablyExactLayers === mapping.layers.length);
    assert.equal(float.inputsCompared, falling);
  });
}

Deno.test("duplicate columns: all-equal inputs never move; the rest collide within the input", () => {
  const mapping = buildDenseContextualMapping({ n: 4, d: 1, delta: 0.25, compareFloat: false });
  for (let v = 0; v < 4; v++) {
    const input = mapping.grid.indexOf([v, v, v, v]);
    assert.deepEqual(mapping.ids[input], [v, v, v, v].map(BigInt));
  }
  // 256 − 24 = 232 inputs with a repeated column, all failing; none of their ids is a valid id.
  assert.equal(mapping.duplicates.inputs, 232);
  assert.equal(mapping.duplicates.withinInputFailures, 232);
  assert.equal(mapping.duplicates.sharedWithValid, 0);
});

Deno.test("layer counts: dense Lemma 6 from the built plan vs the sparse construction", () => {
  for (const [d, delta] of [[1, 0.5], [1, 0.25], [2, 0.5], [2, 0.25]]) {
    const D = (1 / delta) ** d;
    assert.equal(denseLemma6Layers(d, delta), D + 1);
    for (const n of [3, 8]) {
      assert.equal(denseContextualLayers(new DeltaGrid(n, d, delta)).length, D + 1);
      const dense = denseLayerCounts({ n, d, delta });
      assert.equal(dense.contextualMapping, dense.predicted);
      assert.equal(dense.quantization, d / delta);
      for (const schedule of [slidingWindow({ n, w: 1 }), star({ n }), strided({ n, c: 2 })]) {
        const row = layerCounts(schedule, { d, delta });
        assert.equal(row.denseContextualMapping, D + 1);
        assert.ok(row.contextualMapping >= (n - 1) * D, "at least one shift per path edge and id");
        assert.ok(row.contextualMapping > row.denseContextualMapping);
      }
    }
  }
  // The same small case built both ways: 5 dense layers against 10 for the window.
  const sparse = buildContextualMapping(slidingWindow({ n: 3, w: 1 }), { d: 1, delta: 0.25 });
  const dense = buildDenseContextualMapping({ n: 3, d: 1, delta: 0.25, compareFloat: false });
  assert.deepEqual([dense.layers.length, sparse.layers.length], [5, 10]);
});
