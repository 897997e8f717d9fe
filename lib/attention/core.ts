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
import type { SparsityPattern } from "../pattern/pattern.ts";
import { entmaxVjp, mapOfAlpha } from "./maps.ts";

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
  if (spec.graphs.length !== spec.heads) {
    throw new InputError(
      "graphs.length",
      spec.graphs.length,
      `expected one graph per head (${spec.heads})`,
    );
  }
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

/** Where one query row of one head of one batch item lives; reused from row to row. */
interface QueryRow {
  /** Offset of the query's (and its output's) m values. */
  queryOffset: number;
  /** Offset of key/value token 0's values for this head: token j is at keyBase + j·width. */
  keyBase: number;
  /** Offset of this row's first probability. */
  probOffset: number;
  /** Keys of the row: keys[start … start + count − 1]. */
  keys: Int32Array;
  start: number;
  count: number;
}

/** Visits every (batch item, head, query) row in the order the probabilities are stored. */
function forEachQueryRow(spec: CoreSpec, visit: (row: QueryRow) => void): void {
  const headOffset = validateCoreSpec(spec);
  const { batch, heads, headSize: m } = spec;
  const { numQueries, numKeys } = spec.graphs[0];
  const width = heads * m;
  const perBatch = headOffset[heads];
  const row: QueryRow = {
    queryOffset: 0,
    keyBase: 0,
    probOffset: 0,
    keys: spec.graphs[0].keys,
    start: 0,
    count: 0,
  };
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const { rowStart, keys } = spec.graphs[h];
      row.keys = keys;
      row.keyBase = b * numKeys * width + h * m;
      const probBase = b * perBatch + headOffset[h];
      for (let i = 0; i < numQueries; i++) {
        row.start = rowStart[i];
        row.count = rowStart[i + 1] - row.start;
        row.queryOffset = (b * numQueries + i) * width + h * m;
        row.probOffset = probBase + row.start;
        visit(row);
      }
    }
  }
}

function outputSize(spec: CoreSpec, tokens: "numQueries" | "numKeys"): number {
  return spec.batch * spec.graphs[0][tokens] * spec.heads * spec.headSize;
}

export interface CoreForward {
  out: Float64Array;
  /** ρ of every row, per batch item and head, in the graphs' CSR order. */
  probs: Float64Array;
}

export function coreForward(q: Floats, k: Floats, v: Floats, spec: CoreSpec): CoreForward {
  const { headSize: m, alpha, scale } = spec;
  const width = spec.heads * m;
  const out = new Float64Array(outputSize(spec, "numQueries"));
  const probs = new Float64Array(spec.batch * validateCoreSpec(spec)[spec.heads]);
  const map = alpha === 1 ? undefined : mapOfAlpha(alpha);
  let scores = new Float64Array(16);
  forEachQueryRow(spec, ({ queryOffset, keyBase, probOffset, keys, start, count }) => {
    if (scores.length < count) scores = new Float64Array(2 * count);
    let max = -Infinity;
    for (let a = 0; a < count; a++) {
      const keyOffset = keyBase + keys[start + a] * width;
      let dot = 0;
      for (let c = 0; c < m; c++) dot += q[queryOffset + c] * k[keyOffset + c];
      dot *= scale;
      scores[a] = dot;
      if (dot > max) max = dot;
    }
    if (map === undefined) {
      // softmax inline: the hot path, no allocation
      let sum = 0;
      for (let a = 0; a < count; a++) {
        const e = Math.exp(scores[a] - max);
        probs[probOffset + a] = e;
        sum += e;
      }
      const inverse = 1 / sum;
      for (let a = 0; a < count; a++) probs[probOffset + a] *= inverse;
    } else {
      probs.set(map(scores.subarray(0, count)), probOffset);
    }
    for (let a = 0; a < count; a++) {
      const p = probs[probOffset + a];
      if (p === 0) continue;
      const valueOffset = keyBase + keys[start + a] * width;
      for (let c = 0; c < m; c++) out[queryOffset + c] += p * v[valueOffset + c];
    }
  });
  return { out, probs };
}

export interface CoreGradients {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
}

/** Gradients of Σ dOut ⊙ O with respect to q, k and v, from the forward pass's probabilities. */
export function coreBackward(
  q: Floats,
  k: Floats,
  v: Floats,
  probs: Float64Array,
  dOut: Floats,
  spec: CoreSpec,
): CoreGradients {
  const { headSize: m, alpha, scale } = spec;
  const width = spec.heads * m;
  const dq = new Float64Array(outputSize(spec, "numQueries"));
  const dk = new Float64Array(outputSize(spec, "numKeys"));
  const dv = new Float64Array(outputSize(spec, "numKeys"));
  let dProbs = new Float64Array(16);
  let dScores = new Float64Array(16);
  forEachQueryRow(spec, ({ queryOffset, keyBase, probOffset, keys, start, count }) => {
    if (dProbs.length < count) {
      dProbs = new Float64Array(2 * count);
      dScores = new Float64Array(2 * count);
    }
    // dp_a = dO_i · v_j and dv_j += p_a dO_i
    for (let a = 0; a < count; a++) {
      const valueOffset = keyBase + keys[start + a] * width;
      const p = probs[probOffset + a];
      let dot = 0;
      for (let c = 0; c < m; c++) {
        const g = dOut[queryOffset + c];
        dot += g * v[valueOffset + c];
        dv[valueOffset + c] += p * g;
      }
      dProbs[a] = dot;
    }
    if (alpha === 1) {
      // softmax: ds = scale · p ⊙ (dp − p·dp), inline for speed
      let mean = 0;
      for (let a = 0; a < count; a++) mean += probs[probOffset + a] * dProbs[a];
      for (let a = 0; a < count; a++) {
        dScores[a] = scale * probs[probOffset + a] * (dProbs[a] - mean);
      }
    } else {
      entmaxVjp(
        probs.subarray(probOffset, probOffset + count),
        dProbs,
        alpha,
        scale,
        dScores,
        0,
        count,
      );
    }
    // dq_i += ds_a k_j and dk_j += ds_a q_i
    for (let a = 0; a < count; a++) {
      const ds = dScores[a];
      if (ds === 0) continue;
      const keyOffset = keyBase + keys[start + a] * width;
      for (let c = 0; c < m; c++) {
        dq[queryOffset + c] += ds * k[keyOffset + c];
        dk[keyOffset + c] += ds * q[queryOffset + c];
      }
    }
  });
  return { dq, dk, dv };
}
