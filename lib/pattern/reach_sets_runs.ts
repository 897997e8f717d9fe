/**
 * The interval reach-set engine: S_k^t as sorted runs [start, end) per token, layer by layer,
 * at a cost that follows the number of runs rather than n² bits. It stops when the sets
 * fragment past its budget, or hands a long interval-like schedule over to squaring.
 */
import type { Schedule, SparsityPattern } from "./pattern.ts";
import { type ReachOptions, ReachRecorder, type ReachReport } from "./reach_report.ts";

/** Runs (intervals) gathered by the interval engine before it gives up or hands over. */
const RUNS_WORK_BUDGET = 4e8;
/** Runs one state may hold (two Int32 each); past this the sets are too fragmented. */
const RUNS_STATE_MAX = 1 << 22;
/** Work after which a schedule whose period maps intervals to intervals is finished by squaring. */
const SQUARING_AFTER_WORK = 2e7;

/**
 * Reach sets as sorted, disjoint, non-adjacent runs [start, end) per token, in CSR form:
 * token k's runs are (starts[i], ends[i]) for i in offsets[k] … offsets[k+1] − 1. Window- and
 * block-like patterns keep one or a few runs per token, so a layer costs about Σ_k |A_k| runs.
 */
export interface RunState {
  offsets: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
}

function runsEqual(a: RunState, b: RunState): boolean {
  const total = a.offsets[a.offsets.length - 1];
  if (total !== b.offsets[b.offsets.length - 1]) return false;
  for (let i = 0; i < a.offsets.length; i++) if (a.offsets[i] !== b.offsets[i]) return false;
  for (let i = 0; i < total; i++) {
    if (a.starts[i] !== b.starts[i] || a.ends[i] !== b.ends[i]) return false;
  }
  return true;
}

function copyRuns(s: RunState): RunState {
  const total = s.offsets[s.offsets.length - 1];
  return {
    offsets: s.offsets.slice(),
    starts: s.starts.slice(0, total),
    ends: s.ends.slice(0, total),
  };
}

/** Outcome of the interval engine: a finished report, or why it stopped and how far it got. */
type RunsOutcome =
  | { done: ReachReport }
  | { stopped: "budget"; layersChecked: number; sizes: ReachReport["sizes"]; reason: string }
  | {
    stopped: "squaring";
    layersChecked: number;
    sizes: ReachReport["sizes"];
    prefix: RunState[];
    period: RunState;
  };

/**
 * The per-layer iteration of `reachSets` on runs: exactly the bitset engine's semantics (same
 * sizes, same Brent cycle detection on period boundaries, same never-reached tokens), at a
 * cost that follows the number of runs rather than n² bits.
 */
export function reachByRuns(
  schedule: Schedule,
  options: ReachOptions,
  maxLayers: number,
): RunsOutcome {
  const n = schedule.n;
  const p = schedule.numPatterns;
  const recorder = new ReachRecorder(n, options);
  const { sizes, tokenSizes, sets } = recorder;
  const allSelfLoops = schedule.patterns.every((pat) => pat.tokensWithoutSelfLoop().length === 0);
  const tracking = options.trackTokens === true || options.trackSets === true;
  let work = 0;

  // Layer 1: the runs of A_k^0.
  const first = schedule.patterns[0];
  let state = runsOfPattern(first);
  // Scratch for one token's gathered runs.
  let scratchStarts = new Int32Array(1024);
  let scratchEnds = new Int32Array(1024);
  let sortKeys = new Float64Array(1024);
  const prefix: RunState[] = [];

  const record = (s: RunState) =>
    recorder.record(
      (k) => {
        let size = 0;
        for (let i = s.offsets[k]; i < s.offsets[k + 1]; i++) size += s.ends[i] - s.starts[i];
        return size;
      },
      (matrix, k) => {
        for (let i = s.offsets[k]; i < s.offsets[k + 1]; i++) {
          matrix.fill(1, k * n + s.starts[i], k * n + s.ends[i]);
        }
      },
    );

  const finish = (report: Omit<ReachReport, "sizes" | "tokenSizes">): { done: ReachReport } => ({
    done: {
      ...report,
      sizes,
      ...(options.trackTokens ? { tokenSizes } : {}),
      ...(options.trackSets ? { sets } : {}),
      method: "runs",
    },
  });

  // Every pattern keeps self-loops and one period maps each token to one interval around it:
  // powers of the period are then interval maps, which squaring composes in O(n log n).
  let period: RunState | null = null;
  const checkPeriod = (s: RunState) => {
    if (!allSelfLoops) return;
    for (let k = 0; k < n; k++) if (s.offsets[k + 1] - s.offsets[k] !== 1) return;
    period = copyRuns(s);
  };
  const squaringAfter = options.engine === "squaring" ? 0 : SQUARING_AFTER_WORK;

  if (record(state)) return finish({ mixingDepth: 1, status: "found" });
  if (p > 1) prefix.push(copyRuns(state));
  else checkPeriod(state);

  let saved: RunState | null = p === 1 ? copyRuns(state) : null;
  let power = 1;
  let lambda = 0;
  for (let t = 2; t <= maxLayers; t++) {
    const pattern = schedule.patternAt(t - 1);
    const { rowStart, keys } = pattern;
    const offsets = new Int32Array(n + 1);
    let capacity = Math.max(n, state.offsets[n]);
    let starts: Int32Array = new Int32Array(capacity);
    let ends: Int32Array = new Int32Array(capacity);
    let used = 0;
    for (let k = 0; k < n; k++) {
      // Gather the runs of S_j^{t−1} for j ∈ A_k; a full S_j makes S_k full at once.
      let count = 0;
      let full = false;
      let sorted = true;
      let lastStart = -1;
      for (let a = rowStart[k]; a < rowStart[k + 1]; a++) {
        const j = keys[a];
        const from = state.offsets[j];
        const to = state.offsets[j + 1];
        if (to - from === 1 && state.starts[from] === 0 && state.ends[from] === n) {
          full = true;
          break;
        }
        if (count + (to - from) > scratchStarts.length) {
          const size = Math.max(2 * scratchStarts.length, count + (to - from));
          const grownStarts = new Int32Array(size);
          const grownEnds = new Int32Array(size);
          grownStarts.set(scratchStarts.subarray(0, count));
          grownEnds.set(scratchEnds.subarray(0, count));
          scratchStarts = grownStarts;
          scratchEnds = grownEnds;
          sortKeys = new Float64Array(size);
        }
        for (let i = from; i < to; i++) {
          const start = state.starts[i];
          if (start < lastStart) sorted = false;
          lastStart = start;
          scratchStarts[count] = start;
          scratchEnds[count] = state.ends[i];
          count++;
        }
      }
      work += full ? 1 : count;
      if (full) {
        if (used + 1 > capacity) [starts, ends, capacity] = grow(starts, ends, used + 1);
        starts[used] = 0;
        ends[used] = n;
        used++;
        offsets[k + 1] = used;
        continue;
      }
      if (!sorted) sortRuns(scratchStarts, scratchEnds, sortKeys, count, n);
      // Merge overlapping or adjacent runs.
      if (used + count > capacity) [starts, ends, capacity] = grow(starts, ends, used + count);
      let open = -1;
      for (let i = 0; i < count; i++) {
        const start = scratchStarts[i];
        const end = scratchEnds[i];
        if (open >= 0 && start <= ends[open]) {
          if (end > ends[open]) ends[open] = end;
        } else {
          starts[used] = start;
          ends[used] = end;
          open = used++;
        }
      }
      offsets[k + 1] = used;
    }
    state = { offsets, starts, ends };
    if (used > RUNS_STATE_MAX || work > (options.runsBudget ?? RUNS_WORK_BUDGET)) {
      return {
        stopped: "budget",
        layersChecked: t - 1,
        sizes,
        reason: `the reach sets became too fragmented to iterate exactly (${used} runs at ` +
          `layer ${t}, ${work.toExponential(1)} runs merged)`,
      };
    }
    if (record(state)) return finish({ mixingDepth: t, status: "found" });
    if (t < p) prefix.push(copyRuns(state));
    if (t === p) checkPeriod(state);
    if (t % p === 0) {
      if (saved && runsEqual(saved, state)) {
        return finish({
          mixingDepth: null,
          status: "none",
          ...unreachedRuns(state, n),
          reason:
            `by layer ${t} the reach sets repeat an earlier period without covering every token`,
        });
      }
      if (period && !tracking && work > squaringAfter) {
        return { stopped: "squaring", layersChecked: t, sizes, prefix, period };
      }
      lambda++;
      if (!saved || lambda === power) {
        saved = copyRuns(state);
        power *= 2;
        lambda = 0;
      }
    }
  }
  return finish({
    mixingDepth: null,
    status: "unknown",
    ...unreachedRuns(state, n),
    reason: `not full after maxLayers = ${maxLayers} layers and no repetition detected`,
    bounds: { lower: maxLayers + 1, upper: null },
  });
}

function grow(
  starts: Int32Array,
  ends: Int32Array,
  need: number,
): [Int32Array, Int32Array, number] {
  const capacity = Math.max(need, 2 * starts.length);
  const s = new Int32Array(capacity);
  const e = new Int32Array(capacity);
  s.set(starts);
  e.set(ends);
  return [s, e, capacity];
}

/** Sorts gathered runs by start (then end): packed into one float64 key while n ≤ 2^26. */
function sortRuns(
  starts: Int32Array,
  ends: Int32Array,
  keys: Float64Array,
  count: number,
  n: number,
): void {
  if (n <= 1 << 26) {
    const base = n + 1;
    for (let i = 0; i < count; i++) keys[i] = starts[i] * base + ends[i];
    const view = keys.subarray(0, count).sort();
    for (let i = 0; i < count; i++) {
      starts[i] = Math.floor(view[i] / base);
      ends[i] = view[i] - starts[i] * base;
    }
    return;
  }
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) =>
    starts[a] - starts[b] || ends[a] - ends[b]
  );
  const s = order.map((i) => starts[i]);
  const e = order.map((i) => ends[i]);
  starts.set(s);
  ends.set(e);
}

/** A pattern's rows as runs (rows are sorted, so consecutive keys merge). */
function runsOfPattern(pattern: SparsityPattern): RunState {
  const n = pattern.n;
  const offsets = new Int32Array(n + 1);
  const starts = new Int32Array(pattern.connections);
  const ends = new Int32Array(pattern.connections);
  let used = 0;
  for (let k = 0; k < n; k++) {
    for (let a = pattern.rowStart[k]; a < pattern.rowStart[k + 1]; a++) {
      const j = pattern.keys[a];
      if (used > offsets[k] && ends[used - 1] === j) ends[used - 1] = j + 1;
      else {
        starts[used] = j;
        ends[used] = j + 1;
        used++;
      }
    }
    offsets[k + 1] = used;
  }
  return { offsets, starts, ends };
}

/** The bitset engine's `unreached` on runs: smallest k missing each token j (first 20). */
export function unreachedRuns(s: RunState, n: number) {
  // firstMissing[j]: smallest k with j ∉ S_k. Tokens k ascending; each gap of S_k assigns the
  // still unassigned tokens in it, skipped over with a union–find "next unassigned" array.
  const firstMissing = new Int32Array(n).fill(n);
  const next = new Int32Array(n + 1);
  for (let j = 0; j <= n; j++) next[j] = j;
  const find = (j: number) => {
    let root = j;
    while (next[root] !== root) root = next[root];
    while (next[j] !== root) {
      const up = next[j];
      next[j] = root;
      j = up;
    }
    return root;
  };
  const assign = (from: number, to: number, k: number) => {
    for (let j = find(from); j < to; j = find(j)) {
      firstMissing[j] = k;
      next[j] = j + 1;
    }
  };
  for (let k = 0; k < n; k++) {
    let cursor = 0;
    for (let i = s.offsets[k]; i < s.offsets[k + 1]; i++) {
      if (s.starts[i] > cursor) assign(cursor, s.starts[i], k);
      cursor = s.ends[i];
    }
    if (cursor < n) assign(cursor, n, k);
  }
  const neverReached: { token: number; missingFrom: number }[] = [];
  let count = 0;
  for (let j = 0; j < n; j++) {
    if (firstMissing[j] === n) continue;
    count++;
    if (neverReached.length < 20) neverReached.push({ token: j, missingFrom: firstMissing[j] });
  }
  return { neverReached, neverReachedCount: count };
}
