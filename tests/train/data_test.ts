/** Data: the cached slices are what their npm packages give (deterministically), verified by checksum. */
import assert from "node:assert/strict";
import {
  cmudictRhymeSource,
  cmudictSource,
  loadCmudict,
  loadCmudictRhymes,
  loadMobyDick,
  mobyDickSource,
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
  const trainWords = new Set(words.data.train.map(([w]) => w));
  assert.ok(words.data.test.every(([w]) => !trainWords.has(w)), "test words are unseen");
});

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
