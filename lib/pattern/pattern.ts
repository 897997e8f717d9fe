/**
 * Sparsity patterns as data (Yun et al. 2020; notebooks/paper.md §1.3 and §3).
 *
 * A pattern on a sequence of length `n` is the family of sets `A_k` (k = 0..n-1): token `k`
 * attends to the tokens in `A_k`. It is stored compactly as CSR: `rowStart[k]..rowStart[k+1]`
 * indexes the sorted, duplicate-free keys of `A_k` in `keys`. A schedule is `p` patterns
 * cycled over layers: layer `l` (0-indexed) uses pattern `l mod p`.
 *
 * Convention: tokens are 0-indexed. The paper writes `A_k^ℓ` with 1-indexed `k` and `ℓ`.
 */
import { InputError, requireInteger } from "../util/errors.ts";
import { MAX_PATTERN_FILE_ARRAYS, MAX_PATTERNS_PER_FILE } from "../util/limits.ts";
import { shortName } from "../util/text.ts";

/** One pattern: who may attend to whom. Immutable once built. */
export class SparsityPattern {
  readonly n: number;
  readonly name: string;
  /** CSR row offsets, length n + 1. */
  readonly rowStart: Int32Array;
  /** Keys of every row, each row sorted ascending without duplicates. */
  readonly keys: Int32Array;

  private constructor(name: string, n: number, rowStart: Int32Array, keys: Int32Array) {
    this.name = name;
    this.n = n;
    this.rowStart = rowStart;
    this.keys = keys;
  }

  /**
   * Builds a pattern from one key list per token. Lists may be unsorted and hold duplicates;
   * a missing or empty row, or a key that is not an integer in [0, n), throws an InputError
   * naming the pattern, the row and the key (the paper's A_k^ℓ is never empty). Self-loops
   * are not required here: they are Assumption 1's condition (1), which the analysis reports.
   */
  static fromLists(name: string, lists: ArrayLike<ArrayLike<number>>, n = lists?.length) {
    requireInteger(`pattern ${JSON.stringify(name)} n`, n, 1);
    if (lists === null || typeof lists !== "object" || lists.length !== n) {
      throw new InputError(
        `pattern ${JSON.stringify(name)} rows`,
        lists === null || typeof lists !== "object" ? lists : lists.length,
        `expected ${n} rows (one A_k per token)`,
      );
    }
    const rowStart = new Int32Array(n + 1);
    const rows: Int32Array[] = [];
    for (let k = 0; k < n; k++) {
      const list = lists[k];
      if (list === null || typeof list !== "object" || typeof list.length !== "number") {
        throw new InputError(rowLabel(name, k), list, "expected an array of key indices");
      }
      if (list.length === 0) {
        throw new InputError(
          rowLabel(name, k),
          [],
          "A_k is empty: every token must attend to at least one token",
        );
      }
      const row = new Int32Array(list.length);
      for (let i = 0; i < list.length; i++) {
        const j = list[i];
        if (typeof j !== "number" || !Number.isInteger(j) || j < 0 || j >= n) {
          throw new InputError(rowLabel(name, k), Array.from(list), keyProblem(j, n));
        }
        row[i] = j;
      }
      row.sort();
      let unique = 0;
      for (let i = 0; i < row.length; i++) {
        if (i === 0 || row[i] !== row[i - 1]) row[unique++] = row[i];
      }
      rows.push(row.subarray(0, unique));
      rowStart[k + 1] = rowStart[k] + unique;
    }
    const keys = new Int32Array(rowStart[n]);
    rows.forEach((row, k) => keys.set(row, rowStart[k]));
    return new SparsityPattern(name, n, rowStart, keys);
  }

  /**
   * Builds a pattern from CSR arrays: row k holds keys[rowStart[k] … rowStart[k+1] − 1].
   * rowStart must have n + 1 entries, start at 0, never decrease and end at keys.length; every
   * row must be non-empty and every key an integer in [0, n). Rows may be unsorted or hold
   * duplicates (they are sorted and deduplicated). The arrays are copied.
   */
  static fromCsr(
    name: string,
    n: number,
    rowStart: ArrayLike<number>,
    keys: ArrayLike<number>,
  ): SparsityPattern {
    requireInteger(`pattern ${JSON.stringify(name)} n`, n, 1);
    validateCsr(`pattern ${JSON.stringify(name)}`, n, n, rowStart, keys);
    const lists = Array.from(
      { length: n },
      (_, k) =>
        Array.from({ length: rowStart[k + 1] - rowStart[k] }, (_, i) => keys[rowStart[k] + i]),
    );
    return SparsityPattern.fromLists(name, lists, n);
  }

  /** Builds a pattern from a predicate `(k, j) => token k attends to token j`; O(n^2) calls. */
  static fromPredicate(name: string, n: number, attends: (k: number, j: number) => boolean) {
    requireInteger(`pattern ${JSON.stringify(name)} n`, n, 1);
    if (typeof attends !== "function") {
      throw new InputError(
        `pattern ${JSON.stringify(name)} predicate`,
        attends,
        "expected a function (k, j) => boolean",
      );
    }
    const lists: number[][] = [];
    for (let k = 0; k < n; k++) {
      const row: number[] = [];
      for (let j = 0; j < n; j++) if (attends(k, j)) row.push(j);
      lists.push(row);
    }
    return SparsityPattern.fromLists(name, lists, n);
  }

  /** The keys of token k, sorted ascending (a view, do not modify). */
  row(k: number): Int32Array {
    return this.keys.subarray(this.rowStart[k], this.rowStart[k + 1]);
  }

  /** |A_k|. */
  rowSize(k: number): number {
    return this.rowStart[k + 1] - this.rowStart[k];
  }

  /** Whether token k attends to token j (binary search in the sorted row). */
  has(k: number, j: number): boolean {
    let lo = this.rowStart[k];
    let hi = this.rowStart[k + 1] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const key = this.keys[mid];
      if (key === j) return true;
      if (key < j) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** Connections Σ_k |A_k| (query–key pairs computed by one attention layer). */
  get connections(): number {
    return this.keys.length;
  }

  /** Largest |A_k|: the number of keys an efficient kernel must handle per query. */
  get maxRowSize(): number {
    let max = 0;
    for (let k = 0; k < this.n; k++) max = Math.max(max, this.rowSize(k));
    return max;
  }

  /** Sparsity level 1 − connections / n². */
  get sparsity(): number {
    return 1 - this.connections / (this.n * this.n);
  }

  /** Dense 0/1 mask, row-major n×n: mask[k*n + j] = 1 iff j ∈ A_k. */
  toDenseMask(): Uint8Array {
    const mask = new Uint8Array(this.n * this.n);
    for (let k = 0; k < this.n; k++) {
      for (const j of this.row(k)) mask[k * this.n + j] = 1;
    }
    return mask;
  }

  /** The pattern as plain lists (the JSON file format's per-pattern entry). */
  toLists(): number[][] {
    return Array.from({ length: this.n }, (_, k) => Array.from(this.row(k)));
  }

  /** Tokens k with k ∉ A_k. */
  tokensWithoutSelfLoop(): number[] {
    const missing: number[] = [];
    for (let k = 0; k < this.n; k++) if (!this.has(k, k)) missing.push(k);
    return missing;
  }

  withName(name: string): SparsityPattern {
    return new SparsityPattern(name, this.n, this.rowStart, this.keys);
  }

  toString(): string {
    return `${this.name}: n=${this.n}, connections=${this.connections}, sparsity=${
      this.sparsity.toFixed(4)
    }`;
  }

  [Symbol.for("Jupyter.display")]() {
    return { "text/plain": this.toString() };
  }
}

/** `pattern "name" A_3 (row 3)`: how an error names one row of a pattern. */
function rowLabel(name: string, k: number): string {
  return `pattern ${JSON.stringify(name)} A_${k} (row ${k})`;
}

function keyProblem(j: unknown, numKeys: number): string {
  return typeof j === "number" && Number.isInteger(j)
    ? `key ${j} out of range [0, ${numKeys})`
    : `key ${
      typeof j === "number" ? j : JSON.stringify(j) ?? String(j)
    } is not an integer in [0, ${numKeys})`;
}

/**
 * Checks a hand-built CSR graph (rows = queries, keys in [0, numKeys)): rowStart has
 * numQueries + 1 integers, starts at 0, never decreases and ends at keys.length; no row is
 * empty; every key is an integer in [0, numKeys). Throws an InputError naming `label` and the
 * first row at fault, e.g. `A_3 (row 3) = [1,9]: key 9 out of range [0, 8)`.
 */
export function validateCsr(
  label: string,
  numQueries: number,
  numKeys: number,
  rowStart: ArrayLike<number>,
  keys: ArrayLike<number>,
): void {
  requireInteger(`${label} numQueries`, numQueries, 1);
  requireInteger(`${label} numKeys`, numKeys, 1);
  const isArray = (a: unknown): a is ArrayLike<number> =>
    a !== null && typeof a === "object" && typeof (a as ArrayLike<number>).length === "number";
  if (!isArray(rowStart)) {
    throw new InputError(`${label} rowStart`, rowStart, "expected an array of row offsets");
  }
  if (!isArray(keys)) throw new InputError(`${label} keys`, keys, "expected an array of keys");
  if (rowStart.length !== numQueries + 1) {
    throw new InputError(
      `${label} rowStart.length`,
      rowStart.length,
      `expected ${numQueries + 1} (one more than the ${numQueries} rows)`,
    );
  }
  if (rowStart[0] !== 0) {
    throw new InputError(`${label} rowStart[0]`, rowStart[0], "expected 0");
  }
  for (let k = 0; k < numQueries; k++) {
    const start = rowStart[k];
    const end = rowStart[k + 1];
    if (typeof end !== "number" || !Number.isInteger(end) || end > keys.length) {
      throw new InputError(
        `${label} rowStart[${k + 1}]`,
        end,
        `expected an integer in [${start}, ${keys.length}] (row starts never decrease and end at keys.length)`,
      );
    }
    if (end < start) {
      throw new InputError(
        `${label} rowStart[${k + 1}]`,
        end,
        `row starts must never decrease (rowStart[${k}] = ${start})`,
      );
    }
    if (end === start) {
      throw new InputError(
        `${label} A_${k} (row ${k})`,
        [],
        "A_k is empty: every token must attend to at least one token",
      );
    }
    for (let a = start; a < end; a++) {
      const j = keys[a];
      if (typeof j !== "number" || !Number.isInteger(j) || j < 0 || j >= numKeys) {
        throw new InputError(
          `${label} A_${k} (row ${k})`,
          Array.from({ length: end - start }, (_, i) => keys[start + i]),
          keyProblem(j, numKeys),
        );
      }
    }
  }
  if (rowStart[numQueries] !== keys.length) {
    throw new InputError(
      `${label} rowStart[${numQueries}]`,
      rowStart[numQueries],
      `expected keys.length = ${keys.length} (the last row start ends the keys)`,
    );
  }
}

/** p patterns cycled over layers; layer l uses pattern l mod p. */
export class Schedule {
  readonly name: string;
  readonly patterns: readonly SparsityPattern[];

  constructor(name: string, patterns: readonly SparsityPattern[]) {
    if (!Array.isArray(patterns) || patterns.length === 0) {
      throw new InputError(
        `schedule ${JSON.stringify(name)} patterns`,
        Array.isArray(patterns) ? [] : patterns,
        "expected a non-empty array of patterns",
      );
    }
    patterns.forEach((pattern, i) => {
      if (!(pattern instanceof SparsityPattern)) {
        throw new InputError(
          `schedule ${JSON.stringify(name)} pattern ${i}`,
          pattern,
          "expected a SparsityPattern (build one with fromLists, fromCsr or fromPredicate)",
        );
      }
    });
    const n = patterns[0].n;
    patterns.forEach((pattern, i) => {
      if (pattern.n !== n) {
        throw new InputError(
          `schedule "${name}" pattern ${i} n`,
          pattern.n,
          `every pattern must have the same n as pattern 0 (${n})`,
        );
      }
    });
    this.name = name;
    this.patterns = patterns;
  }

  get n(): number {
    return this.patterns[0].n;
  }

  /** p: how many patterns are cycled. */
  get numPatterns(): number {
    return this.patterns.length;
  }

  /** The pattern used by layer `layer` (0-indexed): pattern layer mod p. */
  patternAt(layer: number): SparsityPattern {
    return this.patterns[layer % this.patterns.length];
  }

  /** Connections per pattern. */
  get connections(): number[] {
    return this.patterns.map((pattern) => pattern.connections);
  }

  /** Connections of one layer, averaged over the p patterns the layers cycle through. */
  get connectionsPerLayer(): number {
    return this.connections.reduce((a, b) => a + b, 0) / this.numPatterns;
  }

  /** Sparsity of one layer, 1 − connectionsPerLayer / n², averaged over the p patterns. */
  get sparsity(): number {
    return 1 - this.connectionsPerLayer / (this.n * this.n);
  }

  toString(): string {
    return `${this.name}: n=${this.n}, p=${this.numPatterns}, connections=[${this.connections}]`;
  }

  [Symbol.for("Jupyter.display")]() {
    return { "text/plain": this.toString() };
  }
}

/** A schedule, or a single pattern (a schedule with p = 1). */
export type PatternLike = Schedule | SparsityPattern;

export function asSchedule(pattern: PatternLike): Schedule {
  return pattern instanceof Schedule ? pattern : new Schedule(pattern.name, [pattern]);
}

function combine(
  name: string,
  patterns: readonly SparsityPattern[],
  keep: (count: number, total: number) => boolean,
): SparsityPattern {
  const n = patterns[0].n;
  new Schedule(name, patterns); // validates equal n
  const counts = new Int32Array(n);
  const lists: number[][] = [];
  for (let k = 0; k < n; k++) {
    const touched: number[] = [];
    for (const pattern of patterns) {
      for (const j of pattern.row(k)) {
        if (counts[j]++ === 0) touched.push(j);
      }
    }
    lists.push(touched.filter((j) => keep(counts[j], patterns.length)));
    for (const j of touched) counts[j] = 0;
  }
  return SparsityPattern.fromLists(name, lists, n);
}

/** One pattern holding A_k^1 ∪ … ∪ A_k^p (the paper's UNION configuration). */
export function unionOf(patterns: PatternLike | readonly SparsityPattern[], name?: string) {
  const list = Array.isArray(patterns) ? patterns : asSchedule(patterns as PatternLike).patterns;
  return combine(name ?? `union(${list.map((p) => p.name).join(", ")})`, list, (c) => c > 0);
}

/** One pattern holding A_k^1 ∩ … ∩ A_k^p. */
export function intersectionOf(patterns: PatternLike | readonly SparsityPattern[], name?: string) {
  const list = Array.isArray(patterns) ? patterns : asSchedule(patterns as PatternLike).patterns;
  return combine(
    name ?? `intersection(${list.map((p) => p.name).join(", ")})`,
    list,
    (c, total) => c === total,
  );
}

/**
 * The pattern file format: `{"n": N, "patterns": [P1, ..., Pp]}`, each `Pi` a list of N arrays
 * whose k-th array is A_k (0-indexed). An optional "name" titles the schedule.
 */
export interface ScheduleJson {
  n: number;
  name?: string;
  patterns: number[][][];
}

/**
 * Refuses a pattern file's text that holds more than MAX_PATTERN_FILE_ARRAYS arrays, counted
 * on the text (brackets outside strings) before it is parsed: a parsed array costs tens of
 * bytes, so a few megabytes of `[[0]],` would otherwise take gigabytes before any check runs.
 */
export function requireFewArrays(text: string, source: string): void {
  let arrays = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b && ++arrays > MAX_PATTERN_FILE_ARRAYS) {
      throw new InputError(
        "pattern file",
        source,
        `holds more than ${MAX_PATTERN_FILE_ARRAYS} arrays (patterns and their A_k lists); ` +
          `the limit is ${MAX_PATTERN_FILE_ARRAYS}`,
      );
    }
  }
}

/** Parses the pattern file format; every defect names the pattern, token and value at fault. */
export function scheduleFromJson(
  input: string | unknown,
  fallbackName = "custom",
  source = "(text)",
): Schedule {
  let data: unknown = input;
  if (typeof input === "string") {
    requireFewArrays(input, source);
    try {
      data = JSON.parse(input);
    } catch (error) {
      throw new InputError("pattern file", source, `malformed JSON (${(error as Error).message})`);
    }
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new InputError("pattern file", data, 'expected an object {"n": N, "patterns": [...]}');
  }
  const record = data as Record<string, unknown>;
  const n = record.n;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new InputError("pattern file n", n, "expected a positive integer");
  }
  // a name from a file titles messages and plots: cut, so that a 20 MB name prints 200 characters
  const name = shortName(typeof record.name === "string" ? record.name : fallbackName);
  const patterns = record.patterns;
  if (!Array.isArray(patterns) || patterns.length === 0) {
    throw new InputError(
      "pattern file patterns",
      patterns,
      "expected a non-empty list of patterns",
    );
  }
  if (patterns.length > MAX_PATTERNS_PER_FILE) {
    throw new InputError(
      "pattern file patterns",
      `${patterns.length} patterns`,
      `the limit is ${MAX_PATTERNS_PER_FILE} patterns per file`,
    );
  }
  return new Schedule(
    name,
    patterns.map((lists, i) => {
      const patternName = `${name}[${i}]`;
      if (!Array.isArray(lists)) {
        throw new InputError(`pattern ${i}`, lists, `expected a list of ${n} arrays`);
      }
      if (lists.length !== n) {
        throw new InputError(
          `pattern ${i} rows`,
          lists.length,
          `expected ${n} rows (one A_k per token)`,
        );
      }
      lists.forEach((row: unknown, k: number) => {
        if (!Array.isArray(row)) {
          throw new InputError(`pattern ${i} token ${k}`, row, "expected an array of key indices");
        }
        if (row.length === 0) {
          throw new InputError(
            `pattern ${i} token ${k}`,
            row,
            "A_k is empty: every token must attend to at least one token",
          );
        }
        for (const j of row) {
          if (typeof j !== "number" || !Number.isInteger(j) || j < 0 || j >= n) {
            throw new InputError(
              `pattern ${i} token ${k}`,
              j,
              `key index must be an integer in [0, ${n})`,
            );
          }
        }
      });
      return SparsityPattern.fromLists(patternName, lists as number[][], n);
    }),
  );
}

/** The schedule in the pattern file format. */
export function scheduleToJson(schedule: PatternLike): ScheduleJson {
  const s = asSchedule(schedule);
  return { n: s.n, name: s.name, patterns: s.patterns.map((p) => p.toLists()) };
}

/** Plain data for drawing a schedule: one panel per pattern with its dense 0/1 mask. */
export function maskPanels(
  pattern: PatternLike,
  options: { path?: number[] } = {},
): { title: string; n: number; mask: Uint8Array; path?: number[] }[] {
  return asSchedule(pattern).patterns.map((p) => ({
    title: p.name,
    n: p.n,
    mask: p.toDenseMask(),
    ...(options.path ? { path: options.path } : {}),
  }));
}
