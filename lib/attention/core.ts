/**
 * The O(connections · m) core of multi-head sparse attention on plain typed arrays, forward and
 * backward: O_k = Σ_{j ∈ A_k} ρ[scale · (q_k · k_j)]_j v_j for every head. It touches only the
 * pattern's query–key pairs, so time and memory grow with Σ_k |A_k|, not n².
 *
 * Why plain JavaScript: on this 2-core CPU, tfjs's gather and elementwise kernels cost far more
 * than the arithmetic (≈ 250 ms at n = 4096, w = 8); a tight loop over CSR rows does the same
 * work in a few milliseconds. The TensorFlow.js layer (tf/kernel.ts) wraps these functions in
 * a custom gradient. Arithmetic is float64 whatever the input arrays hold.
 *
 * Layout: q is batch × numQueries × (heads·m), k and v are batch × numKeys × (heads·m), all
 * row-major and token-major, head h in columns h·m … h·m + m − 1 (the usual concatenation of
 * heads). Each head has its own graph (per-head patterns); heads may share one object.
 */
import { InputError, requireInteger, requireNumber } from "../util/errors.ts";
import { type SparsityPattern, validateCsr } from "../pattern/pattern.ts";
import { entmaxVjp, mapOfAlpha } from "./probability_maps.ts";

/** Who attends to whom, in CSR form; rectangular for cross-attention. */
export interface AttentionGraph {
  numQueries: number;
  numKeys: number;
  /** length numQueries + 1 */
  rowStart: Int32Array;
  keys: Int32Array;
}

export function graphOfPattern(pattern: SparsityPattern): AttentionGraph {
  return {
    numQueries: pattern.n,
    numKeys: pattern.n,
    rowStart: pattern.rowStart,
    keys: pattern.keys,
  };
}

/** Every query attends to every key (cross-attention's default). */
export function completeGraph(numQueries: number, numKeys: number): AttentionGraph {
  const rowStart = Int32Array.from({ length: numQueries + 1 }, (_, i) => i * numKeys);
  const keys = Int32Array.from({ length: numQueries * numKeys }, (_, i) => i % numKeys);
  return { numQueries, numKeys, rowStart, keys };
}

/** Graphs already checked, with the arrays they held then (a checked graph is not re-walked). */
const checkedGraphs = new WeakMap<AttentionGraph, { rowStart: Int32Array; keys: Int32Array }>();

/**
 * Checks a hand-built graph: numQueries and numKeys positive integers, rowStart an Int32Array
 * of numQueries + 1 offsets from 0, never decreasing, ending at keys.length, no empty row and
 * every key an integer in [0, numKeys). Both the dense and the sparse path run this first, so
 * a bad graph is refused by both rather than read out of bounds by one. O(connections) once
 * per graph object.
 */
export function validateGraph(graph: AttentionGraph, label = "graph"): void {
  if (graph === null || typeof graph !== "object") {
    throw new InputError(
      label,
      graph,
      "expected an AttentionGraph {numQueries, numKeys, rowStart, keys}",
    );
  }
  const seen = checkedGraphs.get(graph);
  if (seen && seen.rowStart === graph.rowStart && seen.keys === graph.keys) return;
  if (!(graph.rowStart instanceof Int32Array)) {
    throw new InputError(`${label}.rowStart`, graph.rowStart, "expected an Int32Array");
  }
  if (!(graph.keys instanceof Int32Array)) {
    throw new InputError(`${label}.keys`, graph.keys, "expected an Int32Array");
  }
  validateCsr(label, graph.numQueries, graph.numKeys, graph.rowStart, graph.keys);
  checkedGraphs.set(graph, { rowStart: graph.rowStart, keys: graph.keys });
}

/** Checks one graph per head, all of head 0's shape; an empty list is refused by name. */
export function validateGraphs(graphs: readonly AttentionGraph[], heads: number): void {
  if (!Array.isArray(graphs) || graphs.length === 0) {
    throw new InputError(
      "graphs",
      Array.isArray(graphs) ? [] : graphs,
      `expected one graph per head (${heads})`,
    );
  }
  if (graphs.length !== heads) {
    throw new InputError("graphs.length", graphs.length, `expected one graph per head (${heads})`);
  }
  graphs.forEach((graph, h) => validateGraph(graph, `graphs[${h}]`));
}

export interface CoreSpec {
  batch: number;
  heads: number;
  /** Head size m. */
  headSize: number;
  /** One graph per head. */
  graphs: readonly AttentionGraph[];
  /** ρ as a member of the entmax family: 1 softmax, 1.5 entmax15, 2 sparsemax, ∞ hardmax. */
  alpha: number;
  /** Multiplies every score before ρ (ρ[scale · v]). */
  scale: number;
}

type Floats = Float32Array | Float64Array;

/** Checks the spec and returns, per head, where its probabilities start within a batch item. */
export function validateCoreSpec(spec: CoreSpec): Int32Array {
  requireInteger("batch", spec.batch, 1);
  requireInteger("heads", spec.heads, 1);
  requireInteger("headSize", spec.headSize, 1);
  requireNumber("scale", spec.scale);
  if (!(spec.alpha >= 1)) throw new InputError("alpha", spec.alpha, "expected α ≥ 1 (or ∞)");
  validateGraphs(spec.graphs, spec.heads);
  const { numQueries, numKeys } = spec.graphs[0];
  const headOffset = new Int32Array(spec.heads + 1);
  spec.graphs.forEach((graph, h) => {
    if (graph.numQueries !== numQueries || graph.numKeys !== numKeys) {
      throw new InputError(
        `graphs[${h}] shape`,
        `${graph.numQueries}×${graph.numKeys}`,
        `every head's pattern must be ${numQueries}×${numKeys} like head 0's`,
      );
    }
    headOffset[h + 1] = headOffset[h] + graph.rowStart[numQueries];
  });
  return headOffset;
}

/**
 * Where q, k and v live in their arrays: token t's head h starts at offset + t·stride + h·m.
 * The compact layout (offset 0, stride heads·m) is the default; a fused projection
 * [q | k | v] of width 3·heads·m is read in place with offsets 0, heads·m, 2·heads·m.
 * Gradients are written with the same layout as the inputs they belong to.
 */
export interface CoreLayout {
  qOffset: number;
  qStride: number;
  kOffset: number;
  kStride: number;
  vOffset: number;
  vStride: number;
}

export function compactLayout(spec: CoreSpec): CoreLayout {
  const width = spec.heads * spec.headSize;
  return { qOffset: 0, qStride: width, kOffset: 0, kStride: width, vOffset: 0, vStride: width };
}

function outputSize(spec: CoreSpec, tokens: "numQueries" | "numKeys"): number {
  return spec.batch * spec.graphs[0][tokens] * spec.heads * spec.headSize;
}

/** Number of probabilities one call stores (batch × Σ_h connections of head h). */
export function coreProbabilityCount(spec: CoreSpec): number {
  return spec.batch * validateCoreSpec(spec)[spec.heads];
}

export interface CoreForward {
  out: Float64Array;
  /** ρ of every row, per batch item and head, in the graphs' CSR order. */
  probs: Float64Array;
}

/** The float64 core on compact arrays (tests, finite differences). */
export function coreForward(q: Floats, k: Floats, v: Floats, spec: CoreSpec): CoreForward {
  const out = new Float64Array(outputSize(spec, "numQueries"));
  const probs = new Float64Array(coreProbabilityCount(spec));
  coreForwardInto(q, k, v, compactLayout(spec), spec, out, probs);
  return { out, probs };
}

/**
 * The forward pass: writes the heads' outputs (compact, batch × numQueries × heads·m) into
 * `out` and ρ of every row into `probs` (coreProbabilityCount long). Arithmetic is float64
 * whatever the arrays hold; each output value is stored once. Loops run query by query with
 * the heads inside, so a key's row is still in cache when the next head reads it.
 */
export function coreForwardInto(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  spec: CoreSpec,
  out: Floats,
  probs: Float64Array,
): void {
  const rows = new RowCursor(spec, layout);
  const { heads, headSize: m, alpha, scale } = spec;
  const map = alpha === 1 ? undefined : mapOfAlpha(alpha);
  const scores = new Float64Array(rows.longest);
  const sum = new Float64Array(m);
  const { kStride, vStride } = layout;
  const shared = sharesOneGraph(spec);
  const { numQueries, numKeys } = spec.graphs[0];
  const connections = spec.graphs[0].rowStart[numQueries];
  let long: LongRowScratch | undefined;
  while (rows.next()) {
    const { keys, start, count, po, qo, kBase, vBase, go: oo } = rows;
    if (shared && count > LONG_ROW && 8 * count >= numKeys) {
      // every head of a long row at once: one sweep over the keys, not one per head
      long ??= longRowScratch(heads, m, rows.longest);
      if (rows.head === 0) {
        forwardLongRow(q, k, v, layout, spec, rows, connections, out, probs, long);
      }
      continue;
    }
    let max = -Infinity;
    for (let a = 0; a < count; a++) {
      const ko = kBase + keys[start + a] * kStride;
      let dot = 0;
      for (let c = 0; c < m; c++) dot += q[qo + c] * k[ko + c];
      dot *= scale;
      scores[a] = dot;
      if (dot > max) max = dot;
    }
    if (map === undefined) {
      // softmax inline: the hot path, no allocation
      let total = 0;
      for (let a = 0; a < count; a++) {
        const e = Math.exp(scores[a] - max);
        probs[po + a] = e;
        total += e;
      }
      const inverse = 1 / total;
      for (let a = 0; a < count; a++) probs[po + a] *= inverse;
    } else {
      probs.set(map(scores.subarray(0, count)), po);
    }
    sum.fill(0);
    for (let a = 0; a < count; a++) {
      const p = probs[po + a];
      if (p === 0) continue;
      const vo = vBase + keys[start + a] * vStride;
      for (let c = 0; c < m; c++) sum[c] += p * v[vo + c];
    }
    for (let c = 0; c < m; c++) out[oo + c] = sum[c];
  }
}

/**
 * Walks every (batch item, query, head) row in that order, heads innermost so a key's values
 * are still in cache when the next head reads them; `next()` moves to the next row and sets
 * where its data lives. A class, not a callback per row, so the hot loops stay in the caller.
 */
class RowCursor {
  /** Length for scratch arrays that hold one row's scores (at least 16). */
  readonly longest: number;
  /** Keys of the row: keys[start … start + count − 1]; probabilities from po on. */
  keys: Int32Array;
  start = 0;
  count = 0;
  po = 0;
  /** Offsets of the query's values (layout) and of its compact output / upstream row. */
  qo = 0;
  go = 0;
  /** Token 0's key and value offsets for this head; token j adds j · stride. */
  kBase = 0;
  vBase = 0;
  /** Token 0's offset in compact batch × numKeys × width sums of key gradients. */
  sumBase = 0;
  private readonly headOffset: Int32Array;
  private b = 0;
  private i = 0;
  private h = -1;

  /** The head of the current row. */
  get head(): number {
    return this.h;
  }

  constructor(private readonly spec: CoreSpec, private readonly layout: CoreLayout) {
    this.headOffset = validateCoreSpec(spec);
    this.longest = Math.max(16, ...spec.graphs.map(maxRowSize));
    this.keys = spec.graphs[0].keys;
  }

  next(): boolean {
    const { heads, headSize: m, batch, graphs } = this.spec;
    if (++this.h === heads) {
      this.h = 0;
      if (++this.i === graphs[0].numQueries) {
        this.i = 0;
        this.b++;
      }
    }
    if (this.b === batch) return false;
    const { b, i, h } = this;
    const { numQueries, numKeys } = graphs[0];
    const { rowStart, keys } = graphs[h];
    const layout = this.layout;
    const row = b * numQueries + i;
    const width = heads * m;
    this.keys = keys;
    this.start = rowStart[i];
    this.count = rowStart[i + 1] - this.start;
    this.po = b * this.headOffset[heads] + this.headOffset[h] + this.start;
    this.qo = layout.qOffset + row * layout.qStride + h * m;
    this.go = row * width + h * m;
    this.kBase = layout.kOffset + b * numKeys * layout.kStride + h * m;
    this.vBase = layout.vOffset + b * numKeys * layout.vStride + h * m;
    this.sumBase = b * numKeys * width + h * m;
    return true;
  }
}

/** Longest row of a graph, remembered per graph (a star's relay row has all n keys). */
const maxRowSizes = new WeakMap<AttentionGraph, number>();

function maxRowSize(graph: AttentionGraph): number {
  let max = maxRowSizes.get(graph);
  if (max === undefined) {
    max = 0;
    for (let i = 0; i < graph.numQueries; i++) {
      max = Math.max(max, graph.rowStart[i + 1] - graph.rowStart[i]);
    }
    maxRowSizes.set(graph, max);
  }
  return max;
}

/**
 * The float64 sums of coreBackwardInto, kept from call to call: a fresh multi-megabyte array
 * per step costs page faults and garbage collection. Safe because a call never yields.
 */
let sumScratch = new Float64Array(0);

export interface CoreGradients {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
}

/** Gradients of Σ dOut ⊙ O with respect to q, k and v (float64, compact arrays). */
export function coreBackward(
  q: Floats,
  k: Floats,
  v: Floats,
  probs: Float64Array,
  dOut: Floats,
  spec: CoreSpec,
): CoreGradients {
  const dq = new Float64Array(outputSize(spec, "numQueries"));
  const dk = new Float64Array(outputSize(spec, "numKeys"));
  const dv = new Float64Array(outputSize(spec, "numKeys"));
  coreBackwardInto(q, k, v, compactLayout(spec), probs, dOut, spec, { dq, dk, dv });
  return { dq, dk, dv };
}

/**
 * The backward pass from the forward pass's probabilities and the upstream gradient dOut
 * (compact). Writes every value of dq, dk and dv once, at the positions `layout` gives the
 * inputs (so dq, dk and dv may be one fused array). Keys and values receive sums over many
 * queries (a star's relay key over all n): those accumulate in float64 scratch arrays.
 */
export function coreBackwardInto(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  probs: Float64Array,
  dOut: Floats,
  spec: CoreSpec,
  targets: { dq: Floats; dk: Floats; dv: Floats },
): void {
  if (sharesOneGraph(spec)) {
    backwardShared(q, k, v, layout, probs, dOut, spec, targets);
    return;
  }
  const rows = new RowCursor(spec, layout);
  const { batch, heads, headSize: m, alpha, scale } = spec;
  const { numKeys } = spec.graphs[0];
  const width = heads * m;
  const { kOffset, kStride, vOffset, vStride } = layout;
  const { dq } = targets;
  const size = outputSize(spec, "numKeys");
  if (sumScratch.length < 2 * size) sumScratch = new Float64Array(2 * size);
  const dkSum = sumScratch.subarray(0, size).fill(0);
  const dvSum = sumScratch.subarray(size, 2 * size).fill(0);
  const dProbs = new Float64Array(rows.longest);
  const dScores = new Float64Array(rows.longest);
  const dqRow = new Float64Array(m);
  while (rows.next()) {
    const { keys, start, count, po, qo, kBase, vBase, go, sumBase } = rows;
    // dp_a = dO_i · v_j and dv_j += p_a dO_i
    for (let a = 0; a < count; a++) {
      const j = keys[start + a];
      const vo = vBase + j * vStride;
      const so = sumBase + j * width;
      const p = probs[po + a];
      let dot = 0;
      for (let c = 0; c < m; c++) {
        const g = dOut[go + c];
        dot += g * v[vo + c];
        dvSum[so + c] += p * g;
      }
      dProbs[a] = dot;
    }
    if (alpha === 1) {
      // softmax: ds = scale · p ⊙ (dp − p·dp), inline for speed
      let mean = 0;
      for (let a = 0; a < count; a++) mean += probs[po + a] * dProbs[a];
      for (let a = 0; a < count; a++) {
        dScores[a] = scale * probs[po + a] * (dProbs[a] - mean);
      }
    } else {
      entmaxVjp(probs.subarray(po, po + count), dProbs, alpha, scale, dScores, 0, count);
    }
    // dq_i += ds_a k_j and dk_j += ds_a q_i
    dqRow.fill(0);
    for (let a = 0; a < count; a++) {
      const ds = dScores[a];
      if (ds === 0) continue;
      const j = keys[start + a];
      const ko = kBase + j * kStride;
      const so = sumBase + j * width;
      for (let c = 0; c < m; c++) {
        dqRow[c] += ds * k[ko + c];
        dkSum[so + c] += ds * q[qo + c];
      }
    }
    for (let c = 0; c < m; c++) dq[qo + c] = dqRow[c];
  }
  const { dk, dv } = targets;
  for (let token = 0; token < batch * numKeys; token++) {
    const ko = kOffset + token * kStride;
    const vo = vOffset + token * vStride;
    const so = token * width;
    for (let c = 0; c < width; c++) {
      dk[ko + c] = dkSum[so + c];
      dv[vo + c] = dvSum[so + c];
    }
  }
}

/** Whether every head uses the same connections (the usual case: one pattern per layer). */
function sharesOneGraph(spec: CoreSpec): boolean {
  const { rowStart, keys } = spec.graphs[0];
  return spec.graphs.every((graph) => graph.rowStart === rowStart && graph.keys === keys);
}

/**
 * Rows longer than this and than numKeys / 8 (a star's relay query, a global token's row) are
 * handled for every head at once when the heads share one graph, and add their key and value
 * gradients late. Shorter rows (strided's ≈ 2√n) run faster head by head.
 */
const LONG_ROW = 64;

interface LongRowScratch {
  scores: Float64Array;
  max: Float64Array;
  sum: Float64Array;
}

function longRowScratch(heads: number, m: number, longest: number): LongRowScratch {
  return {
    scores: new Float64Array(heads * longest),
    max: new Float64Array(heads),
    sum: new Float64Array(heads * m),
  };
}

/**
 * The forward pass of one long row for every head (the cursor on head 0, heads sharing one
 * graph): key by key with the heads inside, so the strided sweeps over k and v, which miss the
 * cache and the TLB on every key at large n, happen once instead of once per head.
 */
function forwardLongRow(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  spec: CoreSpec,
  rows: RowCursor,
  connections: number,
  out: Floats,
  probs: Float64Array,
  { scores, max, sum }: LongRowScratch,
): void {
  const { heads, headSize: m, alpha, scale } = spec;
  const width = heads * m;
  const { keys, start, count, po, qo, kBase, vBase, go: oo } = rows;
  const { kStride, vStride } = layout;
  const map = alpha === 1 ? undefined : mapOfAlpha(alpha);
  max.fill(-Infinity);
  for (let a = 0; a < count; a++) {
    const ko = kBase + keys[start + a] * kStride;
    for (let h = 0, c0 = 0; h < heads; h++, c0 += m) {
      let dot = 0;
      for (let c = c0; c < c0 + m; c++) dot += q[qo + c] * k[ko + c];
      dot *= scale;
      scores[h * count + a] = dot;
      if (dot > max[h]) max[h] = dot;
    }
  }
  for (let h = 0; h < heads; h++) {
    const ph = po + h * connections;
    const so = h * count;
    if (map === undefined) {
      let total = 0;
      const top = max[h];
      for (let a = 0; a < count; a++) {
        const e = Math.exp(scores[so + a] - top);
        scores[so + a] = e;
        total += e;
      }
      const inverse = 1 / total;
      for (let a = 0; a < count; a++) probs[ph + a] = scores[so + a] * inverse;
    } else {
      probs.set(map(scores.subarray(so, so + count)), ph);
    }
  }
  sum.fill(0);
  for (let a = 0; a < count; a++) {
    const vo = vBase + keys[start + a] * vStride;
    for (let h = 0, c0 = 0; h < heads; h++, c0 += m) {
      const p = probs[po + h * connections + a];
      if (p === 0) continue;
      for (let c = c0; c < c0 + m; c++) sum[c] += p * v[vo + c];
    }
  }
  for (let c = 0; c < width; c++) out[oo + c] = sum[c];
}

/** Whether a row's keys ascend (then a long row can be merged with the final pass). */
function ascending(keys: Int32Array, start: number, end: number): boolean {
  for (let a = start + 1; a < end; a++) if (keys[a] <= keys[a - 1]) return false;
  return true;
}

/**
 * coreBackwardInto when all heads share one graph: connection by connection with the heads
 * inside, so a key's v, k and gradient sums (heads·m contiguous values each) are touched once
 * per connection instead of once per head. The key and value gradients accumulate in one
 * float64 scratch, interleaved per token (dk of all heads, then dv), written out in one
 * sequential pass at the end.
 *
 * A long row (a star's relay query over all n keys) would sweep the whole scratch twice more,
 * read–modify–write, with a cache and TLB miss on every key beyond n ≈ 4096: that made the
 * time per token grow with n. Its contributions p·dO_i and ds·q_i are instead added in the
 * final pass, which visits every key in order anyway; the row itself only reads v and k.
 */
function backwardShared(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  probs: Float64Array,
  dOut: Floats,
  spec: CoreSpec,
  targets: { dq: Floats; dk: Floats; dv: Floats },
): void {
  const { batch, heads, headSize: m, alpha, scale } = spec;
  const { numQueries, numKeys, rowStart, keys } = spec.graphs[0];
  const connections = rowStart[numQueries];
  const width = heads * m;
  const { qOffset, qStride, kOffset, kStride, vOffset, vStride } = layout;
  const { dq, dk, dv } = targets;
  const size = 2 * batch * numKeys * width;
  if (sumScratch.length < size) sumScratch = new Float64Array(size);
  const sums = sumScratch.subarray(0, size).fill(0);
  const longest = Math.max(16, maxRowSize(spec.graphs[0]));
  const dProbs = new Float64Array(heads * longest);
  const dScores = new Float64Array(heads * longest);
  const dqRow = new Float64Array(width);
  // per batch item, the long rows whose key and value gradients wait for the final pass
  const late: { row: number; start: number; count: number; ds: Float64Array }[][] = [];
  for (let b = 0; b < batch; b++) {
    const kBase = kOffset + b * numKeys * kStride;
    const vBase = vOffset + b * numKeys * vStride;
    const sBase = b * numKeys * 2 * width;
    const pBase = b * heads * connections;
    const lateRows: (typeof late)[number] = [];
    late.push(lateRows);
    for (let i = 0; i < numQueries; i++) {
      const row = b * numQueries + i;
      const qo = qOffset + row * qStride;
      const go = row * width;
      const start = rowStart[i];
      const count = rowStart[i + 1] - start;
      // only rows spanning a good part of the keys: the final pass checks each deferred row at
      // every key, which stays O(connections) only while a deferred row has ≥ numKeys / 8 keys
      const defer = count > LONG_ROW && 8 * count >= numKeys &&
        ascending(keys, start, start + count);
      // dp_a = dO_i · v_j and dv_j += p_a dO_i
      for (let a = 0; a < count; a++) {
        const j = keys[start + a];
        const vo = vBase + j * vStride;
        const so = sBase + j * 2 * width + width;
        for (let h = 0, c0 = 0; h < heads; h++, c0 += m) {
          let dot = 0;
          if (defer) {
            for (let c = c0; c < c0 + m; c++) dot += dOut[go + c] * v[vo + c];
          } else {
            const p = probs[pBase + h * connections + start + a];
            for (let c = c0; c < c0 + m; c++) {
              const g = dOut[go + c];
              dot += g * v[vo + c];
              sums[so + c] += p * g;
            }
          }
          dProbs[h * count + a] = dot;
        }
      }
      for (let h = 0; h < heads; h++) {
        const po = pBase + h * connections + start;
        const so = h * count;
        if (alpha === 1) {
          // softmax: ds = scale · p ⊙ (dp − p·dp), inline for speed
          let mean = 0;
          for (let a = 0; a < count; a++) mean += probs[po + a] * dProbs[so + a];
          for (let a = 0; a < count; a++) {
            dScores[so + a] = scale * probs[po + a] * (dProbs[so + a] - mean);
          }
        } else {
          const out = dScores.subarray(so, so + count);
          const upstream = dProbs.subarray(so, so + count);
          entmaxVjp(probs.subarray(po, po + count), upstream, alpha, scale, out, 0, count);
        }
      }
      // dq_i += ds_a k_j and dk_j += ds_a q_i
      dqRow.fill(0);
      for (let a = 0; a < count; a++) {
        const j = keys[start + a];
        const ko = kBase + j * kStride;
        const so = sBase + j * 2 * width;
        for (let h = 0, c0 = 0; h < heads; h++, c0 += m) {
          const ds = dScores[h * count + a];
          if (ds === 0) continue;
          if (defer) {
            for (let c = c0; c < c0 + m; c++) dqRow[c] += ds * k[ko + c];
          } else {
            for (let c = c0; c < c0 + m; c++) {
              dqRow[c] += ds * k[ko + c];
              sums[so + c] += ds * q[qo + c];
            }
          }
        }
      }
      for (let c = 0; c < width; c++) dq[qo + c] = dqRow[c];
      if (defer) lateRows.push({ row, start, count, ds: dScores.slice(0, heads * count) });
    }
  }
  const cursor = new Int32Array(Math.max(...late.map((rows) => rows.length), 0));
  for (let b = 0; b < batch; b++) {
    const lateRows = late[b];
    cursor.fill(0);
    const pBase = b * heads * connections;
    for (let j = 0; j < numKeys; j++) {
      const token = b * numKeys + j;
      const so = token * 2 * width;
      for (let r = 0; r < lateRows.length; r++) {
        const { row, start, count, ds } = lateRows[r];
        const a = cursor[r];
        if (a === count || keys[start + a] !== j) continue;
        cursor[r] = a + 1;
        const qo = qOffset + row * qStride;
        const go = row * width;
        for (let h = 0, c0 = 0; h < heads; h++, c0 += m) {
          const p = probs[pBase + h * connections + start + a];
          const d = ds[h * count + a];
          for (let c = c0; c < c0 + m; c++) {
            sums[so + c] += d * q[qo + c];
            sums[so + width + c] += p * dOut[go + c];
          }
        }
      }
      const ko = kOffset + token * kStride;
      const vo = vOffset + token * vStride;
      for (let c = 0; c < width; c++) {
        dk[ko + c] = sums[so + c];
        dv[vo + c] = sums[so + width + c];
      }
    }
  }
}
