/**
 * The reference reach-set engine: S_k^t as bitsets, n² bits per layer, with Brent's cycle
 * detection on period boundaries to prove that s does not exist.
 */
import { asSchedule, type PatternLike, type SparsityPattern } from "./pattern.ts";
import {
  notCoveredWithin,
  PeriodCycle,
  repeatedWithoutCovering,
  type Unreached,
} from "./reach_iteration.ts";
import {
  type ReachOptions,
  ReachRecorder,
  type ReachReport,
  validateReachOptions,
} from "./reach_report.ts";

/**
 * Iterates the reach sets S_k^t as bitsets (n² bits per layer, ~n³/32 operations for a long
 * window): the reference engine. When s does not exist the sets become periodic; Brent's cycle
 * detection on period boundaries proves that with two copies.
 */
export function reachSetsBitset(pattern: PatternLike, options: ReachOptions = {}): ReachReport {
  const schedule = asSchedule(pattern);
  const n = schedule.n;
  validateReachOptions(options, n);
  const p = schedule.numPatterns;
  const maxLayers = options.maxLayers ?? Math.max(64, 4 * n * p);
  const rows = new BitRows(n);
  const recorder = new ReachRecorder(n, options);
  let state = rows.ofPattern(schedule.patterns[0]);
  let next: Uint32Array = new Uint32Array(n * rows.words);

  rows.record(recorder, state);
  if (rows.allFull(state)) return recorder.finish({ mixingDepth: 1, status: "found" }, "bitset");
  // Brent: compare each period boundary with a saved earlier one.
  const cycle = new PeriodCycle((s) => s.slice(), bitsEqual, p === 1 ? state : null);
  for (let t = 2; t <= maxLayers; t++) {
    rows.nextLayer(next, state, schedule.patternAt(t - 1));
    [state, next] = [next, state];
    rows.record(recorder, state);
    if (rows.allFull(state)) return recorder.finish({ mixingDepth: t, status: "found" }, "bitset");
    if (t % p !== 0) continue;
    if (cycle.repeats(state)) {
      return recorder.finish(repeatedWithoutCovering(t, rows.unreached(state)), "bitset");
    }
    cycle.advance(state);
  }
  return recorder.finish(notCoveredWithin(maxLayers, rows.unreached(state)), "bitset");
}

const popcount = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

function bitsEqual(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * n sets over [n] as n rows of ⌈n/32⌉ 32-bit words, row after row in one array: bit j & 31
 * of word k·words + (j >>> 5) is set when j ∈ S_k.
 */
class BitRows {
  readonly words: number;
  /** The bits of the last word of a full row. */
  private readonly lastMask: number;

  constructor(private readonly n: number) {
    this.words = Math.ceil(n / 32);
    this.lastMask = n % 32 === 0 ? 0xffffffff : (2 ** (n % 32) - 1) >>> 0;
  }

  /** The rows A_k of a pattern (layer 1: S_k^1 = A_k^1). */
  ofPattern(pattern: SparsityPattern): Uint32Array {
    const { n, words } = this;
    const bits = new Uint32Array(n * words);
    for (let k = 0; k < n; k++) {
      for (const j of pattern.row(k)) bits[k * words + (j >>> 5)] |= 1 << (j & 31);
    }
    return bits;
  }

  /** next[k] = ∪_{j ∈ A_k} state[j] for every token k (next is overwritten). */
  nextLayer(next: Uint32Array, state: Uint32Array, pattern: SparsityPattern): void {
    const { n, words } = this;
    next.fill(0);
    for (let k = 0; k < n; k++) {
      const target = k * words;
      for (const j of pattern.row(k)) {
        const source = j * words;
        for (let w = 0; w < words; w++) next[target + w] |= state[source + w];
      }
    }
  }

  /** Whether every set is [n]. */
  allFull(s: Uint32Array): boolean {
    const { n, words } = this;
    for (let k = 0; k < n; k++) {
      const base = k * words;
      for (let w = 0; w < words - 1; w++) if (s[base + w] !== 0xffffffff) return false;
      if ((s[base + words - 1] >>> 0) !== this.lastMask) return false;
    }
    return true;
  }

  /** Records one layer's sizes (and its sets, when tracked). */
  record(recorder: ReachRecorder, s: Uint32Array): void {
    const { n, words } = this;
    recorder.record(
      (k) => {
        let size = 0;
        for (let w = 0; w < words; w++) size += popcount(s[k * words + w]);
        return size;
      },
      (matrix, k) => {
        for (let j = 0; j < n; j++) matrix[k * n + j] = (s[k * words + (j >>> 5)] >>> (j & 31)) & 1;
      },
    );
  }

  /** Tokens j missing from some S_k, with the smallest such k each (first 20). */
  unreached(s: Uint32Array): Unreached {
    const { n, words } = this;
    const neverReached: { token: number; missingFrom: number }[] = [];
    let count = 0;
    for (let j = 0; j < n; j++) {
      const word = j >>> 5;
      const bit = 1 << (j & 31);
      for (let k = 0; k < n; k++) {
        if (!(s[k * words + word] & bit)) {
          count++;
          if (neverReached.length < 20) neverReached.push({ token: j, missingFrom: k });
          break;
        }
      }
    }
    return { neverReached, neverReachedCount: count };
  }
}
