/**
 * The interval reach-set engine: S_k^t as sorted runs [start, end) per token, layer by layer,
 * at a cost that follows the number of runs rather than n² bits. It stops when the sets
 * fragment past its budget, or hands a long interval-like schedule over to squaring.
 */
import type { Schedule, SparsityPattern } from "./pattern.ts";
import {
  notCoveredWithin,
  PeriodCycle,
  repeatedWithoutCovering,
  type Unreached,
} from "./reach_iteration.ts";
import {
  type EngineAnswer,
  type ReachOptions,
  ReachRecorder,
  type ReachReport,
} from "./reach_report.ts";

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
  const done = (answer: EngineAnswer) => ({ done: recorder.finish(answer, "runs") });
  // Every pattern keeps self-loops and one period maps each token to one interval around it:
  // powers of the period are then interval maps, which squaring composes in O(n log n).
  const allSelfLoops = schedule.patterns.every((pat) => pat.tokensWithoutSelfLoop().length === 0);
  const squaringPeriod = (s: RunState) => allSelfLoops && isIntervalMap(s) ? copyRuns(s) : null;
  const tracking = options.trackTokens === true || options.trackSets === true;
  const squaringAfter = options.engine === "squaring" ? 0 : SQUARING_AFTER_WORK;
  const budget = options.runsBudget ?? RUNS_WORK_BUDGET;

  // Layer 1: the runs of A_k^0.
  let state = runsOfPattern(schedule.patterns[0]);
  if (recordRuns(recorder, state)) return done({ mixingDepth: 1, status: "found" });
  const prefix: RunState[] = p > 1 ? [copyRuns(state)] : [];
  let period = p === 1 ? squaringPeriod(state) : null;
  const cycle = new PeriodCycle(copyRuns, runsEqual, p === 1 ? state : null);
  const scratch = new GatheredRuns();
  let work = 0;
  for (let t = 2; t <= maxLayers; t++) {
    const layer = nextLayerRuns(state, schedule.patternAt(t - 1), scratch);
    state = layer.state;
    work += layer.work;
    const used = state.offsets[n];
    if (used > RUNS_STATE_MAX || work > budget) {
      return {
        stopped: "budget",
        layersChecked: t - 1,
        sizes: recorder.sizes,
        reason: `the reach sets became too fragmented to iterate exactly (${used} runs at ` +
          `layer ${t}, ${work.toExponential(1)} runs merged)`,
      };
    }
    if (recordRuns(recorder, state)) return done({ mixingDepth: t, status: "found" });
    if (t < p) prefix.push(copyRuns(state));
    if (t === p) period = squaringPeriod(state);
    if (t % p !== 0) continue;
    if (cycle.repeats(state)) return done(repeatedWithoutCovering(t, unreachedRuns(state, n)));
    if (period && !tracking && work > squaringAfter) {
      return { stopped: "squaring", layersChecked: t, sizes: recorder.sizes, prefix, period };
    }
    cycle.advance(state);
  }
  return done(notCoveredWithin(maxLayers, unreachedRuns(state, n)));
}

/** Records one layer of runs; returns whether every set is [n]. */
function recordRuns(recorder: ReachRecorder, s: RunState): boolean {
  const n = s.offsets.length - 1;
  return recorder.record(
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
}

/** Whether every token's set is one run (with self-loops, an interval around the token). */
function isIntervalMap(s: RunState): boolean {
  const n = s.offsets.length - 1;
  for (let k = 0; k < n; k++) if (s.offsets[k + 1] - s.offsets[k] !== 1) return false;
  return true;
}

/**
 * One layer on runs: S_k^t = ∪_{j ∈ A_k} S_j^{t−1} for every token k, merged into sorted,
 * disjoint, non-adjacent runs; `work` counts the runs gathered (one for a set found full).
 */
function nextLayerRuns(
  state: RunState,
  pattern: SparsityPattern,
  scratch: GatheredRuns,
): { state: RunState; work: number } {
  const n = pattern.n;
  const out = new RunWriter(n, Math.max(n, state.offsets[n]));
  let work = 0;
  for (let k = 0; k < n; k++) {
    if (scratch.gather(state, pattern, k)) {
      work += 1;
      out.pushFull();
    } else {
      work += scratch.count;
      if (!scratch.sorted) sortRuns(scratch.starts, scratch.ends, scratch.keys, scratch.count, n);
      out.pushMerged(scratch);
    }
    out.offsets[k + 1] = out.used;
  }
  return { state: out.state(), work };
}

/** One token's gathered runs (growable scratch reused across tokens) and the keys to sort them. */
class GatheredRuns {
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  keys = new Float64Array(1024);
  count = 0;
  /** Whether the gathered runs are already in order of start. */
  sorted = true;

  /**
   * Gathers the runs of S_j^{t−1} for j ∈ A_k (the keys of row k of `pattern`). Returns true,
   * gathering no further, as soon as some S_j is [n]: then S_k^t is [n] too.
   */
  gather(state: RunState, pattern: SparsityPattern, k: number): boolean {
    const { offsets, starts: runStarts, ends: runEnds } = state;
    const { rowStart, keys } = pattern;
    const n = pattern.n;
    let { starts, ends } = this;
    let count = 0;
    let sorted = true;
    let lastStart = -1;
    for (let a = rowStart[k]; a < rowStart[k + 1]; a++) {
      const j = keys[a];
      const from = offsets[j];
      const to = offsets[j + 1];
      if (to - from === 1 && runStarts[from] === 0 && runEnds[from] === n) return true;
      if (count + (to - from) > starts.length) {
        this.grow(count, count + (to - from));
        ({ starts, ends } = this);
      }
      for (let i = from; i < to; i++) {
        const start = runStarts[i];
        if (start < lastStart) sorted = false;
        lastStart = start;
        starts[count] = start;
        ends[count] = runEnds[i];
        count++;
      }
    }
    this.count = count;
    this.sorted = sorted;
    return false;
  }

  /** Room for `need` runs, keeping the first `count`. */
  private grow(count: number, need: number): void {
    const size = Math.max(2 * this.starts.length, need);
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    starts.set(this.starts.subarray(0, count));
    ends.set(this.ends.subarray(0, count));
    this.starts = starts;
    this.ends = ends;
    this.keys = new Float64Array(size);
  }
}

/** The next layer's runs in CSR form, written token by token into growing arrays. */
class RunWriter {
  readonly offsets: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
  used = 0;

  constructor(private readonly n: number, capacity: number) {
    this.offsets = new Int32Array(n + 1);
    this.starts = new Int32Array(capacity);
    this.ends = new Int32Array(capacity);
  }

  /** Room for `extra` more runs. */
  private reserve(extra: number): void {
    const need = this.used + extra;
    if (need <= this.starts.length) return;
    const capacity = Math.max(need, 2 * this.starts.length);
    const starts = new Int32Array(capacity);
    const ends = new Int32Array(capacity);
    starts.set(this.starts);
    ends.set(this.ends);
    this.starts = starts;
    this.ends = ends;
  }

  /** The set [n], as one run. */
  pushFull(): void {
    this.reserve(1);
    this.starts[this.used] = 0;
    this.ends[this.used] = this.n;
    this.used++;
  }

  /** The union of gathered runs sorted by start: overlapping or adjacent runs merged. */
  pushMerged(gathered: GatheredRuns): void {
    this.reserve(gathered.count);
    const { starts, ends } = this;
    let used = this.used;
    let open = -1;
    for (let i = 0; i < gathered.count; i++) {
      const start = gathered.starts[i];
      const end = gathered.ends[i];
      if (open >= 0 && start <= ends[open]) {
        if (end > ends[open]) ends[open] = end;
      } else {
        starts[used] = start;
        ends[used] = end;
        open = used++;
      }
    }
    this.used = used;
  }

  state(): RunState {
    return { offsets: this.offsets, starts: this.starts, ends: this.ends };
  }
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
export function unreachedRuns(s: RunState, n: number): Unreached {
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
