/**
 * What a call of the SIMD sparse core (core.as) takes, whichever memory the module runs in —
 * its own (simd_core.ts) or TensorFlow.js's wasm heap (../../tf/heap_kernels/): the checks and
 * sizes of a call, the graphs and head table laid out in the module's memory, and the argument
 * lists of the module's forward and backward entry points, written here once for both builds.
 */
import { InputError } from "../../../util/errors.ts";
import { maxRowSize } from "../graph.ts";
import { type CoreLayout, type CoreSpec, sharesOneGraph, validateCoreSpec } from "../spec.ts";

/** The entry points every build of core.as exports (arguments are numbers and byte addresses). */
export interface SparseCoreEntryPoints {
  forward(...args: number[]): void;
  backward(...args: number[]): void;
}

/** Whether the SIMD core computes this spec's probability map (softmax only). */
export function simdSupports(spec: CoreSpec): boolean {
  return spec.alpha === 1;
}

/** `bytes` rounded up to the module's 16-byte alignment. */
export function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** Hands out 16-byte-aligned byte ranges one after another, from an aligned start. */
export class BumpAllocator {
  /** The first free byte: everything taken so far lies below it. */
  top: number;
  constructor(start: number) {
    this.top = align(start);
  }
  take(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes);
    return at;
  }
}

/** An InputError unless `actual` (the named array's length or size) equals `expected`. */
export function requireCount(name: string, actual: number, expected: number): void {
  if (actual !== expected) throw new InputError(name, actual, `expected ${expected}`);
}

/** Checks that every token's row of the layout lies inside an array of `length` floats. */
export function checkLayout(
  name: string,
  length: number,
  offset: number,
  stride: number,
  tokens: number,
  width: number,
): void {
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(stride) || stride < width) {
    throw new InputError(
      `${name} layout`,
      { offset, stride },
      `expected offset ≥ 0, stride ≥ ${width}`,
    );
  }
  const end = offset + (tokens - 1) * stride + width;
  if (end > length) {
    throw new InputError(`${name}.length`, length, `the layout reads up to ${end}`);
  }
}

/**
 * Key and value gradients accumulate in place, so gradients sharing one target array must
 * occupy disjoint columns of the same token stride (as in a fused q|k|v or k|v array).
 */
export function checkDisjointTargets(
  layout: CoreLayout,
  targets: { dq: object; dk: object; dv: object },
  width: number,
) {
  const roles = [
    { name: "dq", array: targets.dq, offset: layout.qOffset, stride: layout.qStride },
    { name: "dk", array: targets.dk, offset: layout.kOffset, stride: layout.kStride },
    { name: "dv", array: targets.dv, offset: layout.vOffset, stride: layout.vStride },
  ];
  for (let a = 0; a < roles.length; a++) {
    for (let b = a + 1; b < roles.length; b++) {
      const [x, y] = [roles[a], roles[b]];
      if (x.array !== y.array) continue;
      if (x.stride !== y.stride || Math.abs(x.offset - y.offset) < width) {
        throw new InputError(
          `${x.name} and ${y.name}`,
          "one array",
          "gradients sharing an array need the same stride and disjoint columns",
        );
      }
    }
  }
}

/** A checked call's sizes (prepareCall). */
export interface PreparedCall {
  spec: CoreSpec;
  heads: number;
  width: number;
  numQueries: number;
  numKeys: number;
  probCount: number;
  probsPerItem: number;
  longest: number;
  /** Bytes of the per-row scratch the core's forward and backward passes need. */
  scratchBytes: number;
}

/**
 * Checks a call (a softmax spec, every layout row inside its array of the given length) and
 * returns its sizes; the core's memory (its own or an imported one) is the caller's business.
 */
export function prepareCall(
  lengths: { q: number; k: number; v: number },
  layout: CoreLayout,
  spec: CoreSpec,
): PreparedCall {
  const headOffset = validateCoreSpec(spec);
  if (!simdSupports(spec)) {
    throw new InputError("alpha", spec.alpha, "the SIMD core computes softmax only (α = 1)");
  }
  const { batch, heads, headSize } = spec;
  const { numQueries, numKeys } = spec.graphs[0];
  const width = heads * headSize;
  checkLayout("q", lengths.q, layout.qOffset, layout.qStride, batch * numQueries, width);
  checkLayout("k", lengths.k, layout.kOffset, layout.kStride, batch * numKeys, width);
  checkLayout("v", lengths.v, layout.vOffset, layout.vStride, batch * numKeys, width);
  const probsPerItem = headOffset[heads];
  const longest = Math.max(16, ...spec.graphs.map(maxRowSize));
  return {
    spec,
    heads,
    width,
    numQueries,
    numKeys,
    probCount: batch * probsPerItem,
    probsPerItem,
    longest,
    scratchBytes: 4 * heads * (longest + 1),
  };
}

/**
 * Checks the backward pass's targets: each gradient's layout rows inside its array of the
 * given length, and gradients sharing one array in disjoint columns.
 */
export function checkGradientTargets(
  lengths: { dq: number; dk: number; dv: number },
  targets: { dq: object; dk: object; dv: object },
  layout: CoreLayout,
  p: PreparedCall,
): void {
  const queries = p.spec.batch * p.numQueries;
  const keys = p.spec.batch * p.numKeys;
  checkLayout("dq", lengths.dq, layout.qOffset, layout.qStride, queries, p.width);
  checkLayout("dk", lengths.dk, layout.kOffset, layout.kStride, keys, p.width);
  checkLayout("dv", lengths.dv, layout.vOffset, layout.vStride, keys, p.width);
  checkDisjointTargets(layout, targets, p.width);
}

/**
 * Lays every distinct graph array and the head table out from `allocator`; `write` fills them
 * into a memory's buffer. Returns the table's address with it.
 */
export function placeGraphs(allocator: BumpAllocator, spec: CoreSpec) {
  const headOffset = validateCoreSpec(spec);
  const graphs = new Map<Int32Array, number>();
  for (const graph of spec.graphs) {
    if (!graphs.has(graph.rowStart)) {
      graphs.set(graph.rowStart, allocator.take(4 * graph.rowStart.length));
    }
    if (!graphs.has(graph.keys)) graphs.set(graph.keys, allocator.take(4 * graph.keys.length));
  }
  const table = allocator.take(12 * spec.heads);
  const write = (buffer: ArrayBufferLike) => {
    for (const [array, at] of graphs) new Int32Array(buffer, at, array.length).set(array);
    const entries = new Int32Array(buffer, table, 3 * spec.heads);
    spec.graphs.forEach((graph, h) => {
      entries[3 * h] = graphs.get(graph.rowStart)!;
      entries[3 * h + 1] = graphs.get(graph.keys)!;
      entries[3 * h + 2] = headOffset[h];
    });
  };
  return { table, write };
}

/** Bytes of graph arrays and head table placeGraphs lays out (16-byte alignment included). */
export function graphBytes(spec: CoreSpec): number {
  const allocator = new BumpAllocator(0);
  placeGraphs(allocator, spec);
  return allocator.top;
}

/** The byte addresses of q, k and v, the head table and the probabilities, for either pass. */
export interface CallAddresses {
  q: number;
  k: number;
  v: number;
  table: number;
  probs: number;
  /** The per-row scratch (PreparedCall.scratchBytes). */
  scratch: number;
}

/** Where a forward call reads and writes. */
export interface ForwardAddresses extends CallAddresses {
  out: number;
}

/** Where a backward call reads and writes. */
export interface BackwardAddresses extends CallAddresses {
  dOut: number;
  dq: number;
  dk: number;
  dv: number;
}

/** The arguments that open both entry points' lists: inputs, layout, shape, graphs. */
function leadingArgs(p: PreparedCall, layout: CoreLayout, at: CallAddresses): number[] {
  const { batch, heads, headSize, scale } = p.spec;
  const { qOffset, qStride, kOffset, kStride, vOffset, vStride } = layout;
  return [
    ...[at.q, at.k, at.v],
    ...[qOffset, qStride, kOffset, kStride, vOffset, vStride],
    ...[batch, heads, headSize, p.numQueries, p.numKeys, scale],
    at.table,
    p.probsPerItem,
    at.probs,
  ];
}

/** Runs the module's forward pass: outputs to `at.out`, probabilities to `at.probs`. */
export function callForward(
  core: SparseCoreEntryPoints,
  p: PreparedCall,
  layout: CoreLayout,
  at: ForwardAddresses,
): void {
  const shared = sharesOneGraph(p.spec) ? 1 : 0;
  core.forward(...leadingArgs(p, layout, at), at.out, at.scratch, shared);
}

/**
 * Runs the module's backward pass: dq stored row by row at `at.dq`, key and value gradients
 * accumulated at `at.dk` and `at.dv` (which must hold zeros on entry).
 */
export function callBackward(
  core: SparseCoreEntryPoints,
  p: PreparedCall,
  layout: CoreLayout,
  at: BackwardAddresses,
): void {
  const shared = sharesOneGraph(p.spec) ? 1 : 0;
  core.backward(...leadingArgs(p, layout, at), at.dOut, at.dq, at.dk, at.dv, at.scratch, shared);
}
