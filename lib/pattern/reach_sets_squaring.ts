/**
 * The mixing depth by squaring: when every pattern keeps self-loops and one period maps each
 * token to one interval around it, powers of the period are interval maps, composed in
 * O(n log n) each, so s follows in O(n log² n) however deep it is.
 */
import type { Schedule } from "./pattern.ts";
import type { ReachReport } from "./reach_report.ts";
import { type RunState, unreachedRuns } from "./reach_sets_runs.ts";

/** One interval [lo[k], hi[k]] (inclusive) per token: a power of an interval period map. */
interface IntervalMap {
  lo: Int32Array;
  hi: Int32Array;
}

/** Range-minimum of lo and range-maximum of hi over [l, h] in O(1) after O(n log n). */
function rangeTables(map: IntervalMap) {
  const n = map.lo.length;
  const mins: Int32Array[] = [map.lo];
  const maxs: Int32Array[] = [map.hi];
  for (let width = 1; 2 * width <= n; width *= 2) {
    const pm = mins[mins.length - 1];
    const pM = maxs[maxs.length - 1];
    const m = new Int32Array(n - 2 * width + 1);
    const M = new Int32Array(n - 2 * width + 1);
    for (let i = 0; i < m.length; i++) {
      m[i] = Math.min(pm[i], pm[i + width]);
      M[i] = Math.max(pM[i], pM[i + width]);
    }
    mins.push(m);
    maxs.push(M);
  }
  return {
    min(l: number, h: number) {
      const level = 31 - Math.clz32(h - l + 1);
      return Math.min(mins[level][l], mins[level][h - (1 << level) + 1]);
    },
    max(l: number, h: number) {
      const level = 31 - Math.clz32(h - l + 1);
      return Math.max(maxs[level][l], maxs[level][h - (1 << level) + 1]);
    },
  };
}

/**
 * (X·Y)[k] = ∪_{j ∈ X[k]} Y[j]. Every Y[j] is an interval holding j, so intervals of
 * neighbouring j overlap or touch and the union over the interval X[k] is one interval.
 */
function composeIntervals(x: IntervalMap, y: IntervalMap): IntervalMap {
  const n = x.lo.length;
  const tables = rangeTables(y);
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    lo[k] = tables.min(x.lo[k], x.hi[k]);
    hi[k] = tables.max(x.lo[k], x.hi[k]);
  }
  return { lo, hi };
}

const intervalsFull = (m: IntervalMap) => {
  const n = m.lo.length;
  for (let k = 0; k < n; k++) if (m.lo[k] !== 0 || m.hi[k] !== n - 1) return false;
  return true;
};
const intervalsEqual = (a: IntervalMap, b: IntervalMap) => {
  for (let k = 0; k < a.lo.length; k++) {
    if (a.lo[k] !== b.lo[k] || a.hi[k] !== b.hi[k]) return false;
  }
  return true;
};

/**
 * The mixing depth by squaring, for a schedule whose patterns all keep self-loops and whose
 * period R = A^{p−1}···A^0 sends every token to one interval around it. Then S^{mp} = R^m,
 * powers R^{2^i} come from squaring (O(n log n) each), the smallest m with R^m full from a
 * binary descent over them, and the layers inside the last period from the first p − 1
 * layers' runs. O(n log² n) in all, however deep s is. With self-loops the sets only grow, so
 * a power equal to its square is the closure: if it is not full, s does not exist.
 */
export function reachBySquaring(
  schedule: Schedule,
  period: RunState,
  prefix: RunState[],
  maxLayers: number,
  sizes: ReachReport["sizes"],
): ReachReport {
  const n = schedule.n;
  const p = schedule.numPatterns;
  const r: IntervalMap = { lo: new Int32Array(n), hi: new Int32Array(n) };
  for (let k = 0; k < n; k++) {
    r.lo[k] = period.starts[period.offsets[k]];
    r.hi[k] = period.ends[period.offsets[k]] - 1;
  }
  const powers: IntervalMap[] = [r];
  while (!intervalsFull(powers[powers.length - 1])) {
    const last = powers[powers.length - 1];
    const square = composeIntervals(last, last);
    if (intervalsEqual(square, last)) {
      const closure: RunState = {
        offsets: Int32Array.from({ length: n + 1 }, (_, k) => k),
        starts: last.lo,
        ends: last.hi.map((h) => h + 1),
      };
      return {
        mixingDepth: null,
        status: "none",
        ...unreachedRuns(closure, n),
        sizes,
        method: "squaring",
        reason: `the reach sets only grow (every pattern keeps self-loops) and stop growing at ` +
          `R^${2 ** (powers.length - 1)} (R: one period of ${p} layer(s)) without covering ` +
          "every token",
      };
    }
    powers.push(square);
  }
  // powers[top] = R^(2^top) is full; powers[top − 1] is not (R itself was not full).
  const top = powers.length - 1;
  let current = powers[top - 1];
  let m0 = 2 ** (top - 1);
  for (let i = top - 2; i >= 0; i--) {
    const candidate = composeIntervals(current, powers[i]);
    if (!intervalsFull(candidate)) {
      current = candidate;
      m0 += 2 ** i;
    }
  }
  // S^{m0·p} = R^{m0} is not full, S^{(m0+1)p} is: look inside the last period.
  let s = (m0 + 1) * p;
  if (p > 1) {
    const tables = rangeTables(current);
    for (let i = 1; i < p && s === (m0 + 1) * p; i++) {
      if (layerFull(prefix[i - 1], tables, n)) s = m0 * p + i;
    }
  }
  if (s > maxLayers) {
    return {
      mixingDepth: null,
      status: "unknown",
      sizes,
      method: "squaring",
      bounds: { lower: maxLayers + 1, upper: s },
      reason: `not full after maxLayers = ${maxLayers} layers (squaring finds s = ${s})`,
    };
  }
  return { mixingDepth: s, status: "found", sizes, method: "squaring" };
}

/** Whether every row of prefix · current is [0, n): each run [a, b) maps to one interval. */
function layerFull(
  prefix: RunState,
  tables: ReturnType<typeof rangeTables>,
  n: number,
): boolean {
  const los: number[] = [];
  const his: number[] = [];
  for (let k = 0; k < n; k++) {
    los.length = 0;
    his.length = 0;
    for (let i = prefix.offsets[k]; i < prefix.offsets[k + 1]; i++) {
      los.push(tables.min(prefix.starts[i], prefix.ends[i] - 1));
      his.push(tables.max(prefix.starts[i], prefix.ends[i] - 1));
    }
    const order = los.map((_, i) => i).sort((a, b) => los[a] - los[b]);
    let covered = 0; // tokens [0, covered) are in the union so far
    for (const i of order) {
      if (los[i] > covered) return false;
      covered = Math.max(covered, his[i] + 1);
    }
    if (covered < n) return false;
  }
  return true;
}
