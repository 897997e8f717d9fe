/**
 * The reference reach-set engine: S_k^t as bitsets, n² bits per layer, with Brent's cycle
 * detection on period boundaries to prove that s does not exist.
 */
import { asSchedule, type PatternLike } from "./pattern.ts";
import {
  type ReachOptions,
  ReachRecorder,
  type ReachReport,
  validateReachOptions,
} from "./reach_report.ts";

const popcount = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

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
  const words = Math.ceil(n / 32);
  const lastMask = n % 32 === 0 ? 0xffffffff : (2 ** (n % 32) - 1) >>> 0;
  let state = new Uint32Array(n * words);
  let next = new Uint32Array(n * words);

  const first = schedule.patterns[0];
  for (let k = 0; k < n; k++) {
    for (const j of first.row(k)) state[k * words + (j >>> 5)] |= 1 << (j & 31);
  }
  const recorder = new ReachRecorder(n, options);
  const { sizes, tokenSizes, sets } = recorder;
  const isFull = (s: Uint32Array) => {
    for (let k = 0; k < n; k++) {
      const base = k * words;
      for (let w = 0; w < words - 1; w++) if (s[base + w] !== 0xffffffff) return false;
      if ((s[base + words - 1] >>> 0) !== lastMask) return false;
    }
    return true;
  };
  const record = (s: Uint32Array) =>
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
  const equal = (a: Uint32Array, b: Uint32Array) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  };

  record(state);
  const finish = (report: Omit<ReachReport, "sizes" | "tokenSizes">): ReachReport => ({
    ...report,
    sizes,
    ...(options.trackTokens ? { tokenSizes } : {}),
    ...(options.trackSets ? { sets } : {}),
    method: "bitset",
  });
  if (isFull(state)) return finish({ mixingDepth: 1, status: "found" });

  // Brent: `saved` is the state at some period boundary; compare later boundaries with it.
  let saved: Uint32Array | null = p === 1 ? state.slice() : null;
  let power = 1;
  let lambda = 0;
  for (let t = 2; t <= maxLayers; t++) {
    const pattern = schedule.patternAt(t - 1);
    next.fill(0);
    for (let k = 0; k < n; k++) {
      const target = k * words;
      for (const j of pattern.row(k)) {
        const source = j * words;
        for (let w = 0; w < words; w++) next[target + w] |= state[source + w];
      }
    }
    [state, next] = [next, state];
    record(state);
    if (isFull(state)) return finish({ mixingDepth: t, status: "found" });
    if (t % p === 0) {
      if (saved && equal(saved, state)) {
        return finish({
          mixingDepth: null,
          status: "none",
          ...unreached(state),
          reason:
            `by layer ${t} the reach sets repeat an earlier period without covering every token`,
        });
      }
      lambda++;
      if (!saved || lambda === power) {
        saved = state.slice();
        power *= 2;
        lambda = 0;
      }
    }
  }
  return finish({
    mixingDepth: null,
    status: "unknown",
    ...unreached(state),
    reason: `not full after maxLayers = ${maxLayers} layers and no repetition detected`,
    bounds: { lower: maxLayers + 1, upper: null },
  });

  function unreached(s: Uint32Array) {
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
