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
 *
 * Each query row runs three steps: valueGradients (dp and dv), scoreGradients (ds) and
 * queryKeyGradients (dq and dk); writeKeyValueGradients is the final pass.
 */
import { gradientSums, type GradientTargets, scoreGradients } from "./backward_common.ts";
import { maxRowSize } from "./graph.ts";
import { addDeferredRows, type DeferredRow, defersRow } from "./long_rows.ts";
import type { CoreLayout, CoreSpec, Floats } from "./spec.ts";

/** Everything the steps read, fixed for one call. */
interface SharedPass {
  q: Floats;
  k: Floats;
  v: Floats;
  dOut: Floats;
  probs: Float64Array;
  layout: CoreLayout;
  spec: CoreSpec;
  keys: Int32Array;
  /** Connections of one head (the probabilities of head h start at h · connections). */
  connections: number;
  /** Per token: dk of all heads, then dv (2 · heads·m values). */
  sums: Float64Array;
  /** Per head h, the current row's dp and ds at h · count … */
  dProbs: Float64Array;
  dScores: Float64Array;
  /** The current row's dq, all heads. */
  dqRow: Float64Array;
}

/** Where the current query row lives; one object, updated row by row. */
interface RowPlace {
  start: number;
  count: number;
  /** Offsets of the query's values (layout) and of its compact upstream gradient. */
  qo: number;
  go: number;
  /** Token 0's key and value offsets, sums offset and probabilities offset (batch item b). */
  kBase: number;
  vBase: number;
  sBase: number;
  pBase: number;
  /** Whether the row's key and value gradients wait for the final pass. */
  defer: boolean;
}

export function backwardShared(
  q: Floats,
  k: Floats,
  v: Floats,
  layout: CoreLayout,
  probs: Float64Array,
  dOut: Floats,
  spec: CoreSpec,
  targets: GradientTargets,
): void {
  const { batch, heads, headSize: m } = spec;
  const { numQueries, numKeys, rowStart, keys } = spec.graphs[0];
  const width = heads * m;
  const { qOffset, qStride, kOffset, kStride, vOffset, vStride } = layout;
  const size = 2 * batch * numKeys * width;
  const longest = Math.max(16, maxRowSize(spec.graphs[0]));
  const pass: SharedPass = {
    q,
    k,
    v,
    dOut,
    probs,
    layout,
    spec,
    keys,
    connections: rowStart[numQueries],
    sums: gradientSums(size).subarray(0, size).fill(0),
    dProbs: new Float64Array(heads * longest),
    dScores: new Float64Array(heads * longest),
    dqRow: new Float64Array(width),
  };
  const at: RowPlace = {
    start: 0,
    count: 0,
    qo: 0,
    go: 0,
    kBase: 0,
    vBase: 0,
    sBase: 0,
    pBase: 0,
    defer: false,
  };
  // per batch item, the long rows whose key and value gradients wait for the final pass
  const deferred: DeferredRow[][] = [];
  for (let b = 0; b < batch; b++) {
    at.kBase = kOffset + b * numKeys * kStride;
    at.vBase = vOffset + b * numKeys * vStride;
    at.sBase = b * numKeys * 2 * width;
    at.pBase = b * heads * pass.connections;
    const deferredRows: DeferredRow[] = [];
    deferred.push(deferredRows);
    for (let i = 0; i < numQueries; i++) {
      const row = b * numQueries + i;
      at.qo = qOffset + row * qStride;
      at.go = row * width;
      at.start = rowStart[i];
      at.count = rowStart[i + 1] - at.start;
      at.defer = defersRow(keys, at.start, at.count, numKeys);
      valueGradients(pass, at);
      rowScoreGradients(pass, at);
      queryKeyGradients(pass, at, targets.dq);
      if (at.defer) {
        const { start, count } = at;
        deferredRows.push({ row, start, count, ds: pass.dScores.slice(0, heads * count) });
      }
    }
  }
  writeKeyValueGradients(pass, deferred, targets);
}

/** dp_a = dO_i · v_j for every head, and dv_j += p_a dO_i unless the row is deferred. */
function valueGradients(pass: SharedPass, at: RowPlace): void {
  const { v, dOut, probs, keys, connections, sums, dProbs } = pass;
  const { heads, headSize: m } = pass.spec;
  const width = heads * m;
  const { vStride } = pass.layout;
  const { start, count, go, vBase, sBase, pBase, defer } = at;
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
}

/** ds from dp through ρ, head by head. */
function rowScoreGradients(pass: SharedPass, at: RowPlace): void {
  const { probs, connections, dProbs, dScores } = pass;
  const { heads, alpha, scale } = pass.spec;
  const { start, count, pBase } = at;
  for (let h = 0; h < heads; h++) {
    const po = pBase + h * connections + start;
    scoreGradients(probs, po, dProbs, dScores, h * count, count, alpha, scale);
  }
}

/** dq_i = Σ ds_a k_j, written out, and dk_j += ds_a q_i unless the row is deferred. */
function queryKeyGradients(pass: SharedPass, at: RowPlace, dq: Floats): void {
  const { q, k, keys, sums, dScores, dqRow } = pass;
  const { heads, headSize: m } = pass.spec;
  const width = heads * m;
  const { kStride } = pass.layout;
  const { start, count, qo, kBase, sBase, defer } = at;
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
}

/**
 * The final pass: key by key in order, adds the deferred rows' contributions to the sums and
 * writes dk and dv at the positions the layout gives k and v.
 */
function writeKeyValueGradients(
  pass: SharedPass,
  deferred: readonly DeferredRow[][],
  targets: GradientTargets,
): void {
  const { q, dOut, probs, layout, spec, keys, connections, sums } = pass;
  const { batch, heads, headSize: m } = spec;
  const { numKeys } = spec.graphs[0];
  const width = heads * m;
  const { kOffset, kStride, vOffset, vStride } = layout;
  const { dk, dv } = targets;
  const cursor = new Int32Array(Math.max(...deferred.map((rows) => rows.length), 0));
  for (let b = 0; b < batch; b++) {
    const deferredRows = deferred[b];
    cursor.fill(0);
    const pBase = b * heads * connections;
    for (let j = 0; j < numKeys; j++) {
      const token = b * numKeys + j;
      const so = token * 2 * width;
      if (deferredRows.length > 0) {
        addDeferredRows(
          q,
          dOut,
          probs,
          layout,
          spec,
          keys,
          deferredRows,
          cursor,
          pBase,
          connections,
          j,
          sums,
          so,
        );
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
