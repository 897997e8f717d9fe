/** Metrics on known examples: BLEU-4 against textbook and NLTK-documented values, PER, perplexity. */
import assert from "node:assert/strict";
import {
  bitsPerCharacter,
  corpusBleu,
  editDistance,
  meanAndSpread,
  perplexity,
  phonemeErrorRate,
} from "../../lib/train/metrics.ts";

const words = (text: string) => text.split(" ");

Deno.test("BLEU: Papineni et al.'s modified unigram precision 'the the the …' is 2/7", () => {
  const report = corpusBleu(
    [[words("the cat is on the mat"), words("there is a cat on the mat")]],
    [words("the the the the the the the")],
  );
  assert.equal(report.precisions[0], 2 / 7);
  assert.equal(report.bleu, 0, "no bigram matches: BLEU without smoothing is 0");
});

// The examples of NLTK's nltk.translate.bleu_score docstrings (sentence_bleu and corpus_bleu).
const hyp1 = words(
  "It is a guide to action which ensures that the military always obeys the commands of the party",
);
const ref1a = words(
  "It is a guide to action that ensures that the military will forever heed Party commands",
);
const ref1b = words(
  "It is the guiding principle which guarantees the military forces always being under the command of the Party",
);
const ref1c = words(
  "It is the practical guide for the army always to heed the directions of the party",
);
const hyp2 = words("he read the book because he was interested in world history");
const ref2a = words("he was interested in world history because he read the book");

Deno.test("BLEU-4 matches NLTK's documented sentence example (0.5045666840058485)", () => {
  const { bleu } = corpusBleu([[ref1a, ref1b, ref1c]], [hyp1]);
  assert.ok(Math.abs(bleu - 0.5045666840058485) < 1e-12, `got ${bleu}`);
});

Deno.test("BLEU-4 matches NLTK's documented corpus example (0.5920778868801042)", () => {
  const { bleu } = corpusBleu([[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2]);
  assert.ok(Math.abs(bleu - 0.5920778868801042) < 1e-12, `got ${bleu}`);
});

Deno.test("BLEU: identical text scores 1; a short hypothesis pays the brevity penalty", () => {
  const reference = words("a b c d e f g h");
  assert.equal(corpusBleu([[reference]], [reference]).bleu, 1);
  const short = corpusBleu([[reference]], [words("a b c d e f")]);
  assert.equal(short.brevityPenalty, Math.exp(1 - 8 / 6));
  assert.ok(Math.abs(short.bleu - Math.exp(1 - 8 / 6)) < 1e-12, "all n-grams match");
  assert.throws(() => corpusBleu([], [reference]), /references/);
});

Deno.test("edit distance and phoneme error rate on textbook cases", () => {
  assert.equal(editDistance([..."kitten"], [..."sitting"]), 3);
  assert.equal(editDistance([], ["a", "b"]), 2);
  assert.equal(phonemeErrorRate([["K", "AE", "T"]], [["K", "T"]]), 1 / 3);
  assert.equal(
    phonemeErrorRate([["A", "B"], ["C", "D"]], [["A", "B"], ["C", "D", "E", "F"]]),
    2 / 4,
  );
});

Deno.test("perplexity, bits per character and the spread over seeds", () => {
  assert.ok(Math.abs(perplexity(Math.log(7)) - 7) < 1e-12);
  assert.ok(Math.abs(bitsPerCharacter(Math.LN2 * 3) - 3) < 1e-12);
  assert.deepEqual(meanAndSpread([2, 4, 6]), { mean: 4, std: 2 });
  assert.deepEqual(meanAndSpread([5]), { mean: 5, std: 0 });
});
