/**
 * The zoo of sparsity patterns the paper's framework covers, every constructor valid for every
 * n ≥ 1. Indices are 0-indexed; `|j − k| ≤ w` is "within w positions".
 * Each returns a Schedule (p = 1 unless the family has two patterns). The registry `ZOO`
 * maps the names used by command-line flags and notebooks to a constructor and its parameters;
 * names are looked up as own properties only, so `constructor` or `__proto__` is an unknown
 * name, never a built-in of Object.prototype.
 */
import { InputError, requireInteger, requireNumber } from "../util/errors.ts";
import { MAX_PATTERN_CONNECTIONS } from "../util/limits.ts";
import { type Rng, seededRng } from "../util/random.ts";
import { Schedule, SparsityPattern, unionOf } from "./pattern.ts";

type Lists = number[][];

function build(name: string, n: number, row: (k: number) => number[]): SparsityPattern {
  const lists: Lists = [];
  for (let k = 0; k < n; k++) lists.push(row(k));
  return SparsityPattern.fromLists(name, lists, n);
}

function range(from: number, toInclusive: number): number[] {
  const out: number[] = [];
  for (let j = Math.max(0, from); j <= toInclusive; j++) out.push(j);
  return out;
}

function checkN(n: number): number {
  return requireInteger("n", n, 1);
}

/** Dense attention: A_k = [n]; n² connections. */
export function dense(opts: { n: number }): Schedule {
  const n = checkN(opts.n);
  const all = range(0, n - 1);
  return new Schedule("dense", [build("dense", n, () => all)]);
}

/**
 * Sliding window (path graph when w = 1): A_k = {j : |j − k| ≤ w}, cut at the sequence ends.
 * About (2w+1)n connections; mixing depth s = ⌈(n−1)/w⌉. The registry calls it "window"; the
 * function is `slidingWindow` because importing a binding called `window` into the Deno
 * kernel's global scope makes TensorFlow.js's `typeof window` probe throw (ReferenceError: the
 * binding is not yet initialised while the import runs).
 */
export function slidingWindow(opts: { n: number; w: number }): Schedule {
  const n = checkN(opts.n);
  const w = requireInteger("w", opts.w, 0);
  const name = `window(w=${w})`;
  return new Schedule(name, [build(name, n, (k) => range(k - w, Math.min(n - 1, k + w)))]);
}

/**
 * Child et al. (2019) strided attention made bidirectional (what the theorem needs):
 * A^1_k = {j : |j − k| ≤ c} (local), A^2_k = {j : (k − j) mod c = 0} (stride). Any c ≥ 1 and
 * any n: the stride rows simply hold fewer tokens near the ends. p = 2, s = 2.
 */
export function strided(opts: { n: number; c: number }): Schedule {
  const n = checkN(opts.n);
  const c = requireInteger("c", opts.c, 1);
  const name = `strided(c=${c})`;
  return new Schedule(name, [
    build(`${name} local`, n, (k) => range(k - c, Math.min(n - 1, k + c))),
    build(`${name} stride`, n, (k) => {
      const row: number[] = [];
      for (let j = k % c; j < n; j += c) row.push(j);
      return row;
    }),
  ]);
}

/**
 * Child et al. (2019) strided attention as published (causal): A^1_k = {max(0, k−c), …, k}
 * (previous c tokens and self), A^2_k = {j ≤ k : (k − j) mod c = 0}. Fails Assumption 1.3:
 * token 0 never sees a later token.
 */
export function stridedCausal(opts: { n: number; c: number }): Schedule {
  const n = checkN(opts.n);
  const c = requireInteger("c", opts.c, 1);
  const name = `strided-causal(c=${c})`;
  return new Schedule(name, [
    build(`${name} local`, n, (k) => range(k - c, k)),
    build(`${name} stride`, n, (k) => {
      const row: number[] = [];
      for (let j = k % c; j <= k; j += c) row.push(j);
      return row;
    }),
  ]);
}

function checkSummary(c: number, summary: number): number {
  return requireInteger("summary (c')", summary, 1, c);
}

/**
 * Child et al. (2019) fixed attention, bidirectional: A^1_k = {j : ⌊j/c⌋ = ⌊k/c⌋} (own block),
 * A^2_k = {j : j mod c ≥ c − c'} ∪ {k} (the last c' "summary" cells of every block, and self).
 * When c does not divide n the last, partial block has no summary cell, so nobody outside it
 * reads it and Assumption 1.3 fails; the analysis reports this rather than hiding it.
 */
export function fixed(opts: { n: number; c: number; summary?: number }): Schedule {
  const n = checkN(opts.n);
  const c = requireInteger("c", opts.c, 1);
  const summary = checkSummary(c, opts.summary ?? 1);
  const name = `fixed(c=${c}, c'=${summary})`;
  return new Schedule(name, [
    build(`${name} block`, n, (k) => {
      const start = Math.floor(k / c) * c;
      return range(start, Math.min(n - 1, start + c - 1));
    }),
    build(`${name} summary`, n, (k) => {
      const row = [k];
      for (let j = 0; j < n; j++) if (j % c >= c - summary) row.push(j);
      return row;
    }),
  ]);
}

/**
 * Child et al. (2019) fixed attention as published (causal): A^1_k = {j ≤ k : ⌊j/c⌋ = ⌊k/c⌋},
 * A^2_k = {j ≤ k : j mod c ≥ c − c'} ∪ {k}. Self is added so no A_k is empty (the first
 * tokens precede every summary cell). Fails Assumption 1.3.
 */
export function fixedCausal(opts: { n: number; c: number; summary?: number }): Schedule {
  const n = checkN(opts.n);
  const c = requireInteger("c", opts.c, 1);
  const summary = checkSummary(c, opts.summary ?? 1);
  const name = `fixed-causal(c=${c}, c'=${summary})`;
  return new Schedule(name, [
    build(`${name} block`, n, (k) => range(Math.floor(k / c) * c, k)),
    build(`${name} summary`, n, (k) => {
      const row = [k];
      for (let j = 0; j <= k; j++) if (j % c >= c - summary) row.push(j);
      return row;
    }),
  ]);
}

/**
 * Star-Transformer (Guo et al. 2019): the relay token is n − 1 and attends to everyone;
 * satellite k < n − 1 attends to {k−1, k, k+1} ∩ [0, n) and the relay. About 5n connections,
 * s = 2 for n ≥ 4 (at n ≤ 3 it is dense).
 */
export function star(opts: { n: number }): Schedule {
  const n = checkN(opts.n);
  const relay = n - 1;
  const all = range(0, n - 1);
  return new Schedule("star", [
    build("star", n, (k) => (k === relay ? all : [...range(k - 1, Math.min(n - 1, k + 1)), relay])),
  ]);
}

/**
 * A window of half-width w plus one relay token (the experiments' widened STAR): the relay
 * n − 1 attends to everyone; token k < n − 1 attends to {j : |j − k| ≤ w} and the relay. At
 * w = 1 it holds exactly the Star-Transformer's connections (`star`); wider windows reach lower
 * sparsity levels. About (2w+2)n + n connections; s ≤ 2 (every token reaches every other
 * through the relay).
 */
export function windowRelay(opts: { n: number; w: number }): Schedule {
  const n = checkN(opts.n);
  const w = requireInteger("w", opts.w, 0);
  const relay = n - 1;
  const name = `window-relay(w=${w})`;
  const relayRow = Array.from({ length: n }, () => [relay]);
  relayRow[relay] = range(0, n - 1);
  return new Schedule(name, [
    unionOf([
      ...slidingWindow({ n, w }).patterns,
      SparsityPattern.fromLists(`${name} relay`, relayRow, n),
    ], name),
  ]);
}

/** The global tokens G = {0, …, g−1}: a global token attends to [n], any other to G ∪ {k}. */
function globalTokens(name: string, n: number, g: number): SparsityPattern {
  const all = range(0, n - 1);
  const globals = range(0, g - 1);
  return build(name, n, (k) => (k < g ? all : [...globals, k]));
}

function checkGlobal(g: number, n: number): number {
  return requireInteger("g", g, 0, n);
}

/**
 * Longformer (Beltagy et al. 2020): window w plus g global tokens G = {0, …, g−1}. A global
 * token attends to [n]; any other token to {j : |j − k| ≤ w} ∪ G. About (2w+1)n + 2gn
 * connections; s = 2 when g ≥ 1.
 */
export function longformer(opts: { n: number; w: number; g: number }): Schedule {
  const n = checkN(opts.n);
  const w = requireInteger("w", opts.w, 0);
  const g = checkGlobal(opts.g, n);
  const name = `longformer(w=${w}, g=${g})`;
  return new Schedule(name, [
    unionOf([
      ...slidingWindow({ n, w }).patterns,
      globalTokens(`${name} globals`, n, g),
    ], name),
  ]);
}

/**
 * BigBird (Zaheer et al. 2020): window w, g global tokens {0, …, g−1} (attend to and attended
 * by everyone), and r random keys per non-global token drawn uniformly (seeded) among the
 * tokens not already in its row (fewer when fewer remain).
 */
export function bigbird(
  opts: { n: number; w: number; g: number; r: number; seed?: number },
): Schedule {
  const n = checkN(opts.n);
  const w = requireInteger("w", opts.w, 0);
  const g = checkGlobal(opts.g, n);
  const r = requireInteger("r", opts.r, 0);
  const seed = opts.seed ?? 0;
  const name = `bigbird(w=${w}, g=${g}, r=${r}, seed=${seed})`;
  const base = longformer({ n, w, g }).patterns[0];
  return new Schedule(name, [
    unionOf([base, randomKeys(`${name} random`, base, r, seededRng(seed))], name),
  ]);
}

/**
 * Up to r keys per row of `base` drawn uniformly among the tokens not already in that row
 * (fewer when fewer remain), plus the token itself so no row is empty; rows that hold every
 * token (the global ones) draw nothing. Rows are drawn in order k = 0, 1, … from one generator.
 */
function randomKeys(
  name: string,
  base: SparsityPattern,
  r: number,
  rng: Rng,
): SparsityPattern {
  const n = base.n;
  return build(name, n, (k) => {
    const taken = base.row(k); // sorted and distinct
    const row = [k];
    // Draws from the free tokens [n] \ taken in increasing order, each pick swapped with the
    // last free slot and removed. The free list is never materialised (that is O(n) per row):
    // slot p holds the p-th free token unless a swap overrode it, so a row costs O(r·|taken|).
    const freeAt = (slot: number) => {
      let j = slot;
      for (const t of taken) {
        if (t <= j) j++;
        else break;
      }
      return j;
    };
    const swapped = new Map<number, number>();
    const slotValue = (slot: number) => swapped.get(slot) ?? freeAt(slot);
    let free = n - taken.length;
    for (let i = 0; i < r && free > 0; i++) {
      const pick = rng.int(free);
      row.push(slotValue(pick));
      swapped.set(pick, slotValue(free - 1));
      free--;
    }
    return row;
  });
}

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
 * from `.sparsity`.
 */
export function random(opts: { n: number; sparsity: number; seed?: number }): Schedule {
  const n = checkN(opts.n);
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
  const lists: Lists = Array.from({ length: n }, (_, k) => [k]);
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
  return new Schedule(name, [SparsityPattern.fromLists(name, lists, n)]);
}

/** The two-pattern families whose combinations the paper compares. */
const TWO_PATTERN_FAMILIES = ["strided", "strided-causal", "fixed", "fixed-causal"] as const;

/** SEQUENTIAL configuration: the family's two patterns cycled over layers (p = 2). */
export function sequential(family: Schedule): Schedule {
  return new Schedule(`sequential ${family.name}`, family.patterns);
}

/** UNION configuration: one pattern holding both of the family's patterns (p = 1). */
export function union(family: Schedule): Schedule {
  const name = `union ${family.name}`;
  return new Schedule(name, [unionOf(family.patterns, name)]);
}

/** A constructor parameter as the command line and the registry know it. */
export interface ParamSpec {
  name: string;
  kind: "integer" | "number" | "string";
  description: string;
  /** Default value, or a function of n; undefined means required. */
  default?: number | string | ((n: number) => number);
}

export interface ZooEntry {
  name: string;
  description: string;
  params: ParamSpec[];
  build(params: Record<string, number | string>): Schedule;
  /**
   * An upper bound on the schedule's connections (summed over its patterns), computed from the
   * resolved parameters in O(1), so a pattern too large to build is refused before it is built.
   */
  maxConnections(params: Record<string, number | string>): number;
}

const N: ParamSpec = { name: "n", kind: "integer", description: "sequence length" };
const W: ParamSpec = { name: "w", kind: "integer", description: "window half-width", default: 1 };
const C: ParamSpec = {
  name: "c",
  kind: "integer",
  description: "stride / block size (default ⌈√n⌉, Child et al.'s choice)",
  default: (n) => Math.max(1, Math.ceil(Math.sqrt(n))),
};
const SUMMARY: ParamSpec = {
  name: "summary",
  kind: "integer",
  description: "summary cells per block c'",
  default: 1,
};
const G: ParamSpec = { name: "g", kind: "integer", description: "global tokens", default: 1 };
const SEED: ParamSpec = { name: "seed", kind: "integer", description: "random seed", default: 0 };
const OF: ParamSpec = {
  name: "of",
  kind: "string",
  description: `two-pattern family: ${TWO_PATTERN_FAMILIES.join(", ")}`,
  default: "strided",
};

type P = Record<string, number | string>;
const num = (params: P, key: string) => params[key] as number;

/** n rows of at most `perRow` keys each (never more than n). */
const rows = (n: number, perRow: number) => n * Math.min(n, Math.max(1, perRow));
/** n rows of at most ⌈n/c⌉ stride keys (and `extra` more) each. */
const strideRows = (n: number, c: number, extra = 0) =>
  rows(n, Math.ceil(n / Math.max(1, c)) + extra);

function familyBound(params: P): number {
  const family = params.of as string;
  return TWO_PATTERN_FAMILIES.includes(family as typeof TWO_PATTERN_FAMILIES[number])
    ? ZOO[family].maxConnections(params)
    : 0;
}

function familyOf(params: P): Schedule {
  const family = params.of as string;
  if (!(TWO_PATTERN_FAMILIES as readonly string[]).includes(family)) {
    throw new InputError("of", family, `expected one of ${TWO_PATTERN_FAMILIES.join(", ")}`);
  }
  return ZOO[family].build(params);
}

/**
 * Every named pattern: the names used by flags (`--name`), notebooks and files. A frozen
 * object without prototype, so `ZOO[name]` and `name in ZOO` see only the patterns; look names
 * up with {@link zooEntry}.
 */
export const ZOO: Readonly<Record<string, ZooEntry>> = Object.freeze(Object.assign(
  Object.create(null) as Record<string, ZooEntry>,
  Object.fromEntries(
    ([
      {
        name: "dense",
        description: "every token attends to every token",
        params: [N],
        build: (p: P) => dense({ n: num(p, "n") }),
        maxConnections: (p: P) => rows(num(p, "n"), num(p, "n")),
      },
      {
        name: "window",
        description: "sliding window |j-k| <= w",
        params: [N, W],
        build: (p: P) => slidingWindow({ n: num(p, "n"), w: num(p, "w") }),
        maxConnections: (p: P) => rows(num(p, "n"), 2 * num(p, "w") + 1),
      },
      {
        name: "strided",
        description: "Child et al. strided, bidirectional (p = 2)",
        params: [N, C],
        build: (p: P) => strided({ n: num(p, "n"), c: num(p, "c") }),
        maxConnections: (p: P) =>
          rows(num(p, "n"), 2 * num(p, "c") + 1) + strideRows(num(p, "n"), num(p, "c")),
      },
      {
        name: "strided-causal",
        description: "Child et al. strided, causal (p = 2)",
        params: [N, C],
        build: (p: P) => stridedCausal({ n: num(p, "n"), c: num(p, "c") }),
        maxConnections: (p: P) =>
          rows(num(p, "n"), num(p, "c") + 1) + strideRows(num(p, "n"), num(p, "c")),
      },
      {
        name: "fixed",
        description: "Child et al. fixed, bidirectional (p = 2)",
        params: [N, C, SUMMARY],
        build: (p: P) => fixed({ n: num(p, "n"), c: num(p, "c"), summary: num(p, "summary") }),
        maxConnections: (p: P) =>
          rows(num(p, "n"), num(p, "c")) +
          rows(num(p, "n"), 1 + Math.ceil(num(p, "n") / num(p, "c")) * num(p, "summary")),
      },
      {
        name: "fixed-causal",
        description: "Child et al. fixed, causal (p = 2)",
        params: [N, C, SUMMARY],
        build: (p: P) =>
          fixedCausal({ n: num(p, "n"), c: num(p, "c"), summary: num(p, "summary") }),
        maxConnections: (p: P) =>
          rows(num(p, "n"), num(p, "c")) +
          rows(num(p, "n"), 1 + Math.ceil(num(p, "n") / num(p, "c")) * num(p, "summary")),
      },
      {
        name: "star",
        description: "Star-Transformer relay token n-1",
        params: [N],
        build: (p: P) => star({ n: num(p, "n") }),
        maxConnections: (p: P) => rows(num(p, "n"), 4) + num(p, "n"),
      },
      {
        name: "window-relay",
        description: "window |j-k| <= w plus relay token n-1 (the experiments' widened STAR)",
        params: [N, W],
        build: (p: P) => windowRelay({ n: num(p, "n"), w: num(p, "w") }),
        maxConnections: (p: P) => rows(num(p, "n"), 2 * num(p, "w") + 2) + num(p, "n"),
      },
      {
        name: "longformer",
        description: "window w plus g global tokens",
        params: [N, W, G],
        build: (p: P) => longformer({ n: num(p, "n"), w: num(p, "w"), g: num(p, "g") }),
        maxConnections: (p: P) =>
          rows(num(p, "n"), 2 * num(p, "w") + 1 + num(p, "g")) + num(p, "g") * num(p, "n"),
      },
      {
        name: "bigbird",
        description: "window w, g global tokens, r random keys per token",
        params: [N, W, G, {
          name: "r",
          kind: "integer",
          description: "random keys per token",
          default: 1,
        }, SEED],
        build: (p: P) =>
          bigbird({
            n: num(p, "n"),
            w: num(p, "w"),
            g: num(p, "g"),
            r: num(p, "r"),
            seed: num(p, "seed"),
          }),
        maxConnections: (p: P) =>
          rows(num(p, "n"), 2 * num(p, "w") + 1 + num(p, "g") + num(p, "r")) +
          num(p, "g") * num(p, "n"),
      },
      {
        name: "random",
        description: "self-loops plus uniformly random pairs at a target sparsity",
        params: [N, {
          name: "sparsity",
          kind: "number",
          description: "target sparsity level 1 - connections/n^2",
          default: 0.8,
        }, SEED],
        build: (p: P) =>
          random({ n: num(p, "n"), sparsity: num(p, "sparsity"), seed: num(p, "seed") }),
        maxConnections: (p: P) => {
          const n = num(p, "n");
          return Math.min(n * n, Math.max(n, Math.round((1 - num(p, "sparsity")) * n * n)));
        },
      },
      {
        name: "sequential",
        description: "a two-pattern family cycled over layers (p = 2)",
        params: [N, OF, C, SUMMARY],
        build: (p: P) => sequential(familyOf(p)),
        maxConnections: familyBound,
      },
      {
        name: "union",
        description: "a two-pattern family merged into one pattern (p = 1)",
        params: [N, OF, C, SUMMARY],
        build: (p: P) => union(familyOf(p)),
        maxConnections: familyBound,
      },
    ] as ZooEntry[]).map((entry) => [entry.name, entry]),
  ),
));

/** The registry entry named `name` (own entries only), or undefined. */
export function zooEntry(name: string): ZooEntry | undefined {
  return typeof name === "string" && Object.hasOwn(ZOO, name) ? ZOO[name] : undefined;
}

/** The registry entry named `name`; an unknown name throws naming `parameter` and every known name. */
export function requireZooEntry(name: string, parameter = "name"): ZooEntry {
  const entry = zooEntry(name);
  if (!entry) {
    throw new InputError(parameter, name, `unknown pattern; known: ${Object.keys(ZOO).join(", ")}`);
  }
  return entry;
}

/**
 * A named pattern's parameters from loosely typed input (flags, JSON): fills defaults, checks
 * that every value has its kind and rejects parameters the pattern does not take. Ranges
 * (w ≥ 0, c ≥ 1, …) are checked by the constructor.
 */
export function resolvePatternParams(
  name: string,
  params: Record<string, unknown>,
): Record<string, number | string> {
  const entry = requireZooEntry(name);
  const known = new Set(entry.params.map((p) => p.name));
  for (const key of Object.keys(params)) {
    if (!known.has(key)) {
      throw new InputError(
        key,
        params[key],
        `pattern "${name}" takes no parameter "${key}" (it takes ${[...known].join(", ")})`,
      );
    }
  }
  const n = requireInteger("n", params.n, 1);
  const resolved: P = {};
  for (const spec of entry.params) {
    let value = Object.hasOwn(params, spec.name) ? params[spec.name] : undefined;
    if (value === undefined) {
      if (spec.default === undefined) {
        throw new InputError(spec.name, undefined, `pattern "${name}" needs ${spec.description}`);
      }
      value = typeof spec.default === "function" ? spec.default(n) : spec.default;
    }
    if (spec.kind === "string") {
      if (typeof value !== "string") throw new InputError(spec.name, value, "expected a name");
    } else if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new InputError(
        spec.name,
        value,
        `expected ${spec.kind === "integer" ? "an integer" : "a number"}`,
      );
    }
    resolved[spec.name] = value as number | string;
  }
  return resolved;
}

/** An upper bound on the connections of the named pattern with these resolved parameters. */
export function patternConnectionBound(name: string, resolved: Record<string, number | string>) {
  return requireZooEntry(name).maxConnections(resolved);
}

/**
 * Builds a named pattern from loosely typed parameters (flags, JSON): fills defaults, checks
 * every value and rejects parameters the pattern does not take. A pattern whose connections
 * could exceed `maxConnections` (default MAX_PATTERN_CONNECTIONS) is refused before it is built.
 */
export function buildPattern(
  name: string,
  params: Record<string, unknown>,
  options: { maxConnections?: number } = {},
): Schedule {
  const entry = requireZooEntry(name);
  const resolved = resolvePatternParams(name, params);
  const limit = options.maxConnections ?? MAX_PATTERN_CONNECTIONS;
  const bound = entry.maxConnections(resolved);
  if (!(bound <= limit)) {
    throw new InputError(
      "n",
      resolved.n,
      `pattern "${name}" would have up to ${bound} connections; the limit is ${limit}`,
    );
  }
  return entry.build(resolved);
}
