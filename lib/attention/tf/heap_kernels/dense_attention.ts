/**
 * Attention as matrix products, for patterns that connect most query–key pairs (dense, or a
 * causal prefix): per batch item and head, S = Q·Kᵀ, P = softmax(scale·S) over the pattern's
 * entries (row softmax in kernels.wasm, a lane mask dropping the rest), O = P·V; backward
 * dV = Pᵀ·dO, dP = dO·Vᵀ, dS = scale·P ⊙ (dP − rowsum(P ⊙ dP)), dQ = dS·K, dK = dSᵀ·Q. The
 * products are multiplyInto's (the machine's BLAS where it has one, else the WASM SIMD matmul),
 * on strided views of the projections where they lie: nothing is gathered or copied.
 *
 * A pattern whose rows reach only part of the keys in bands (a causal one: the first rows see only
 * the first keys) is cut into row tiles, each multiplied only against the span of keys its rows
 * reach (`rowTiles`), when that skips enough of the square.
 *
 * Same inputs, layout and gradient targets as sparse_attention.ts, so the caller chooses by the
 * pattern's fill (`denseAttentionSuits`); the probabilities it keeps are a [batch, heads, nq, nk]
 * tensor, 0 where the pattern has no connection within a tile's span (outside the spans it is
 * never read). Softmax only (α = 1).
 */
import { tf } from "../backend.ts";
import type { CoreLayout, CoreSpec } from "../../sparse_kernel/spec.ts";
import {
  checkGradientTargets,
  prepareCall,
  requireCount,
} from "../../sparse_kernel/simd/core_call.ts";
import type { AttentionGraph } from "../../sparse_kernel/graph.ts";
import { InputError } from "../../../util/errors.ts";
import { addressOf, type Bound, emptyTensor, requireBound, zeroTensors } from "./binding.ts";
import { type MatrixView, multiplyInto, transposed } from "./dense_kernels.ts";

/**
 * What one batch item and head costs forward and backward, in nanoseconds, on either path: the
 * products about PRODUCT_NS_PER_PAIR per query–key pair of their tiles plus PRODUCT_NS_PER_TILE
 * per tile (six library calls and two softmax passes), the sparse kernel about
 * GATHER_NS_PER_CONNECTION per connection. Fitted to timings of both paths on random patterns
 * at n 16, 32 and 128 (head sizes 8 and 16); they cross at a fill near 0.22 at n 128, 0.4 at
 * n 32 and 0.7 at n 16, where the products' fixed cost weighs more.
 */
const PRODUCT_NS_PER_PAIR = 9;
const PRODUCT_NS_PER_TILE = 6000;
const GATHER_NS_PER_CONNECTION = 45;

/** The products path's modelled cost of a graph, cut into its row tiles (ns per item and head). */
export function productsCost(graph: AttentionGraph): number {
  return tilesCost(rowTiles(graph));
}

function tilesCost(tiles: readonly RowTile[]): number {
  const pairs = tiles.reduce((sum, tile) => sum + tile.rows * tile.span, 0);
  return PRODUCT_NS_PER_PAIR * pairs + PRODUCT_NS_PER_TILE * tiles.length;
}

/** The sparse kernel's modelled cost of a graph (ns per item and head). */
export function gathersCost(graph: AttentionGraph): number {
  return GATHER_NS_PER_CONNECTION * graph.keys.length;
}

/** Whether this call runs as matrix products: softmax, and every head cheaper that way. */
export function denseAttentionSuits(spec: CoreSpec): boolean {
  if (spec.alpha !== 1) return false;
  return spec.graphs.every((graph) => productsCost(graph) < gathersCost(graph));
}

/** Rows row0 … row0 + rows − 1, multiplied against keys lo … lo + span − 1. */
export interface RowTile {
  row0: number;
  rows: number;
  lo: number;
  span: number;
}

/** The bands of rows a graph may be cut into. */
const TILES_PER_GRAPH = 4;

/**
 * The row tiles of a graph: TILES_PER_GRAPH bands of rows, each with the span of keys its rows
 * reach, when those spans save more pairs than the extra tiles cost (a causal pattern leaves out
 * 3/8 of the square with four bands); otherwise one tile of every row and key.
 */
export function rowTiles(graph: AttentionGraph): RowTile[] {
  const known = tilesOfGraph.get(graph);
  if (known && known.keys === graph.keys && known.rowStart === graph.rowStart) return known.tiles;
  const tiles = cutIntoRowTiles(graph);
  tilesOfGraph.set(graph, { keys: graph.keys, rowStart: graph.rowStart, tiles });
  return tiles;
}

/** Tiles already cut, with the arrays the graph held then (a graph is cut once). */
const tilesOfGraph = new WeakMap<
  AttentionGraph,
  { keys: Int32Array; rowStart: Int32Array; tiles: RowTile[] }
>();

function cutIntoRowTiles(graph: AttentionGraph): RowTile[] {
  const { numQueries: nq, numKeys: nk } = graph;
  const whole = [{ row0: 0, rows: nq, lo: 0, span: nk }];
  if (nq < 2 * TILES_PER_GRAPH) return whole;
  const tiles: RowTile[] = [];
  let area = 0;
  for (let t = 0; t < TILES_PER_GRAPH; t++) {
    const row0 = Math.floor((t * nq) / TILES_PER_GRAPH);
    const end = Math.floor(((t + 1) * nq) / TILES_PER_GRAPH);
    let lo = nk;
    let hi = 0;
    for (let a = graph.rowStart[row0]; a < graph.rowStart[end]; a++) {
      lo = Math.min(lo, graph.keys[a]);
      hi = Math.max(hi, graph.keys[a] + 1);
    }
    tiles.push({ row0, rows: end - row0, lo, span: hi - lo });
    area += (end - row0) * (hi - lo);
  }
  return area < nq * nk && tilesCost(tiles) < tilesCost(whole) ? tiles : whole;
}

/** The tensors a call reads q, k and v from (possibly one tensor for all three). */
interface Inputs {
  q: tf.Tensor;
  k: tf.Tensor;
  v: tf.Tensor;
}

/** Shapes of one call, checked as the sparse kernel checks them. */
function prepare(inputs: Inputs, layout: CoreLayout, spec: CoreSpec) {
  if (spec.alpha !== 1) {
    throw new InputError(
      "alpha",
      spec.alpha,
      "attention as products computes softmax only (α = 1)",
    );
  }
  const { q, k, v } = inputs;
  const p = prepareCall({ q: q.size, k: k.size, v: v.size }, layout, spec);
  return { bound: requireBound(), p };
}

/** Rows × cols view of a tensor at a flat offset, rows `rowStride` apart. */
function rowsOf(tensor: tf.Tensor, offset: number, rows: number, cols: number, rowStride: number) {
  return { tensor, rows, cols, offset, rowStride, colStride: 1 } as MatrixView;
}

/** Rows row0 … row0 + rows − 1 and columns col0 … col0 + cols − 1 of a view. */
function part(view: MatrixView, row0: number, rows: number, col0: number, cols: number) {
  const offset = view.offset + row0 * view.rowStride + col0 * view.colStride;
  return { ...view, offset, rows, cols } as MatrixView;
}

/** The per-(batch item, head) blocks of one call, as views. */
function blocks(layout: CoreLayout, spec: CoreSpec) {
  const { numQueries: nq, numKeys: nk } = spec.graphs[0];
  const m = spec.headSize;
  const width = spec.heads * m;
  return {
    nq,
    nk,
    query: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, b * nq * layout.qStride + layout.qOffset + h * m, nq, m, layout.qStride),
    key: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, b * nk * layout.kStride + layout.kOffset + h * m, nk, m, layout.kStride),
    value: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, b * nk * layout.vStride + layout.vOffset + h * m, nk, m, layout.vStride),
    output: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, b * nq * width + h * m, nq, m, width),
    probabilities: (tensor: tf.Tensor, b: number, h: number) =>
      rowsOf(tensor, (b * spec.heads + h) * nq * nk, nq, nk, nk),
  };
}

/**
 * The lane masks of the graphs that leave pairs out (int32 −1 kept, 0 dropped; nq × nk each)
 * written into a new block, or none when every graph connects every pair; `use` gets each
 * head's mask address (0: no mask). The block is freed afterwards.
 */
function withMasks<T>(bound: Bound, spec: CoreSpec, use: (maskOf: (h: number) => number) => T): T {
  const { numQueries: nq, numKeys: nk } = spec.graphs[0];
  const partial = [...new Set(spec.graphs)].filter((graph) => graph.keys.length < nq * nk);
  if (partial.length === 0) return use(() => 0);
  const block = bound.backend.wasm._malloc(4 * nq * nk * partial.length);
  try {
    const where = new Map<AttentionGraph, number>();
    partial.forEach((graph, index) => {
      const address = block + 4 * nq * nk * index;
      const lanes = new Int32Array(bound.memory.buffer, address, nq * nk).fill(0);
      for (let i = 0; i < nq; i++) {
        for (let a = graph.rowStart[i]; a < graph.rowStart[i + 1]; a++) {
          lanes[i * nk + graph.keys[a]] = -1;
        }
      }
      where.set(graph, address);
    });
    return use((h) => where.get(spec.graphs[h]) ?? 0);
  } finally {
    bound.backend.wasm._free(block);
  }
}

/**
 * The forward pass: the heads' outputs as a new [batch, numQueries, heads·m] tensor and the
 * probabilities as a new [batch, heads, numQueries, numKeys] tensor (keep it for
 * denseAttentionBackward).
 */
export function denseAttentionForward(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  layout: CoreLayout,
  spec: CoreSpec,
): { out: tf.Tensor3D; probs: tf.Tensor4D } {
  const inputs = { q, k, v };
  const { bound, p } = prepare(inputs, layout, spec);
  const at = blocks(layout, spec);
  const out = emptyTensor([spec.batch, at.nq, p.width]) as tf.Tensor3D;
  const probs = emptyTensor([spec.batch, spec.heads, at.nq, at.nk]) as tf.Tensor4D;
  const tilesOf = spec.graphs.map(rowTiles);
  const probsAddress = addressOf(bound, probs);
  withMasks(bound, spec, (maskOf) => {
    for (let b = 0; b < spec.batch; b++) {
      for (let h = 0; h < spec.heads; h++) {
        const [query, key, value] = [at.query(q, b, h), at.key(k, b, h), at.value(v, b, h)];
        const [scores, output] = [at.probabilities(probs, b, h), at.output(out, b, h)];
        const mask = maskOf(h);
        for (const { row0, rows, lo, span } of tilesOf[h]) {
          const tile = part(scores, row0, rows, lo, span);
          multiplyInto(
            tile,
            part(query, row0, rows, 0, query.cols),
            transposed(part(key, lo, span, 0, key.cols)),
          );
          bound.exports.softmaxRows(
            probsAddress + 4 * tile.offset,
            rows,
            span,
            at.nk,
            spec.scale,
            mask === 0 ? 0 : mask + 4 * (row0 * at.nk + lo),
            at.nk,
          );
          multiplyInto(
            part(output, row0, rows, 0, output.cols),
            tile,
            part(value, lo, span, 0, value.cols),
          );
        }
      }
    }
  });
  return { out, probs };
}

/**
 * Whether the q, k and v column groups of the layout cover every element of their gradient
 * targets (the fused q|k|v projection, q beside k|v), so writing each block once leaves nothing
 * unset; other layouts have their targets zeroed first.
 */
function blocksCoverTargets(layout: CoreLayout, width: number, targets: Inputs): boolean {
  const groups = new Map<tf.Tensor, { stride: number; offsets: number[] }>();
  const add = (tensor: tf.Tensor, offset: number, stride: number) => {
    const group = groups.get(tensor) ?? { stride, offsets: [] };
    if (group.stride !== stride) group.stride = -1;
    group.offsets.push(offset);
    groups.set(tensor, group);
  };
  add(targets.q, layout.qOffset, layout.qStride);
  add(targets.k, layout.kOffset, layout.kStride);
  add(targets.v, layout.vOffset, layout.vStride);
  return [...groups.values()].every(({ stride, offsets }) => {
    const sorted = [...offsets].sort((x, y) => x - y);
    return stride === width * sorted.length && sorted.every((offset, i) => offset === i * width);
  });
}

/**
 * The backward pass from denseAttentionForward's probabilities and the upstream dOut: the
 * gradients of q, k and v written into the target tensors (one tensor may take all three, in
 * disjoint columns of the layout).
 */
export function denseAttentionBackward(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  layout: CoreLayout,
  probs: tf.Tensor,
  dOut: tf.Tensor,
  spec: CoreSpec,
  targets: { dq: tf.Tensor; dk: tf.Tensor; dv: tf.Tensor },
): void {
  const inputs = { q, k, v };
  const { bound, p } = prepare(inputs, layout, spec);
  const at = blocks(layout, spec);
  requireCount("probs.size", probs.size, spec.batch * spec.heads * at.nq * at.nk);
  requireCount("dOut.size", dOut.size, spec.batch * at.nq * p.width);
  const { dq, dk, dv } = targets;
  checkGradientTargets({ dq: dq.size, dk: dk.size, dv: dv.size }, targets, layout, p);
  const tilesOf = spec.graphs.map(rowTiles);
  // keys reached by several row tiles take their gradients as sums: start from zero
  const summed = tilesOf.some((tiles) => tiles.length > 1);
  if (summed || !blocksCoverTargets(layout, p.width, { q: dq, k: dk, v: dv })) {
    zeroTensors(bound, [dq, dk, dv]);
  }
  const scoreGrad = emptyTensor([at.nq, at.nk]);
  try {
    const probsAddress = addressOf(bound, probs);
    const dScores = rowsOf(scoreGrad, 0, at.nq, at.nk, at.nk);
    const add = { accumulate: summed };
    for (let b = 0; b < spec.batch; b++) {
      for (let h = 0; h < spec.heads; h++) {
        const [query, key, value] = [at.query(q, b, h), at.key(k, b, h), at.value(v, b, h)];
        const [dQuery, dKey, dValue] = [at.query(dq, b, h), at.key(dk, b, h), at.value(dv, b, h)];
        const probabilities = at.probabilities(probs, b, h);
        const upstream = at.output(dOut, b, h);
        for (const { row0, rows, lo, span } of tilesOf[h]) {
          const tile = part(probabilities, row0, rows, lo, span);
          const dTile = part(dScores, 0, rows, 0, span);
          const dOutRows = part(upstream, row0, rows, 0, upstream.cols);
          const keys = part(key, lo, span, 0, key.cols);
          const queries = part(query, row0, rows, 0, query.cols);
          multiplyInto(part(dValue, lo, span, 0, dValue.cols), transposed(tile), dOutRows, add);
          multiplyInto(dTile, dOutRows, transposed(part(value, lo, span, 0, value.cols)));
          bound.exports.softmaxRowsBackward(
            probsAddress + 4 * tile.offset,
            at.nk,
            addressOf(bound, scoreGrad),
            at.nk,
            rows,
            span,
            spec.scale,
          );
          multiplyInto(part(dQuery, row0, rows, 0, dQuery.cols), dTile, keys, add);
          multiplyInto(part(dKey, lo, span, 0, dKey.cols), transposed(dTile), queries, add);
        }
      }
    }
  } finally {
    scoreGrad.dispose();
  }
}
