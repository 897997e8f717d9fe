/** Data: the cached slices are what their npm packages give (deterministically), verified by checksum. */
import assert from "node:assert/strict";
import {
  cmudictRhymeSource,
  cmudictSource,
  loadCmudict,
  loadCmudictRhymes,
  loadMobyDick,
  mobyDickSource,
  type RhymeGroup,
  SLICE_CHECKSUMS,
} from "../../lib/train/datasets.ts";
import { loadSlice } from "../../lib/train/cache.ts";
import { InputError } from "../../lib/util/errors.ts";
import { sha256 } from "../../lib/util/system.ts";

Deno.test("each slice rebuilt from its npm package hashes to the recorded checksum", () => {
  for (const source of [mobyDickSource, cmudictSource, cmudictRhymeSource]) {
    assert.equal(sha256(JSON.stringify(source.build())), SLICE_CHECKSUMS[source.name], source.name);
  }
});

Deno.test("the committed caches load without rebuilding and have disjoint, fixed splits", () => {
  const moby = loadMobyDick();
  const words = loadCmudict();
  const rhymes = loadCmudictRhymes();
  for (const slice of [moby, words, rhymes]) assert.equal(slice.fromCache, true, slice.path);
  assert.equal(moby.data.train.length, 580_000);
  assert.equal(moby.data.valid.length, 10_000);
  assert.equal(moby.data.test.length, 10_000);
  // later chapters: neither held-out passage appears in the training text
  assert.ok(!moby.data.train.includes(moby.data.valid), "the valid passage is not trained on");
  assert.ok(!moby.data.train.includes(moby.data.test), "the test passage is not trained on");
  assert.notEqual(moby.data.valid, moby.data.test);

  // pronunciations: 6000 / 300 / 300 words, no word in two splits
  const g2p = {
    train: words.data.train.map(([w]) => w),
    valid: words.data.valid.map(([w]) => w),
    test: words.data.test.map(([w]) => w),
  };
  assert.deepEqual([g2p.train.length, g2p.valid.length, g2p.test.length], [6000, 300, 300]);
  assertDisjoint("cmudict-g2p", g2p);

  // rhymes: the words of each split's rhyme groups, no word in two splits
  const wordsOf = (groups: RhymeGroup[]) => groups.flatMap(([, members]) => members);
  const rhyming = {
    train: wordsOf(rhymes.data.train),
    valid: wordsOf(rhymes.data.valid),
    test: wordsOf(rhymes.data.test),
  };
  for (const [split, list] of Object.entries(rhyming)) {
    assert.ok(list.length > 1000, `cmudict-rhymes ${split}: ${list.length} words`);
  }
  assertDisjoint("cmudict-rhymes", rhyming);
});

/** Asserts that no word is in two of the splits, nor twice in one. */
function assertDisjoint(
  slice: string,
  splits: { train: string[]; valid: string[]; test: string[] },
): void {
  const train = new Set(splits.train);
  const valid = new Set(splits.valid);
  for (const [split, list] of Object.entries(splits)) {
    assert.equal(new Set(list).size, list.length, `${slice} ${split}: a word repeated`);
  }
  const shared = (list: string[], seen: Set<string>) => list.filter((w) => seen.has(w));
  assert.deepEqual(shared(splits.test, train), [], `${slice}: test words are unseen in training`);
  assert.deepEqual(shared(splits.valid, train), [], `${slice}: valid words are unseen in training`);
  assert.deepEqual(shared(splits.test, valid), [], `${slice}: test and valid words differ`);
}

Deno.test("a slice is built once, then read from the cache; a corrupt cache is refused", () => {
  const dir = Deno.makeTempDirSync();
  let builds = 0;
  const data = { train: [1, 2, 3] };
  const source = {
    name: "toy",
    checksum: sha256(JSON.stringify(data)),
    build: () => (builds++, data),
  };
  assert.equal(loadSlice(source, dir).fromCache, false);
  const second = loadSlice(source, dir);
  assert.equal(second.fromCache, true);
  assert.deepEqual(second.data, data);
  assert.equal(builds, 1, "the second run does no work");
  assert.deepEqual(
    [...Deno.readDirSync(dir)].map((e) => e.name),
    ["toy.json"],
    "no temporary left",
  );
  Deno.writeTextFileSync(`${dir}/toy.json`, JSON.stringify({ train: [1, 2, 4] }));
  assert.throws(
    () => loadSlice(source, dir),
    (e) => e instanceof InputError && /checksum/.test(e.message),
  );
  const changed = { ...source, build: () => ({ train: [9] }), name: "other" };
  assert.throws(() => loadSlice(changed, dir), /checksum mismatch/, "a changed package is refused");
  assert.equal([...Deno.readDirSync(dir)].length, 1, "nothing written for a refused slice");
  Deno.removeSync(dir, { recursive: true });
});
