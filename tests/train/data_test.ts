/** Data: the cached slices are what their npm packages give (deterministically), verified by checksum. */
import assert from "node:assert/strict";
import {
  cmudictSource,
  EMAIL_TOKENS,
  emailTokens,
  loadCmudict,
  loadMobyDick,
  loadSpamAssassin,
  mobyDickSource,
  SLICE_CHECKSUMS,
  spamAssassinSource,
  tokensOf,
} from "../../lib/train/datasets.ts";
import { loadSlice } from "../../lib/train/cache.ts";
import { InputError } from "../../lib/util/errors.ts";
import { sha256 } from "../../lib/util/system.ts";

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
  // the unlabelled e-mails pretrain: none of them is a valid or test e-mail
  const heldOut = new Set([...emails.data.valid, ...emails.data.test].map(([t]) => t));
  assert.ok(emails.data.unlabelled.length > 2000, `${emails.data.unlabelled.length} unlabelled`);
  assert.ok(emails.data.unlabelled.every((t) => !heldOut.has(t)), "no held-out e-mail pretrains");
  for (const [text] of emails.data.train) {
    assert.ok(tokensOf(text).length >= 8 && tokensOf(text).length <= EMAIL_TOKENS, text);
  }
});

Deno.test("an e-mail's tokens: subject then body, HTML removed, words, numbers and symbols", () => {
  const message = "From: a@b\nSubject: WIN $500 now!\n\n<p>Click&nbsp;HERE</p> 100% free";
  assert.deepEqual(emailTokens(message), [
    "WIN",
    "$",
    "500",
    "now",
    "!",
    "Click",
    "HERE",
    "100",
    "%",
    "free",
  ]);
  assert.deepEqual(tokensOf("WIN $ 500"), ["WIN", "$", "500"]);
  assert.deepEqual(tokensOf(""), []);
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
