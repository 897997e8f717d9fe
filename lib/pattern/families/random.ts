/**
 * The RANDOM family (the paper's RANDOM baseline): constructor, registry entry and parameter
 * space (the sparsity level itself), with the compact index set its sampling uses.
 */
import { InputError, requireInteger, requireNumber } from "../../util/errors.ts";
import { seededRng } from "../../util/random.ts";
import { Schedule, SparsityPattern } from "../pattern.ts";
import { N, numberParam, requireLength, SEED, type ZooEntry } from "./family.ts";

/**
 * A set of non-negative integer indices (below 2^53) in one typed open-addressing table sized
 * for `capacity` members: about 16 bytes per member where a Set<number> takes over 50, which
 * matters for a random pattern of millions of connections. Same membership as a Set.
 */
class IndexSet {
  private table: Float64Array;
  private mask: number;
  size = 0;

  constructor(capacity: number) {
    let slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    this.table = new Float64Array(slots).fill(-1);
    this.mask = slots - 1;
  }

  private slotOf(index: number): number {
    const low = index >>> 0;
    const high = Math.floor(index / 4294967296);
    let slot = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0;
    slot = (slot ^ (slot >>> 15)) & this.mask;
    while (this.table[slot] !== -1 && this.table[slot] !== index) slot = (slot + 1) & this.mask;
    return slot;
  }

  /** Adds `index`; the table never fills beyond half, as at most `capacity` are added. */
  add(index: number): void {
    const slot = this.slotOf(index);
    if (this.table[slot] === -1) {
      this.table[slot] = index;
      this.size++;
    }
  }

  has(index: number): boolean {
    return this.table[this.slotOf(index)] === index;
  }

  /** The members in increasing order. */
  sorted(): Float64Array {
    const members = new Float64Array(this.size);
    let count = 0;
    for (const value of this.table) if (value !== -1) members[count++] = value;
    return members.sort();
  }
}

/**
 * Random pattern (the paper's RANDOM baseline): self-loops always kept, plus off-diagonal
 * pairs drawn uniformly without replacement (seeded) so that the connections are
 * round((1 − sparsity)·n²), never fewer than n. The achieved sparsity is exact, read it
 * from `.sparsity`. With `draws` > 1 the schedule holds that many independent draws of the same
 * size (draw 0 is the single draw's pattern), cycled over layers like any schedule's patterns.
 */
export function random(
  opts: { n: number; sparsity: number; seed?: number; draws?: number },
): Schedule {
  const draws = requireInteger("draws", opts.draws ?? 1, 1, MAX_RANDOM_DRAWS);
  if (draws === 1) return new Schedule(randomName(opts), [randomDraw(opts)]);
  // independent draws, one per layer of a schedule that cycles over them: a RANDOM model's
  // reach then grows layer by layer as a deterministic schedule's does
  const patterns = Array.from(
    { length: draws },
    (_, d) => randomDraw({ ...opts, seed: drawSeed(opts.seed ?? 0, d) }),
  );
  return new Schedule(`${randomName(opts)} × ${draws} draws`, patterns);
}

/** The most independent draws a RANDOM schedule cycles over. */
export const MAX_RANDOM_DRAWS = 64;

/** Draw d's seed: the schedule's seed for draw 0, then well apart from any other run's seeds. */
function drawSeed(seed: number, draw: number): number {
  return draw === 0 ? seed : (seed + draw * 0x9e3779b1) % 2 ** 31;
}

function randomName(opts: { sparsity: number; seed?: number }): string {
  return `random(sparsity=${opts.sparsity}, seed=${opts.seed ?? 0})`;
}

/** One draw: the pattern of `random` with a single draw. */
function randomDraw(opts: { n: number; sparsity: number; seed?: number }): SparsityPattern {
  const n = requireLength(opts.n);
  const maxSparsity = 1 - 1 / n;
  const sparsity = requireNumber("sparsity", opts.sparsity, 0, 1);
  if (sparsity > maxSparsity + 1e-12) {
    throw new InputError(
      "sparsity",
      sparsity,
      `at n=${n} the self-loops alone give sparsity ${maxSparsity}; choose a value in [0, ${maxSparsity}]`,
    );
  }
  const seed = opts.seed ?? 0;
  const rng = seededRng(seed);
  const offDiagonal = n * (n - 1);
  const wanted = Math.min(offDiagonal, Math.max(0, Math.round((1 - sparsity) * n * n) - n));
  // Sample the smaller of the chosen set and its complement (pair index k*(n-1) + slot).
  const sampleComplement = wanted > offDiagonal / 2;
  const sampleSize = sampleComplement ? offDiagonal - wanted : wanted;
  const sampled = new IndexSet(sampleSize);
  while (sampled.size < sampleSize) sampled.add(rng.int(offDiagonal));
  const lists: number[][] = Array.from({ length: n }, (_, k) => [k]);
  const addPair = (index: number) => {
    const k = Math.floor(index / (n - 1));
    const slot = index % (n - 1);
    lists[k].push(slot < k ? slot : slot + 1);
  };
  if (sampleComplement) {
    for (let index = 0; index < offDiagonal; index++) if (!sampled.has(index)) addPair(index);
  } else {
    for (const index of sampled.sorted()) addPair(index);
  }
  const name = `random(sparsity=${sparsity}, seed=${seed})`;
  return SparsityPattern.fromLists(name, lists, n);
}

export const randomEntry: ZooEntry = {
  name: "random",
  description: "self-loops plus uniformly random pairs at a target sparsity",
  params: [
    N,
    {
      name: "sparsity",
      kind: "number",
      description: "target sparsity level 1 - connections/n^2",
      default: 0.8,
    },
    SEED,
    {
      name: "draws",
      kind: "integer",
      description: `independent draws cycled over layers (1 to ${MAX_RANDOM_DRAWS})`,
      default: 1,
    },
  ],
  numPatterns: 1,
  build: (p) =>
    random({
      n: numberParam(p, "n"),
      sparsity: numberParam(p, "sparsity"),
      seed: numberParam(p, "seed"),
      draws: numberParam(p, "draws"),
    }),
  maxConnections: (p) => {
    const n = numberParam(p, "n");
    const draws = Math.max(1, Math.floor(numberParam(p, "draws")));
    const each = Math.min(n * n, Math.max(n, Math.round((1 - numberParam(p, "sparsity")) * n * n)));
    return draws * each;
  },
  /** Any level from 0 to 1 − 1/n, where the self-loops alone are left. */
  parameterSpace: (n) => ({
    kind: "level",
    parameter: "sparsity",
    seedParameter: "seed",
    min: 0,
    max: 1 - 1 / n,
  }),
};
