/** Vocabularies: specials first, stable ids, the most frequent symbols kept and the rest <unk>. */
import assert from "node:assert/strict";
import { mostFrequent, PAD, padTo, SPECIALS, UNK, Vocabulary } from "../../lib/train/vocab.ts";

Deno.test("the most frequent symbols: counted, cut at a minimum count and a size, ties in order", () => {
  const symbols = "b a c a b a d d e".split(" ");
  assert.deepEqual(mostFrequent(symbols, 10), ["a", "b", "d", "c", "e"]);
  assert.deepEqual(mostFrequent(symbols, 2), ["a", "b"]);
  assert.deepEqual(mostFrequent(symbols, 10, 2), ["a", "b", "d"]);
  assert.deepEqual(mostFrequent([], 3), []);
});

Deno.test("a vocabulary puts the specials first and sends unknown symbols to <unk>", () => {
  const vocab = new Vocabulary(mostFrequent(["free", "free", "money", "hello"], 2));
  assert.deepEqual(vocab.symbols, [...SPECIALS, "free", "hello"]);
  assert.equal(vocab.size, SPECIALS.length + 2);
  const ids = vocab.encode(["free", "money", "hello"]);
  assert.deepEqual(ids, [SPECIALS.length, UNK, SPECIALS.length + 1]);
  assert.deepEqual(padTo(ids, 5), [...ids, PAD, PAD]);
  assert.deepEqual(padTo(ids, 2), ids.slice(0, 2));
  assert.deepEqual(vocab.decode(ids), ["free", "<unk>", "hello"]);
});
