/**
 * Every zoo constructor checked against an independent definition: its formula written as a
 * predicate and evaluated on all n² pairs, for many n and parameters.
 */
import assert from "node:assert/strict";
import {
  bigbird,
  dense,
  fixed,
  fixedCausal,
  intersectionOf,
  longformer,
  random,
  Schedule,
  scheduleFromJson,
  scheduleToJson,
  sequential,
  slidingWindow,
  SparsityPattern,
  star,
  strided,
  stridedCausal,
  union,
  unionOf,
  windowRelay,
} from "../../lib/pattern/mod.ts";
import {
  buildPattern,
  patternConnectionBound,
  resolvePatternParams,
  ZOO,
  zooEntry,
} from "../../lib/pattern/zoo.ts";
import { InputError } from "../../lib/util/errors.ts";

type Predicate = (k: number, j: number) => boolean;
const mod = (a: number, m: number) => ((a % m) + m) % m;

function assertMatches(schedule: Schedule, predicates: Predicate[], label: string) {
  assert.equal(schedule.numPatterns, predicates.length, `${label}: number of patterns`);
  schedule.patterns.forEach((pattern, l) => {
    const n = pattern.n;
    let count = 0;
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < n; j++) {
        const expected = predicates[l](k, j);
        assert.equal(pattern.has(k, j), expected, `${label} pattern ${l}: (k=${k}, j=${j})`);
        if (expected) count++;
      }
    }
    assert.equal(pattern.connections, count, `${label} pattern ${l}: connections`);
    // CSR rows sorted and unique
    for (let k = 0; k < n; k++) {
      const row = pattern.row(k);
      for (let i = 1; i < row.length; i++) {
        assert.ok(row[i - 1] < row[i], `${label}: row ${k} sorted`);
      }
    }
  });
}

const SIZES = [1, 2, 3, 5, 8, 13, 16, 17, 31, 32];

Deno.test("dense and window match their formulas", () => {
  for (const n of SIZES) {
    assertMatches(dense({ n }), [() => true], `dense n=${n}`);
    for (const w of [0, 1, 2, 3, 7, 40]) {
      assertMatches(
        slidingWindow({ n, w }),
        [(k, j) => Math.abs(j - k) <= w],
        `window n=${n} w=${w}`,
      );
    }
  }
});

Deno.test("strided (bidirectional and causal) match Child et al.'s formulas", () => {
  for (const n of SIZES) {
    for (const c of [1, 2, 3, 4, 5, 8]) {
      assertMatches(strided({ n, c }), [
        (k, j) => Math.abs(j - k) <= c,
        (k, j) => mod(k - j, c) === 0,
      ], `strided n=${n} c=${c}`);
      assertMatches(stridedCausal({ n, c }), [
        (k, j) => j <= k && k - j <= c,
        (k, j) => j <= k && mod(k - j, c) === 0,
      ], `strided-causal n=${n} c=${c}`);
    }
  }
});

Deno.test("fixed (bidirectional and causal) match Child et al.'s formulas, c dividing n or not", () => {
  for (const n of SIZES) {
    for (const c of [1, 2, 3, 4, 6]) {
      for (let summary = 1; summary <= c; summary++) {
        const block = (k: number, j: number) => Math.floor(j / c) === Math.floor(k / c);
        const isSummary = (j: number) => mod(j, c) >= c - summary;
        assertMatches(fixed({ n, c, summary }), [
          block,
          (k, j) => isSummary(j) || j === k,
        ], `fixed n=${n} c=${c} c'=${summary}`);
        assertMatches(fixedCausal({ n, c, summary }), [
          (k, j) => j <= k && block(k, j),
          (k, j) => (j <= k && isSummary(j)) || j === k,
        ], `fixed-causal n=${n} c=${c} c'=${summary}`);
      }
    }
  }
});

Deno.test("star and longformer match their formulas", () => {
  for (const n of SIZES) {
    assertMatches(
      star({ n }),
      [(k, j) => k === n - 1 || j === n - 1 || Math.abs(j - k) <= 1],
      `star n=${n}`,
    );
    for (const w of [0, 1, 3]) {
      for (const g of [0, 1, 2].filter((g) => g <= n)) {
        assertMatches(
          longformer({ n, w, g }),
          [(k, j) => k < g || j < g || Math.abs(j - k) <= w],
          `longformer n=${n} w=${w} g=${g}`,
        );
      }
    }
  }
  assert.equal(star({ n: 16 }).connections[0], 74, "74 connections at n = 16");
  assert.equal(star({ n: 64 }).connections[0], 314, "314 connections at n = 64");
});

Deno.test("window-relay: a window of half-width w plus relay n − 1; at w = 1 the Star-Transformer", () => {
  for (const n of SIZES) {
    for (const w of [0, 1, 2, 5, 40]) {
      const schedule = windowRelay({ n, w });
      assertMatches(
        schedule,
        [(k, j) => k === n - 1 || j === n - 1 || Math.abs(j - k) <= w],
        `window-relay n=${n} w=${w}`,
      );
      assert.equal(schedule.name, `window-relay(w=${w})`);
      const built = buildPattern("window-relay", { n, w });
      assert.deepEqual(built.patterns[0].toLists(), schedule.patterns[0].toLists());
    }
    assert.deepEqual(
      windowRelay({ n, w: 1 }).patterns[0].toLists(),
      star({ n }).patterns[0].toLists(),
      `window-relay(w=1) is star at n=${n}`,
    );
  }
  // by hand at n = 6, w = 2: rows 0..4 hold their window and token 5; row 5 holds everyone
  assert.deepEqual(windowRelay({ n: 6, w: 2 }).patterns[0].toLists(), [
    [0, 1, 2, 5],
    [0, 1, 2, 3, 5],
    [0, 1, 2, 3, 4, 5],
    [1, 2, 3, 4, 5],
    [2, 3, 4, 5],
    [0, 1, 2, 3, 4, 5],
  ]);
  // n = 64, w = 4: windows of rows 0..62 hold 556 − 5 keys, rows 0..58 add the relay (59),
  // the relay row holds all 64
  assert.equal(windowRelay({ n: 64, w: 4 }).connections[0], 551 + 59 + 64);
});

Deno.test("longformer and bigbird are unions: window ∪ globals, and longformer ∪ random keys", () => {
  for (const n of [1, 4, 17]) {
    for (const [w, g, r] of [[1, 1, 2], [2, 0, 3], [0, 2, 0]]) {
      if (g > n) continue;
      const lf = longformer({ n, w, g }).patterns[0];
      const bb = bigbird({ n, w, g, r, seed: 5 }).patterns[0];
      for (let k = 0; k < n; k++) {
        for (const j of slidingWindow({ n, w }).patterns[0].row(k)) assert.ok(lf.has(k, j));
        for (const j of lf.row(k)) assert.ok(bb.has(k, j), `bigbird ⊇ longformer at (${k}, ${j})`);
      }
    }
  }
});

Deno.test("bigbird: window and globals exactly, r distinct random extras per row, seeded", () => {
  for (const n of [4, 9, 16, 33]) {
    for (const [w, g, r] of [[1, 1, 1], [2, 2, 3], [0, 0, 2], [1, 1, 100]]) {
      const schedule = bigbird({ n, w, g, r, seed: 7 });
      const pattern = schedule.patterns[0];
      for (let k = 0; k < n; k++) {
        const base = (j: number) => k < g || j < g || Math.abs(j - k) <= w;
        let baseCount = 0;
        for (let j = 0; j < n; j++) {
          if (base(j)) {
            baseCount++;
            assert.ok(pattern.has(k, j), `bigbird n=${n}: (k=${k}, j=${j}) from window/global`);
          }
        }
        const extras = pattern.rowSize(k) - baseCount;
        const expected = k < g ? 0 : Math.min(r, n - baseCount);
        assert.equal(extras, expected, `bigbird n=${n} w=${w} g=${g} r=${r}: extras in row ${k}`);
      }
      const again = bigbird({ n, w, g, r, seed: 7 }).patterns[0];
      assert.deepEqual(Array.from(again.keys), Array.from(pattern.keys), "same seed, same pattern");
    }
  }
  const a = bigbird({ n: 64, w: 1, g: 1, r: 3, seed: 1 }).patterns[0].keys;
  const b = bigbird({ n: 64, w: 1, g: 1, r: 3, seed: 2 }).patterns[0].keys;
  assert.notDeepEqual(Array.from(a), Array.from(b), "different seeds give different patterns");
});

Deno.test("random: self-loops kept, exact connection count, seeded, rejects unreachable sparsity", () => {
  for (const n of [1, 2, 5, 16, 40]) {
    for (const sparsity of [0, 0.1, 0.5, 0.8, 0.95]) {
      if (sparsity > 1 - 1 / n) continue;
      const pattern = random({ n, sparsity, seed: 3 }).patterns[0];
      assert.deepEqual(pattern.tokensWithoutSelfLoop(), [], `random n=${n}: self-loops`);
      const expected = Math.max(n, Math.round((1 - sparsity) * n * n));
      assert.equal(pattern.connections, expected, `random n=${n} s=${sparsity}: connections`);
      assert.equal(pattern.sparsity, 1 - expected / (n * n));
      const again = random({ n, sparsity, seed: 3 }).patterns[0];
      assert.deepEqual(Array.from(again.keys), Array.from(pattern.keys));
    }
  }
  assert.throws(() => random({ n: 4, sparsity: 0.9 }), /sparsity = 0.9.*0.75/);
});

Deno.test("sequential, union and intersection combine a family pattern-wise", () => {
  for (const n of [5, 12, 16]) {
    const family = strided({ n, c: 3 });
    assert.equal(sequential(family).numPatterns, 2);
    assert.deepEqual(sequential(family).patterns, family.patterns);
    const [a, b] = family.patterns;
    assertMatches(union(family), [(k, j) => a.has(k, j) || b.has(k, j)], `union n=${n}`);
    assertMatches(
      new Schedule("intersection", [intersectionOf([a, b])]),
      [(k, j) => a.has(k, j) && b.has(k, j)],
      `intersection n=${n}`,
    );
    assert.equal(unionOf([a, b]).connections, union(family).connections[0]);
  }
});

Deno.test("fromPredicate, fromLists and the JSON format round-trip", () => {
  const predicate = (k: number, j: number) => (k * 7 + j * 3) % 5 < 2 || k === j;
  const pattern = SparsityPattern.fromPredicate("p", 11, predicate);
  const lists = pattern.toLists();
  const copy = SparsityPattern.fromLists("copy", lists.map((row) => [...row, ...row].reverse()));
  assert.deepEqual(Array.from(copy.keys), Array.from(pattern.keys), "duplicates and order ignored");
  const schedule = strided({ n: 9, c: 2 });
  const back = scheduleFromJson(JSON.stringify(scheduleToJson(schedule)));
  assert.deepEqual(
    back.patterns.map((p) => p.toLists()),
    schedule.patterns.map((p) => p.toLists()),
  );
  const mask = pattern.toDenseMask();
  for (let k = 0; k < 11; k++) {
    for (let j = 0; j < 11; j++) assert.equal(mask[k * 11 + j], predicate(k, j) ? 1 : 0);
  }
});

Deno.test("bad pattern files name the pattern, token and value", () => {
  const cases: [string, RegExp][] = [
    ["{", /malformed JSON/],
    ['{"n": 3}', /patterns/],
    ['{"n": 0, "patterns": [[]]}', /n = 0/],
    ['{"n": 2, "patterns": [[[0], [0], [1]]]}', /pattern 0 rows = 3: expected 2 rows/],
    ['{"n": 2, "patterns": [[[0], [2]]]}', /pattern 0 token 1 = 2: key index/],
    ['{"n": 2, "patterns": [[[0], [1]], [[0], []]]}', /pattern 1 token 1 = \[\]: A_k is empty/],
    ['{"n": 2, "patterns": [[[0], [0.5]]]}', /pattern 0 token 1 = 0.5/],
    ['{"n": 2, "patterns": [[[0], "x"]]}', /pattern 0 token 1 = "x"/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => scheduleFromJson(text), (error: Error) => {
      assert.ok(error instanceof InputError, `${text}: InputError`);
      assert.match(error.message, message, text);
      return true;
    });
  }
});

Deno.test("the registry builds every pattern by name with defaults and rejects bad parameters", () => {
  for (const name of Object.keys(ZOO)) {
    const schedule = buildPattern(name, { n: 16 });
    assert.equal(schedule.n, 16, name);
  }
  assert.equal(buildPattern("strided", { n: 64 }).patterns[1].rowSize(0), 8, "c defaults to √n");
  assert.throws(() => buildPattern("nope", { n: 4 }), /name = "nope": unknown pattern/);
  assert.throws(() => buildPattern("window", { n: 4, c: 2 }), /takes no parameter "c"/);
  assert.throws(() => buildPattern("window", { n: 4, w: -1 }), /w = -1/);
  assert.throws(() => buildPattern("window", { n: 2.5 }), /n = 2.5/);
  assert.throws(() => buildPattern("union", { n: 4, of: "star" }), /of = "star"/);
  assert.throws(() => buildPattern("fixed", { n: 8, c: 4, summary: 5 }), /summary \(c'\) = 5/);
});

Deno.test("registry names are own properties only: built-ins of Object are unknown", () => {
  assert.equal(Object.getPrototypeOf(ZOO), null);
  assert.ok(Object.isFrozen(ZOO));
  for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
    assert.equal(zooEntry(name), undefined, name);
    assert.equal(name in ZOO, false, name);
    assert.throws(
      () => buildPattern(name, { n: 8 }),
      (error: Error) =>
        error instanceof InputError &&
        error.message ===
          `name = "${name}": unknown pattern; known: ${Object.keys(ZOO).join(", ")}`,
      name,
    );
  }
  // a parameter named like a built-in is not a parameter either
  assert.throws(
    () => buildPattern("window", { n: 4, constructor: 1 }),
    /no parameter "constructor"/,
  );
  assert.equal(zooEntry("window")?.name, "window");
  assert.equal(Object.keys(ZOO).length, 15);
});

Deno.test("each pattern's connection bound is an upper bound, and exact for dense and window", () => {
  const configs: Record<string, Record<string, number | string>[]> = {
    dense: [{}],
    window: [{ w: 0 }, { w: 1 }, { w: 3 }, { w: 100 }],
    strided: [{}, { c: 1 }, { c: 3 }, { c: 50 }],
    "strided-causal": [{}, { c: 2 }, { c: 7 }],
    fixed: [{}, { c: 3, summary: 2 }, { c: 1 }],
    "fixed-causal": [{}, { c: 4, summary: 3 }],
    star: [{}],
    "causal-star": [{}],
    "window-relay": [{}, { w: 0 }, { w: 3 }, { w: 100 }],
    longformer: [{}, { w: 2, g: 3 }, { w: 0, g: 0 }],
    bigbird: [{}, { w: 2, g: 2, r: 5, seed: 3 }, { w: 0, g: 0, r: 40 }],
    random: [{}, { sparsity: 0 }, { sparsity: 0.5, seed: 2 }],
    "self-only": [{}],
    sequential: [{}, { of: "fixed", c: 3 }],
    union: [{}, { of: "strided-causal", c: 2 }],
  };
  assert.deepEqual(Object.keys(configs).sort(), Object.keys(ZOO).sort());
  for (const [name, list] of Object.entries(configs)) {
    for (const params of list) {
      for (const n of [1, 2, 3, 5, 16, 17, 40]) {
        if (name === "longformer" || name === "bigbird") {
          if ((params.g as number ?? 1) > n) continue;
        }
        if (name === "fixed" || name === "fixed-causal") {
          if ((params.summary as number ?? 1) > (params.c as number ?? Math.ceil(Math.sqrt(n)))) {
            continue;
          }
        }
        if (name === "random" && n > 1 && (params.sparsity ?? 0.8) as number > 1 - 1 / n) continue;
        if (name === "random" && n === 1) continue;
        const resolved = resolvePatternParams(name, { n, ...params });
        const bound = patternConnectionBound(name, resolved);
        const actual = buildPattern(name, { n, ...params }).patterns
          .reduce((sum, pattern) => sum + pattern.connections, 0);
        const label = `${name} ${JSON.stringify(params)} n=${n}`;
        assert.ok(actual <= bound, `${label}: ${actual} connections above the bound ${bound}`);
        if (name === "dense") assert.equal(bound, n * n, label);
        if (name === "window") assert.ok(bound <= n * (2 * (params.w as number) + 1), label);
      }
    }
  }
});

Deno.test("buildPattern refuses a pattern above the connection limit before building it", () => {
  const started = performance.now();
  assert.throws(
    () => buildPattern("dense", { n: 100_000 }),
    /n = 100000: pattern "dense" would have up to 10000000000 connections; the limit is 16777216/,
  );
  assert.throws(() => buildPattern("window", { n: 65_536, w: 200 }), /the limit is 16777216/);
  assert.throws(
    () => buildPattern("window", { n: 16, w: 1 }, { maxConnections: 40 }),
    /limit is 40/,
  );
  assert.ok(performance.now() - started < 100, "refused from the bound, nothing built");
  assert.equal(
    buildPattern("window", { n: 16, w: 1 }, { maxConnections: 48 }).patterns[0].connections,
    46,
  );
});

Deno.test("bigbird's random keys are the seeded draws of the free-list algorithm", () => {
  const lists = bigbird({ n: 40, w: 2, g: 2, r: 5, seed: 3 }).patterns[0].toLists();
  assert.deepEqual(lists[2], [0, 1, 2, 3, 4, 10, 16, 17, 24, 37]);
  assert.deepEqual(lists[3], [0, 1, 2, 3, 4, 5, 7, 18, 21, 29, 31]);
  assert.deepEqual(lists[4], [0, 1, 2, 3, 4, 5, 6, 10, 21, 26, 38, 39]);
  assert.deepEqual(lists[5], [0, 1, 3, 4, 5, 6, 7, 9, 14, 17, 28, 29]);
  assert.deepEqual(lists[38], [0, 1, 14, 24, 25, 30, 32, 36, 37, 38, 39]);
  assert.deepEqual(lists[39], [0, 1, 9, 15, 16, 19, 20, 37, 38, 39]);
  const started = performance.now();
  const large = bigbird({ n: 65_536, w: 1, g: 1, r: 1 });
  assert.ok(performance.now() - started < 10_000, "O(n·r) draws, not O(n²)");
  assert.equal(large.patterns[0].rowSize(100), 5); // 3 window + 1 global + 1 random
});

Deno.test("each entry's numPatterns is the p it builds, and `of` takes the two-pattern ones", () => {
  for (const [name, entry] of Object.entries(ZOO)) {
    for (const n of [5, 16]) assert.equal(buildPattern(name, { n }).numPatterns, entry.numPatterns);
  }
  const families = Object.values(ZOO).filter((entry) => entry.params.every((p) => p.name !== "of"));
  const twoPatterns = families.filter((entry) => entry.numPatterns === 2).map((e) => e.name);
  assert.deepEqual(twoPatterns, ["strided", "strided-causal", "fixed", "fixed-causal"]);
  for (const entry of families) {
    for (const composition of ["sequential", "union"]) {
      const build = () => buildPattern(composition, { n: 16, of: entry.name });
      if (entry.numPatterns === 2) assert.equal(build().n, 16, `${composition} of ${entry.name}`);
      else assert.throws(build, /of = "/, `${composition} of ${entry.name}`);
    }
  }
});

Deno.test("a parameter space names the entry's own parameters, and every value builds", () => {
  const swept = Object.values(ZOO).filter((entry) => entry.parameterSpace !== undefined);
  assert.deepEqual(
    swept.map((entry) => entry.name),
    [
      "dense",
      "window",
      "strided",
      "fixed",
      "star",
      "causal-star",
      "window-relay",
      "random",
      "self-only",
    ],
  );
  for (const entry of swept) {
    const takes = new Set(entry.params.map((p) => p.name));
    for (const n of [1, 2, 7, 12, 32]) {
      const space = entry.parameterSpace!(n);
      const label = `${entry.name} n=${n}`;
      if (space.kind === "level") {
        assert.ok(takes.has(space.parameter) && takes.has(space.seedParameter), label);
        for (const level of [space.min, (space.min + space.max) / 2, space.max]) {
          const params = { n, [space.parameter]: level };
          const achieved: number = buildPattern(entry.name, params).patterns[0].sparsity;
          assert.ok(Math.abs(achieved - level) <= 1 / (2 * n * n) + 1e-12, label);
        }
        continue;
      }
      for (const setting of space.settings) {
        for (const key of Object.keys(setting)) assert.ok(takes.has(key), `${label}: ${key}`);
        assert.equal(buildPattern(entry.name, { n, ...setting }).n, n, label);
      }
    }
  }
  // the spaces as the sweeps enumerate them, at n = 12
  const settingsAt = (name: string, n: number) => {
    const space = zooEntry(name)!.parameterSpace!(n);
    return space.kind === "settings" ? space.settings : space;
  };
  assert.deepEqual(settingsAt("dense", 12), [{}]);
  assert.deepEqual(settingsAt("strided", 12), [2, 3, 4, 5, 6].map((c) => ({ c })));
  assert.deepEqual(settingsAt("fixed", 12), [
    { c: 2, summary: 1 },
    { c: 3, summary: 1 },
    { c: 3, summary: 2 },
    { c: 4, summary: 1 },
    { c: 4, summary: 2 },
    { c: 6, summary: 1 },
    { c: 6, summary: 2 },
    { c: 6, summary: 4 },
  ]);
  assert.deepEqual(settingsAt("window", 4), [1, 2, 3].map((w) => ({ w })));
  assert.deepEqual(settingsAt("window-relay", 4), [1, 2, 3, 4].map((w) => ({ w })));
  assert.deepEqual(settingsAt("random", 4), {
    kind: "level",
    parameter: "sparsity",
    seedParameter: "seed",
    min: 0,
    max: 0.75,
  });
});

Deno.test("random with draws: independent draws of one size cycled over layers; draw 0 is the single draw", () => {
  const n = 32;
  const single = random({ n, sparsity: 0.8, seed: 5 });
  const four = random({ n, sparsity: 0.8, seed: 5, draws: 4 });
  assert.equal(four.numPatterns, 4);
  assert.deepEqual(Array.from(four.patterns[0].keys), Array.from(single.patterns[0].keys));
  for (const pattern of four.patterns) {
    assert.equal(pattern.connections, single.patterns[0].connections);
    assert.deepEqual(pattern.tokensWithoutSelfLoop(), []);
  }
  const distinct = new Set(four.patterns.map((p) => Array.from(p.keys).join(",")));
  assert.equal(distinct.size, 4, "every draw differs");
  assert.equal(single.name, "random(sparsity=0.8, seed=5)", "a single draw is named as before");
  assert.match(four.name, /× 4 draws$/);
  // seeded: the same draws again
  const again = random({ n, sparsity: 0.8, seed: 5, draws: 4 });
  four.patterns.forEach((p, i) => assert.deepEqual(p.keys, again.patterns[i].keys));
  assert.throws(() => random({ n, sparsity: 0.8, draws: 0 }), /draws/);
  assert.throws(() => random({ n, sparsity: 0.8, draws: 65 }), /draws/);
});
