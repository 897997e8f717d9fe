/**
 * Step 2b: the sparse contextual mapping, verified exhaustively for the zoo and a custom
 * schedule, checked against an independent closed form (the phase-1 recursion and its
 * decoding), layer counts against notebooks/paper.md §2.9, and refusals naming the condition.
 */
import assert from "node:assert/strict";
import { buildContextualMapping, DeltaGrid, layerCounts } from "../../lib/construction/mod.ts";
import {
  fixed,
  fixedCausal,
  longformer,
  Schedule,
  slidingWindow,
  SparsityPattern,
  star,
  strided,
  stridedCausal,
} from "../../lib/pattern/mod.ts";
import { InputError } from "../../lib/util/errors.ts";

Deno.test("paper.md §2.5 worked example: n=3, d=1, δ=1/4, window, γ = identity", () => {
  const mapping = buildContextualMapping(slidingWindow({ n: 3, w: 1 }), { d: 1, delta: 0.25 });
  assert.deepEqual(mapping.gamma, [0, 1, 2]);
  const input = new DeltaGrid(3, 1, 0.25).indexOf([2, 1, 3]); // X = (0.5, 0.25, 0.75)
  // l = (2.5, 0.25, 1.75); f_2 = 9.25, f_3 = 31.75; in units of δ: 10, 37, 127.
  assert.deepEqual(mapping.phaseOneIds[input], [10n, 37n, 127n]);
  assert.equal(mapping.counts.total, 10);
  assert.ok(mapping.verified);
});

/** Phase 1 by the closed form F_i = D·F_{i−1} − (D−1)·L_i (an oracle, not the layers). */
function recursionOracle(
  levels: Int32Array,
  gamma: readonly number[],
  D: number,
  d: number,
  K: number,
) {
  const local = (token: number) => {
    let id = 0;
    for (let c = d - 1; c >= 0; c--) id = id * K + levels[token * d + c];
    return id;
  };
  const n = gamma.length;
  const F = new Array<bigint>(n);
  F[gamma[0]] = BigInt((n - 1) * D + local(gamma[0]));
  for (let i = 1; i < n; i++) {
    const L = BigInt((i - 1) * D + local(gamma[i]));
    F[gamma[i]] = BigInt(D) * F[gamma[i - 1]] - BigInt(D - 1) * L;
  }
  return F;
}

const cases: [string, Schedule, number, number][] = [
  ["window n=4", slidingWindow({ n: 4, w: 1 }), 1, 0.25],
  ["star n=4", star({ n: 4 }), 1, 0.25],
  ["strided n=4", strided({ n: 4, c: 2 }), 1, 0.25],
  ["fixed n=4", fixed({ n: 4, c: 2 }), 1, 0.25],
  ["longformer n=4", longformer({ n: 4, w: 1, g: 1 }), 1, 0.25],
  ["star n=3 d=2", star({ n: 3 }), 2, 0.5],
  ["strided n=5 δ=1/2", strided({ n: 5, c: 2 }), 1, 0.5],
];

for (const [name, schedule, d, delta] of cases) {
  Deno.test(`exhaustive contextual mapping: ${name}`, () => {
    const mapping = buildContextualMapping(schedule, { d, delta });
    assert.ok(mapping.verified, JSON.stringify(mapping.invariantFailures));
    assert.equal(mapping.invariantFailures.length, 0);
    assert.equal(mapping.invariantChecks, mapping.inputs * (schedule.n - 1));
    const c = mapping.c!;
    assert.equal(c & (c - 1n), 0n, "c is a power of two");
    // Distinct within and across inputs, recounted independently of checkDistinct.
    const all = new Set(mapping.ids.flat());
    assert.equal(all.size, mapping.inputs * schedule.n);
    // Smaller powers of two were tried and failed, so c is the smallest that verifies.
    assert.ok(mapping.cTried.slice(0, -1).every((t) => t.withinInput + t.acrossInputs > 0));
    // Phase 1 matches the closed-form recursion, which decodes back to the input.
    const grid = mapping.grid;
    for (let input = 0; input < mapping.inputs; input++) {
      const oracle = recursionOracle(
        grid.levelsAt(input),
        mapping.gamma,
        grid.tokenValues,
        d,
        grid.levels,
      );
      assert.deepEqual(mapping.phaseOneIds[input], oracle);
    }
    assert.ok(mapping.counts.total <= mapping.counts.predicted);
    assert.ok(mapping.floatComparison!.agrees);
  });
}

Deno.test("the last path token's phase-1 id decodes the whole input (injectivity)", () => {
  const mapping = buildContextualMapping(slidingWindow({ n: 4, w: 1 }), { d: 1, delta: 0.25 });
  const D = 4n;
  for (let input = 0; input < mapping.inputs; input++) {
    let F = mapping.phaseOneIds[input][3];
    const levels: bigint[] = [];
    for (let i = 3; i >= 1; i--) {
      const L = BigInt(i - 1) * D + (((F % D) + D) % D); // F_i ≡ L_i (mod D)
      levels.unshift(L - BigInt(i - 1) * D);
      F = (F + (D - 1n) * L) / D;
    }
    levels.unshift(F - 3n * D);
    assert.deepEqual(levels.map(Number), Array.from(mapping.grid.levelsAt(input)));
  }
});

Deno.test("layer counts vs paper.md §2.9 and the bound p(n−1)δ^{−d} + s", () => {
  const count = (schedule: Schedule) => layerCounts(schedule, { d: 1, delta: 0.25 });
  assert.equal(count(slidingWindow({ n: 3, w: 1 })).contextualMapping, 10);
  assert.equal(count(slidingWindow({ n: 4, w: 1 })).contextualMapping, 15);
  const stridedRow = count(strided({ n: 4, c: 2 }));
  assert.equal(stridedRow.contextualMapping, 26);
  assert.equal(stridedRow.predicted, 2 * 3 * 4 + 2);
  const fixedRow = count(fixed({ n: 4, c: 2 }));
  assert.equal(fixedRow.contextualMapping, 24);
  assert.ok(fixedRow.contextualMapping <= fixedRow.predicted);
  for (
    const schedule of [star({ n: 9 }), strided({ n: 9, c: 3 }), longformer({ n: 9, w: 2, g: 1 })]
  ) {
    const row = layerCounts(schedule, { d: 2, delta: 0.5 });
    assert.ok(row.contextualMapping <= row.predicted);
  }
});

Deno.test("a custom schedule whose path is not the identity", () => {
  // Token k attends to k+1 (and itself): the path runs n−1, …, 0; a relay token 0 mixes.
  const n = 4;
  const lists = Array.from(
    { length: n },
    (_, k) => (k === 0 ? [0, 1, 2, 3] : [k, Math.min(n - 1, k + 1), 0]),
  );
  const schedule = new Schedule("reverse-chain", [
    SparsityPattern.fromLists("reverse-chain", lists),
  ]);
  const mapping = buildContextualMapping(schedule, { d: 1, delta: 0.25 });
  assert.notDeepEqual(mapping.gamma, [0, 1, 2, 3]);
  assert.ok(mapping.verified);
});

Deno.test("refusal names the failed part of Assumption 1", () => {
  const refuse = (schedule: Schedule, part: RegExp) =>
    assert.throws(() => buildContextualMapping(schedule, { d: 1, delta: 0.5 }), (error: Error) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, part);
      return true;
    });
  refuse(stridedCausal({ n: 4, c: 2 }), /\(3\) no mixing depth/);
  refuse(fixedCausal({ n: 4, c: 2 }), /\(3\) no mixing depth/);
  const noSelf = SparsityPattern.fromLists("no-self", [[1], [0, 1, 2], [1, 2]]);
  refuse(new Schedule("no-self", [noSelf]), /\(1\)/);
  // Two cliques that only meet through one token each way: a star-shaped union without a path.
  const split = SparsityPattern.fromLists("fork", [[0, 3], [1, 3], [2, 3], [0, 1, 2, 3]]);
  refuse(new Schedule("fork", [split]), /\(2\)/);
});

Deno.test("a too small all-max constant fails verification instead of returning silently", () => {
  const mapping = buildContextualMapping(star({ n: 4 }), { d: 1, delta: 0.25, c: 4 });
  assert.equal(mapping.verified, false);
  assert.equal(mapping.c, null);
  assert.ok(mapping.distinctness.acrossInputs > 0);
});
