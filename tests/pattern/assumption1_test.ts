/**
 * The Assumption-1 analysis against brute force on hundreds of seeded random schedules:
 * every permutation tried for the Hamiltonian path, boolean matrix products for the reach
 * sets, and the known values of the zoo.
 */
import assert from "node:assert/strict";
import {
  analyzeAssumption1,
  findHamiltonianPath,
  fixed,
  isHamiltonianPath,
  random,
  reachSets,
  requireAssumption1,
  Schedule,
  slidingWindow,
  SparsityPattern,
  star,
  strided,
  stridedCausal,
} from "../../lib/pattern/mod.ts";
import { buildPattern, ZOO } from "../../lib/pattern/zoo.ts";
import { verdictBundle, verdictRow, verdictTable } from "../../lib/plot/verdict_table.ts";
import { seededRng } from "../../lib/util/random.ts";
import { bruteForceHasPath, bruteForceReach, randomSchedule } from "../support/brute_force.ts";

Deno.test("Hamiltonian path and mixing depth agree with brute force on 400 random schedules", () => {
  let withPath = 0;
  let withDepth = 0;
  for (let seed = 0; seed < 400; seed++) {
    const rng = seededRng(1000 + seed);
    const n = 1 + rng.int(7);
    const p = 1 + rng.int(3);
    const schedule = randomSchedule(seed, n, p);
    const verdict = analyzeAssumption1(schedule, { trackTokens: true, trackSets: true });

    const expectedPath = bruteForceHasPath(schedule);
    assert.equal(verdict.hamiltonianPath.status, expectedPath ? "found" : "none", `seed ${seed}`);
    if (expectedPath) {
      withPath++;
      assert.ok(
        isHamiltonianPath(schedule, verdict.hamiltonianPath.path!),
        `seed ${seed}: witness`,
      );
    }

    const expected = bruteForceReach(schedule);
    assert.equal(verdict.reach.mixingDepth, expected.s, `seed ${seed}: mixing depth`);
    if (expected.s !== null) withDepth++;
    const compared = Math.min(expected.sizes.length, verdict.reach.tokenSizes!.length);
    for (let t = 0; t < compared; t++) {
      assert.deepEqual(
        Array.from(verdict.reach.tokenSizes![t]),
        expected.sizes[t],
        `seed ${seed} t=${t + 1}`,
      );
      assert.deepEqual(
        Array.from(verdict.reach.sets![t]),
        expected.matrices[t].flat().map(Number),
        `seed ${seed}: S_k^${t + 1} as sets`,
      );
    }

    const selfLoops = schedule.patterns.every((pat) => pat.tokensWithoutSelfLoop().length === 0);
    assert.equal(verdict.selfLoops.holds, selfLoops);
    assert.equal(
      verdict.satisfied,
      selfLoops && expectedPath && expected.s !== null,
      `seed ${seed}`,
    );
  }
  // The random family must exercise both answers of each check, or the test proves little.
  assert.ok(withPath > 50 && withPath < 350, `schedules with a path: ${withPath}`);
  assert.ok(withDepth > 50 && withDepth < 350, `schedules with a mixing depth: ${withDepth}`);
});

Deno.test("exact Hamiltonian search up to n = 20 agrees with an independent backtracking search", () => {
  const backtrack = (schedule: Schedule): boolean => {
    const n = schedule.n;
    const used = new Uint8Array(n);
    const extend = (last: number, depth: number): boolean => {
      if (depth === n) return true;
      for (let next = 0; next < n; next++) {
        if (used[next] || !schedule.patterns.some((p) => p.has(next, last))) continue;
        used[next] = 1;
        if (extend(next, depth + 1)) return true;
        used[next] = 0;
      }
      return false;
    };
    for (let start = 0; start < n; start++) {
      used.fill(0);
      used[start] = 1;
      if (extend(start, 1)) return true;
    }
    return false;
  };
  let found = 0;
  for (let seed = 0; seed < 60; seed++) {
    const rng = seededRng(5000 + seed);
    const n = 9 + rng.int(4);
    const schedule = randomSchedule(7000 + seed, n, 1 + rng.int(2));
    const report = findHamiltonianPath(schedule);
    assert.notEqual(report.status, "unknown");
    assert.equal(report.status === "found", backtrack(schedule), `seed ${seed}`);
    if (report.path) {
      found++;
      assert.ok(isHamiltonianPath(schedule, report.path));
    }
  }
  assert.ok(found > 5 && found < 55, `paths found: ${found}`);
  // n = 20 runs the exhaustive subset search on a pattern with no shortcut order.
  const sparse = random({ n: 20, sparsity: 0.75, seed: 11 });
  const report = findHamiltonianPath(sparse);
  assert.ok(report.status !== "unknown");
  if (report.path) assert.ok(isHamiltonianPath(sparse, report.path));
});

Deno.test("known values: star s = 2, window w = 1 s = n − 1, strided s = 2, strided-causal none", () => {
  assert.equal(analyzeAssumption1(star({ n: 3 })).reach.mixingDepth, 1, "star n=3 is dense");
  for (const n of [4, 8, 16, 50]) {
    assert.equal(analyzeAssumption1(star({ n })).reach.mixingDepth, 2, `star n=${n}`);
    assert.equal(
      analyzeAssumption1(slidingWindow({ n, w: 1 })).reach.mixingDepth,
      n - 1,
      `window n=${n}`,
    );
    assert.equal(
      analyzeAssumption1(slidingWindow({ n, w: 3 })).reach.mixingDepth,
      Math.ceil((n - 1) / 3),
    );
    const c = Math.ceil(Math.sqrt(n));
    assert.equal(analyzeAssumption1(strided({ n, c })).reach.mixingDepth, 2, `strided n=${n}`);
    const causal = analyzeAssumption1(stridedCausal({ n, c }));
    assert.equal(causal.reach.mixingDepth, null);
    assert.equal(causal.reach.status, "none");
    assert.equal(causal.satisfied, false);
    // Token 0 only ever sees itself: every later token is missing from S_0.
    assert.equal(causal.reach.neverReachedCount, n - 1);
    assert.deepEqual(causal.reach.neverReached![0], { token: 1, missingFrom: 0 });
  }
});

Deno.test("every zoo pattern gets a decided verdict at large n, with a valid witness", () => {
  for (const name of Object.keys(ZOO)) {
    const schedule = buildPattern(name, { n: 324 }); // 18²: fixed's default c = 18 divides n
    const verdict = analyzeAssumption1(schedule);
    assert.notEqual(verdict.hamiltonianPath.status, "unknown", name);
    if (verdict.hamiltonianPath.path) {
      assert.ok(isHamiltonianPath(schedule, verdict.hamiltonianPath.path), name);
    }
    assert.notEqual(verdict.reach.status, "unknown", name);
    // causal patterns fail (3) and the no-mixing baseline fails (2) and (3) by design
    const failsByDesign = name.endsWith("-causal") || name === "self-only";
    assert.equal(verdict.satisfied, !failsByDesign, `${name}: ${verdict.reasons.join("; ")}`);
  }
});

Deno.test("fixed with c not dividing n fails (3): the partial last block is never read", () => {
  const verdict = analyzeAssumption1(fixed({ n: 10, c: 4 }));
  assert.equal(verdict.satisfied, false);
  assert.equal(verdict.reach.status, "none");
  assert.deepEqual(verdict.reach.neverReached!.map((e) => e.token), [8, 9]);
  assert.equal(analyzeAssumption1(fixed({ n: 12, c: 4 })).reach.mixingDepth, 2);
});

Deno.test("a pattern failing exactly one condition is reported with that reason only", () => {
  const n = 8;
  const relay = n - 1;
  // (1) only: star whose satellites skip themselves.
  const noSelf = SparsityPattern.fromPredicate(
    "star without self",
    n,
    (k, j) => k === relay || j === relay || Math.abs(j - k) === 1,
  );
  const v1 = analyzeAssumption1(noSelf);
  assert.equal(v1.selfLoops.holds, false);
  assert.deepEqual(v1.selfLoops.missing[0].tokens, [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(v1.hamiltonianPath.status, "found");
  assert.equal(v1.reach.mixingDepth, 2);
  assert.equal(v1.reasons.length, 1);
  assert.match(v1.reasons[0], /^\(1\)/);
  // (2) only: a pure star (satellites see only themselves and the relay).
  const pureStar = SparsityPattern.fromPredicate(
    "pure star",
    n,
    (k, j) => k === relay || j === relay || j === k,
  );
  const v2 = analyzeAssumption1(pureStar);
  assert.equal(v2.selfLoops.holds, true);
  assert.equal(v2.hamiltonianPath.status, "none");
  assert.equal(v2.reach.mixingDepth, 2);
  assert.deepEqual(v2.reasons.map((r) => r.slice(0, 3)), ["(2)"]);
  // (3) only: causal strided.
  const v3 = analyzeAssumption1(stridedCausal({ n, c: 3 }));
  assert.deepEqual(v3.reasons.map((r) => r.slice(0, 3)), ["(3)"]);
  assert.throws(() => requireAssumption1(stridedCausal({ n, c: 3 })), /\(3\) no mixing depth/);
});

Deno.test("refutations at large n: two forced starts, broken component chain", () => {
  const n = 40;
  const twoStarts = SparsityPattern.fromPredicate(
    "two sources",
    n,
    (k, j) => j === k || (k >= 2 && j === k - 1),
  );
  const report = findHamiltonianPath(twoStarts);
  assert.equal(report.status, "none");
  assert.match(report.reason!, /tokens 0, 1 attend to no other token/);
  const twoCycles = SparsityPattern.fromPredicate(
    "two cycles",
    n,
    (k, j) => j === k || (k < 20) === (j < 20) && (j === (k + 1) % 20 + (k < 20 ? 0 : 20)),
  );
  assert.equal(findHamiltonianPath(twoCycles).status, "none");
  assert.equal(reachSets(twoCycles).status, "none");
});

Deno.test("an undecided verdict reads 'undecided', never a failure; names print escaped", () => {
  const name = "evil\u001b[2J\nname";
  const lists = Array.from({ length: 40 }, (_, k) => [k, (k + 3) % 40, (k + 7) % 40]);
  const pattern = SparsityPattern.fromLists(name, lists);
  // A budget of one step leaves the Hamiltonian path undecided; maxLayers = 2 leaves s open.
  const verdict = analyzeAssumption1(pattern, { searchBudget: 1, maxLayers: 2 });
  assert.equal(verdict.hamiltonianPath.status, "unknown");
  assert.equal(verdict.reach.status, "unknown");
  assert.equal(verdict.satisfied, null);
  const row = verdictRow(verdict);
  assert.equal(row["Assumption 1"], "undecided");
  assert.equal(row["Hamiltonian path"], "undecided");
  assert.equal(row.s, "undecided (3..?)");
  assert.equal(row.pattern, "evil\\u{1b}[2J\\u{a}name");
  const bundle = verdictBundle([verdict]);
  for (const text of [bundle["text/plain"], bundle["text/html"]]) {
    assert.ok(!text.includes("\u001b") && !text.includes("\nname"), text);
    assert.ok(!/does not satisfy|fails/.test(text), text);
    assert.match(text, /\(2\) undecided Hamiltonian path/);
    assert.match(text, /\(3\) undecided mixing depth/);
  }
});

Deno.test("verdict table: one aligned row per verdict, then the reasons; HTML escaped", () => {
  const holds = analyzeAssumption1(star({ n: 12 }));
  const fails = analyzeAssumption1(stridedCausal({ n: 16, c: 4 }));
  const shown = verdictTable([holds, fails]);
  const lines = shown.summary.split("\n");
  assert.deepEqual(lines.slice(0, 4), [
    "pattern              n   p  connections  self-loops  Hamiltonian path  s     Assumption 1",
    "-------------------  --  -  -----------  ----------  ----------------  ----  ------------",
    "star                 12  1  54           yes         yes               2     holds",
    "strided-causal(c=4)  16  2  70 / 40      yes         yes               none  fails",
  ]);
  assert.equal(lines.length, 5);
  assert.match(lines[4], /^strided-causal\(c=4\): \(3\) no mixing depth: by layer 4 /);
  // The notebook hook and verdictBundle give the same text; the HTML holds the table and reason.
  const hook = (shown as unknown as Record<symbol, () => Record<string, string>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.equal(hook["text/plain"], shown.summary);
  assert.deepEqual(verdictBundle([holds, fails]), hook);
  assert.match(hook["text/html"], /<td>strided-causal\(c=4\)<\/td>/);
  assert.match(hook["text/html"], /<div>strided-causal\(c=4\): \(3\) no mixing depth/);
  const tagged = analyzeAssumption1(SparsityPattern.fromLists("<b>&", [[0, 1], [0, 1]]));
  const html = verdictBundle([tagged])["text/html"];
  assert.ok(html.includes("<td>&lt;b&gt;&amp;</td>") && !html.includes("<b>"), html);
});
