/** Data: the cached slices are what their npm packages give (deterministically), verified by checksum. */
import assert from "node:assert/strict";
import {
  cmudictSource,
  loadCmudict,
  loadMobyDick,
  loadSlice,
  loadSpamAssassin,
  mobyDickSource,
  SLICE_CHECKSUMS,
  spamAssassinSource,
} from "../lib/train/mod.ts";
import { InputError } from "../lib/util/errors.ts";
import { sha256 } from "../lib/util/system.ts";

Deno.test("each slice rebuilt from its npm package hashes to the recorded checksum", () => {
  for (const source of [mobyDickSource, cmudictSource, spamAssassinSource]) {
    assert.equal(sha256(JSON.stringify(source.build())), SLICE_CHECKSUMS[source.name], source.name);
  }
});

Deno.test("the committed caches load without rebuilding and have disjoint, fixed splits", () => {
  const moby = loadMobyDick();
  const words = loadCmudict();
  const emails = loadSpamAssassin();
  for (const slice of [moby, words, emails]) assert.equal(slice.fromCache, true, slice.path);
  assert.equal(moby.data.train.length, 580_000);
  const trainWords = new Set(words.data.train.map(([w]) => w));
  assert.ok(words.data.test.every(([w]) => !trainWords.has(w)), "test words are unseen");
  const trainEmails = new Set(emails.data.train.map(([t]) => t));
  assert.ok(emails.data.test.every(([t]) => !trainEmails.has(t)), "test e-mails are unseen");
  assert.equal(emails.data.test.length, 1000);
  const spamShare = emails.data.test.filter(([, spam]) => spam === 1).length / 1000;
  assert.ok(spamShare > 0.45 && spamShare < 0.55, `balanced test split (${spamShare})`);
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
