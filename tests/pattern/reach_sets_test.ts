/**
 * The reach-set engines against each other and against brute force: runs (intervals per
 * token) and squaring against the bitset reference on seeded random schedules (with and
 * without self-loops, with and without a mixing depth) and on every zoo pattern at several n;
 * the closure/bounds answer against the reference; long windows answered fast and exactly.
 */
import assert from "node:assert/strict";
import {
  analyzeAssumption1,
  buildPattern,
  type ReachReport,
  reachSets,
  reachSetsBitset,
  Schedule,
  slidingWindow,
  SparsityPattern,
  ZOO,
} from "../../lib/pattern/mod.ts";
import { InputError } from "../../lib/util/errors.ts";
import { seededRng } from "../../lib/util/random.ts";
import { bruteForceReach, randomSchedule } from "../support/brute_force.ts";

/** Everything the two engines must agree on, sizes and sets included. */
function assertSameReport(actual: ReachReport, expected: ReachReport, label: string) {
  assert.equal(actual.mixingDepth, expected.mixingDepth, `${label}: s`);
  assert.equal(actual.status, expected.status, `${label}: status`);
  assert.deepEqual(actual.sizes, expected.sizes, `${label}: sizes`);
  assert.deepEqual(actual.neverReached, expected.neverReached, `${label}: never reached`);
  assert.equal(actual.neverReachedCount, expected.neverReachedCount, `${label}: count`);
  assert.equal(actual.reason, expected.reason, `${label}: reason`);
  if (expected.tokenSizes) {
    assert.deepEqual(actual.tokenSizes, expected.tokenSizes, `${label}: token sizes`);
  }
  if (expected.sets) assert.deepEqual(actual.sets, expected.sets, `${label}: sets`);
}

/** p patterns whose rows are random intervals around each token (self-loops kept). */
function intervalSchedule(seed: number, n: number, p: number, gaps: boolean): Schedule {
  const rng = seededRng(seed);
  const patterns = Array.from({ length: p }, (_, l) => {
    const lists = Array.from({ length: n }, (_, k) => {
      const lo = Math.max(0, k - rng.int(3));
      const hi = Math.min(n - 1, k + rng.int(3));
      const row: number[] = [];
      for (let j = lo; j <= hi; j++) if (j === k || !gaps || rng.next() < 0.8) row.push(j);
      return row;
    });
    return SparsityPattern.fromLists(`iv${seed}.${l}`, lists, n);
  });
  return new Schedule(`intervals-${seed}`, patterns);
}

Deno.test("runs engine = bitset engine = brute force on 600 random schedules", () => {
  let found = 0;
  let none = 0;
  for (let seed = 0; seed < 600; seed++) {
    const rng = seededRng(90_000 + seed);
    const n = 1 + rng.int(9);
    const p = 1 + rng.int(3);
    const schedule = randomSchedule(20_000 + seed, n, p);
    const options = { trackTokens: true, trackSets: true };
    const runs = reachSets(schedule, { ...options, engine: "runs" });
    const bits = reachSetsBitset(schedule, options);
    assertSameReport(runs, bits, `seed ${seed}`);
    assert.equal(runs.method, "runs");
    const brute = bruteForceReach(schedule);
    assert.equal(runs.mixingDepth, brute.s, `seed ${seed}: brute force`);
    brute.sizes.forEach((sizes, t) =>
      assert.deepEqual(Array.from(runs.tokenSizes![t]), sizes, `seed ${seed} t=${t + 1}`)
    );
    if (runs.status === "found") found++;
    if (runs.status === "none") none++;
  }
  assert.ok(found > 100 && none > 100, `found ${found}, none ${none}`);
});

Deno.test("squaring = bitset on interval schedules: s, the closure's never-reached tokens", () => {
  let deep = 0;
  let none = 0;
  for (let seed = 0; seed < 300; seed++) {
    const rng = seededRng(40_000 + seed);
    const n = 2 + rng.int(40);
    const p = 1 + rng.int(3);
    const schedule = intervalSchedule(50_000 + seed, n, p, seed % 3 === 0);
    const fast = reachSets(schedule, { engine: "squaring" });
    const bits = reachSetsBitset(schedule);
    assert.equal(fast.mixingDepth, bits.mixingDepth, `seed ${seed}: s`);
    assert.equal(fast.status, bits.status, `seed ${seed}: status`);
    assert.deepEqual(fast.neverReached, bits.neverReached, `seed ${seed}: never reached`);
    assert.equal(fast.neverReachedCount, bits.neverReachedCount, `seed ${seed}`);
    // The layers iterated one by one before squaring are the reference's layers.
    assert.deepEqual(fast.sizes, bits.sizes.slice(0, fast.sizes.length), `seed ${seed}: sizes`);
    if (fast.method === "squaring") {
      if (fast.status === "found") deep++;
      else none++;
    }
  }
  // Rows with gaps break the interval property, so some schedules stay on runs; many square.
  assert.ok(deep > 50 && none > 10, `squared: ${deep} found, ${none} none`);
});

Deno.test("every zoo pattern at several n: runs and squaring agree with the bitset engine", () => {
  for (const name of Object.keys(ZOO)) {
    for (const n of [1, 2, 5, 13, 36, 64]) {
      if (name === "random" && n < 5) continue; // default sparsity 0.8 needs n ≥ 5
      const schedule = buildPattern(name, { n });
      const label = `${name} n=${n}`;
      const bits = reachSetsBitset(schedule, { trackTokens: true });
      assertSameReport(reachSets(schedule, { engine: "runs", trackTokens: true }), bits, label);
      const fast = reachSets(schedule, { engine: "squaring" });
      assert.equal(fast.mixingDepth, bits.mixingDepth, `${label}: squaring s`);
      assert.equal(fast.status, bits.status, `${label}: squaring status`);
      assert.deepEqual(fast.neverReached, bits.neverReached, `${label}: squaring unreached`);
    }
  }
  // Windows of every width square (one interval per token) and hit s = ⌈(n − 1)/w⌉.
  for (const w of [1, 2, 5]) {
    const report = reachSets(slidingWindow({ n: 200, w }), { engine: "squaring" });
    assert.equal(report.method, "squaring");
    assert.equal(report.mixingDepth, Math.ceil(199 / w));
  }
});

Deno.test("closure and bounds (runs budget spent) never contradict the reference", () => {
  let decided = 0;
  let bounded = 0;
  for (let seed = 0; seed < 300; seed++) {
    const rng = seededRng(60_000 + seed);
    const n = 2 + rng.int(30);
    const p = 1 + rng.int(3);
    const schedule = randomSchedule(70_000 + seed, n, p);
    const bits = reachSetsBitset(schedule);
    const quick = reachSets(schedule, { engine: "runs", runsBudget: 0 });
    if (quick.method === "runs") continue; // answered within the first layers
    if (quick.status === "unknown") {
      bounded++;
      const { lower, upper } = quick.bounds!;
      assert.ok(
        quick.reason!.includes("s ≥") || quick.reason!.includes("≤ s ≤"),
        String(quick.reason),
      );
      if (bits.mixingDepth !== null) {
        assert.ok(lower <= bits.mixingDepth, `seed ${seed}: lower ${lower} ≤ ${bits.mixingDepth}`);
        if (upper !== null) assert.ok(bits.mixingDepth <= upper, `seed ${seed}: upper`);
      } else {
        assert.equal(upper, null, `seed ${seed}: an upper bound claims s exists`);
      }
    } else {
      decided++;
      assert.equal(quick.status, bits.status, `seed ${seed}: ${quick.method}`);
      assert.equal(quick.mixingDepth, bits.mixingDepth, `seed ${seed}`);
      assert.deepEqual(quick.neverReached, bits.neverReached, `seed ${seed}`);
      assert.equal(quick.neverReachedCount, bits.neverReachedCount, `seed ${seed}`);
    }
  }
  assert.ok(decided > 30 && bounded > 30, `decided ${decided}, bounded ${bounded}`);
});

Deno.test("long windows: exact s fast at n = 10,000 and 65,536 (squaring, O(n log² n))", () => {
  for (const [n, w] of [[10_000, 1], [10_000, 3], [65_536, 1]]) {
    const schedule = slidingWindow({ n, w });
    const started = performance.now();
    const verdict = analyzeAssumption1(schedule);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(verdict.reach.mixingDepth, Math.ceil((n - 1) / w), `n=${n} w=${w}`);
    assert.equal(verdict.hamiltonianPath.status, "found");
    assert.equal(verdict.satisfied, true);
    assert.ok(seconds < 10, `window n=${n} w=${w} took ${seconds.toFixed(1)} s`);
  }
});

Deno.test("reachSets options are validated and named", () => {
  const schedule = slidingWindow({ n: 8, w: 1 });
  for (const maxLayers of [-1, 0, 1.5, NaN, "3"]) {
    assert.throws(
      () => reachSets(schedule, { maxLayers: maxLayers as number }),
      (error: unknown) => error instanceof InputError && error.parameter === "maxLayers",
      String(maxLayers),
    );
  }
  assert.throws(
    () => analyzeAssumption1(schedule, { maxLayers: -1 }),
    /maxLayers = -1: expected an integer >= 1/,
  );
  assert.throws(() => reachSets(schedule, { trackTokens: 1 as unknown as boolean }), /trackTokens/);
  assert.throws(() => reachSets(schedule, { engine: "fast" as "runs" }), /engine = "fast"/);
  assert.throws(() => reachSets(schedule, { runsBudget: -5 }), /runsBudget = -5/);
  assert.throws(
    () => reachSets(slidingWindow({ n: 5000, w: 1 }), { trackSets: true }),
    /trackSets = true: stores n² = 25000000 cells per layer; allowed up to n = 4096/,
  );
  assert.throws(() => analyzeAssumption1(schedule, { searchBudget: 0 }), /searchBudget = 0/);
  // maxLayers = 1 is the smallest legal cap: undecided, with the bound it implies.
  const capped = reachSets(schedule, { maxLayers: 1 });
  assert.equal(capped.status, "unknown");
  assert.deepEqual(capped.bounds, { lower: 2, upper: null });
});
