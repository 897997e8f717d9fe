/**
 * The rhyme-pair task: two "lines" of random words, as characters, separated by a separator
 * token; each line ends in a capitalised word, and the label is whether the two capitalised
 * words rhyme (lib/train/datasets.ts `rhymeOf`). The capitals let a model find the two words by
 * their characters alone, wherever they stand (the lines' lengths vary); telling the classes
 * apart takes comparing them. Every word is drawn so that, on its own, it says nothing of the
 * label (the first word is drawn the same way for both classes, the second as the partner of
 * some rhyming pair), so a model whose tokens do not mix stays at chance. A quarter of the
 * non-rhyming pairs end in the same letter ("BOUGH" / "ROUGH"), so comparing last letters is not
 * enough.
 */
import type { RhymeGroup } from "./datasets.ts";
import { padTo, Vocabulary } from "./vocab.ts";
import { type Rng, shuffle } from "../util/random.ts";
import { InputError, requireInteger } from "../util/errors.ts";

/** Between the two lines. */
export const LINE_SEPARATOR = "|";

/** The characters a line is written in (capitals for its last word), and the separator. */
export const RHYME_VOCABULARY = new Vocabulary([
  ..."abcdefghijklmnopqrstuvwxyz ",
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  LINE_SEPARATOR,
]);

/** The most words a line has (fewer when they do not fit its half of the sequence). */
const MOST_WORDS_PER_LINE = 10;

/** The share of non-rhyming pairs whose words end in the same letter. */
const SAME_LAST_LETTER_SHARE = 0.25;

/** Tries at drawing a word with a property before settling for one without it. */
const DRAW_TRIES = 100;

/** Token ids (padded to the sequence length) and whether the line-final words rhyme. */
export interface PairExample {
  ids: number[];
  label: 0 | 1;
}

/** An example as a reader sees it: the two lines and the separator, padding left out. */
export function pairText(example: PairExample): string {
  return RHYME_VOCABULARY.decode(example.ids).join("");
}

/** The words of one split, indexed for drawing rhyming and non-rhyming pairs. */
export class RhymePairs {
  private readonly words: string[];
  private readonly rhymeOfWord = new Map<string, string>();
  private readonly groupOf = new Map<string, string[]>();
  /** Words whose rhyme has at least one other word in the split. */
  private readonly rhyming: string[];
  private readonly byLastLetter = new Map<string, string[]>();
  /** Characters a line may take: half the sequence less the separator. */
  private readonly lineLength: number;

  constructor(groups: readonly RhymeGroup[], readonly n: number) {
    requireInteger("sequence length", n, 2);
    this.lineLength = Math.floor((n - 1) / 2);
    for (const [rhyme, words] of groups) {
      this.groupOf.set(rhyme, words);
      for (const word of words) this.rhymeOfWord.set(word, rhyme);
    }
    this.words = groups.flatMap(([, words]) => words);
    this.rhyming = groups.filter(([, words]) => words.length > 1).flatMap(([, words]) => words);
    if (this.rhyming.length === 0 || groups.length < 2) {
      throw new InputError("rhyme groups", groups.length, "expected rhyming words and two rhymes");
    }
    const longest = Math.max(...this.words.map((w) => w.length));
    if (longest > this.lineLength) {
      throw new InputError("sequence length", n, `a line must fit words of ${longest} letters`);
    }
    for (const word of this.rhyming) {
      const last = word.at(-1)!;
      const same = this.byLastLetter.get(last);
      if (same) same.push(word);
      else this.byLastLetter.set(last, [word]);
    }
  }

  /** One example; `label` 1 when the line-final words rhyme. */
  example(rng: Rng, label: 0 | 1): PairExample {
    const [first, second] = label === 1 ? this.rhymingPair(rng) : this.nonRhymingPair(rng);
    // either line may hold either word: neither position says which was drawn how
    const [top, bottom] = rng.next() < 0.5 ? [first, second] : [second, first];
    const tokens = [...this.line(rng, top), LINE_SEPARATOR, ...this.line(rng, bottom)];
    return { ids: padTo(RHYME_VOCABULARY.encode(tokens), this.n), label };
  }

  /** `count` examples, half of each label, in random order. */
  examples(rng: Rng, count: number): PairExample[] {
    const labels = Array.from({ length: count }, (_, i) => i % 2 as 0 | 1);
    return shuffle(labels, rng).map((label) => this.example(rng, label));
  }

  private pick<T>(rng: Rng, items: readonly T[]): T {
    return items[rng.int(items.length)];
  }

  private rhymes(a: string, b: string): boolean {
    return this.rhymeOfWord.get(a) === this.rhymeOfWord.get(b);
  }

  /** A word that rhymes with another, and another word with its rhyme. */
  private rhymingPair(rng: Rng): [string, string] {
    const word = this.pick(rng, this.rhyming);
    const group = this.groupOf.get(this.rhymeOfWord.get(word)!)!;
    let partner = word;
    while (partner === word) partner = this.pick(rng, group);
    return [word, partner];
  }

  /**
   * A first word drawn as for a rhyming pair, and a word that does not rhyme with it: one ending
   * in the same letter, or the second word of an independent rhyming pair.
   */
  private nonRhymingPair(rng: Rng): [string, string] {
    const [word] = this.rhymingPair(rng);
    const sameLastLetter = rng.next() < SAME_LAST_LETTER_SHARE;
    const candidates = this.byLastLetter.get(word.at(-1)!)!;
    for (let tries = 0; tries < DRAW_TRIES; tries++) {
      const other = sameLastLetter ? this.pick(rng, candidates) : this.rhymingPair(rng)[1];
      if (!this.rhymes(word, other)) return [word, other];
    }
    let other = word;
    while (this.rhymes(word, other)) other = this.pick(rng, this.words);
    return [word, other];
  }

  /**
   * Random words ending in `last`, capitalised, as characters, cut from the front to fit half the
   * sequence.
   */
  private line(rng: Rng, last: string): string[] {
    const words = Array.from(
      { length: rng.int(MOST_WORDS_PER_LINE) },
      () => this.pick(rng, this.words),
    );
    words.push(last.toUpperCase());
    while (words.join(" ").length > this.lineLength) words.shift();
    return [...words.join(" ")];
  }
}
