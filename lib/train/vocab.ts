/**
 * Tokenizers: a fixed symbol list with the special tokens first. Characters for Moby Dick, words
 * for the e-mails, letters and phonemes for CMUdict. Ids are stable because the symbol lists are
 * derived deterministically from the cached slices.
 */
import { InputError } from "../util/errors.ts";

export const SPECIALS = ["<pad>", "<bos>", "<eos>", "<mask>", "<unk>"] as const;
export const PAD = 0;
export const BOS = 1;
export const EOS = 2;
export const MASK = 3;
export const UNK = 4;

export class Vocabulary {
  readonly symbols: readonly string[];
  private readonly ids = new Map<string, number>();

  /** `symbols` are the ordinary symbols; the specials are prepended. */
  constructor(symbols: Iterable<string>) {
    this.symbols = [...SPECIALS, ...[...new Set(symbols)].sort()];
    this.symbols.forEach((symbol, id) => this.ids.set(symbol, id));
  }

  get size(): number {
    return this.symbols.length;
  }

  id(symbol: string): number {
    return this.ids.get(symbol) ?? UNK;
  }

  encode(tokens: Iterable<string>): number[] {
    return [...tokens].map((t) => this.id(t));
  }

  /** Ids back to symbols, stopping at EOS and dropping PAD and BOS. */
  decode(ids: Iterable<number>): string[] {
    const out: string[] = [];
    for (const id of ids) {
      if (id === EOS) break;
      if (id === PAD || id === BOS) continue;
      const symbol = this.symbols[id];
      if (symbol === undefined) throw new InputError("token id", id, `vocabulary has ${this.size}`);
      out.push(symbol);
    }
    return out;
  }
}

/**
 * The `most` most frequent symbols seen at least `minCount` times, most frequent first (ties in
 * code-point order, so the list is deterministic): a word vocabulary's ordinary symbols, the
 * rest becoming <unk>.
 */
export function mostFrequent(symbols: Iterable<string>, most: number, minCount = 1): string[] {
  const counts = new Map<string, number>();
  for (const symbol of symbols) counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
  return [...counts.entries()]
    .filter(([, count]) => count >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, most)
    .map(([symbol]) => symbol);
}

/** `ids` cut or padded with PAD to exactly `length`. */
export function padTo(ids: readonly number[], length: number): number[] {
  const out = ids.slice(0, length);
  while (out.length < length) out.push(PAD);
  return out;
}
