/**
 * The float32 SIMD sparse attention core: the same forward and backward passes as the float64
 * core (../forward.ts, ../backward.ts), for softmax (α = 1), computed by a small WebAssembly
 * module (core.wasm, built from core.as by `deno task build-wasm`) with f32x4 instructions.
 * The float64 core stays the reference it is tested against.
 *
 * Each call copies its inputs into the module's memory (q, k and v once per distinct array,
 * so a fused q|k|v projection is copied once), runs, and copies the results out into the
 * caller's arrays; the module's memory grows to the largest call seen and is reused. Arithmetic
 * is float32 throughout: probabilities, outputs and gradients agree with the float64 core to
 * float32 rounding (the tests state the tolerances).
 *
 * Long rows (a star's relay query, over 64 keys) sweep their keys once over all columns; when
 * the heads share one graph, once for every head at once, as the float64 core does.
 */
import { InputError } from "../../../util/errors.ts";
import { pathFromUrl } from "../../../util/system.ts";
import { maxRowSize } from "../graph.ts";
import {
  compactLayout,
  type CoreLayout,
  type CoreSpec,
  outputSize,
  sharesOneGraph,
  validateCoreSpec,
} from "../spec.ts";

interface CoreExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  forward(...args: number[]): void;
  backward(...args: number[]): void;
}

export const SIMD_WASM_PATH = pathFromUrl("./core.wasm", import.meta.url);

let instance: CoreExports | undefined;

function wasmCore(): CoreExports {
  if (instance === undefined) {
    const module = new WebAssembly.Module(Deno.readFileSync(SIMD_WASM_PATH));
    instance = new WebAssembly.Instance(module, {}).exports as unknown as CoreExports;
  }
  return instance;
}

/** Whether the SIMD core computes this spec's probability map (softmax only). */
export function simdSupports(spec: CoreSpec): boolean {
  return spec.alpha === 1;
}

/** Bump allocation in the module's memory, 16-byte aligned, grown to fit before any view. */
class Arena {
  private top: number;
  constructor(private readonly core: CoreExports) {
    this.top = align(core.heapBase());
  }
  take(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes);
    return at;
  }
  /** Grows the memory to hold everything taken; views made before this are invalid after. */
  commit(): ArrayBufferLike {
    const memory = this.core.memory;
    const missing = this.top - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
    return memory.buffer;
  }
}

export function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

function requireFloat32(name: string, array: unknown): Float32Array {
  if (!(array instanceof Float32Array)) {
    throw new InputError(name, array?.constructor?.name ?? array, "expected a Float32Array");
  }
  return array;
}

function requireLength(name: string, array: Float32Array, length: number): void {
  if (array.length !== length) {
    throw new InputError(`${name}.length`, array.length, `expected ${length}`);
  }
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

/** The module's addresses of each distinct array in `arrays` (one copy per array object). */
function placeArrays(arena: Arena, arrays: Float32Array[]): Map<Float32Array, number> {
  const places = new Map<Float32Array, number>();
  for (const array of arrays) {
    if (!places.has(array)) places.set(array, arena.take(4 * array.length));
  }
  return places;
}

export interface Prepared {
  spec: CoreSpec;
  heads: number;
  width: number;
  numQueries: number;
  numKeys: number;
  probCount: number;
  probsPerItem: number;
  longest: number;
}

/**
 * Checks a call (a softmax spec, every layout row inside its array of the given length) and
 * returns its sizes; the core's memory (its own or an imported one) is the caller's business.
 */
export function prepareCall(
  lengths: { q: number; k: number; v: number },
  layout: CoreLayout,
  spec: CoreSpec,
): Prepared {
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
  return {
    spec,
    heads,
    width,
    numQueries,
    numKeys,
    probCount: batch * probsPerItem,
    probsPerItem,
    longest: Math.max(16, ...spec.graphs.map(maxRowSize)),
  };
}

/**
 * Lays every distinct graph array and the head table out from `take` (an allocator of byte
 * addresses); `write` fills them into a memory's buffer. Returns the table's address.
 */
export function placeGraphs(take: (bytes: number) => number, spec: CoreSpec) {
  const headOffset = validateCoreSpec(spec);
  const graphs = new Map<Int32Array, number>();
  for (const graph of spec.graphs) {
    if (!graphs.has(graph.rowStart)) {
      graphs.set(graph.rowStart, take(4 * graph.rowStart.length));
    }
    if (!graphs.has(graph.keys)) graphs.set(graph.keys, take(4 * graph.keys.length));
  }
  const table = take(12 * spec.heads);
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
  let bytes = 0;
  placeGraphs((size) => {
    const at = bytes;
    bytes = align(bytes + size);
    return at;
  }, spec);
  return bytes;
}

function copyIn(buffer: ArrayBufferLike, places: Map<Float32Array, number>): void {
  for (const [array, at] of places) new Float32Array(buffer, at, array.length).set(array);
}

export function layoutArgs(layout: CoreLayout): number[] {
  const { qOffset, qStride, kOffset, kStride, vOffset, vStride } = layout;
  return [qOffset, qStride, kOffset, kStride, vOffset, vStride];
}

export function shapeArgs(p: Prepared): number[] {
  const { batch, heads, headSize, scale } = p.spec;
  return [batch, heads, headSize, p.numQueries, p.numKeys, scale];
}

/**
 * The forward pass (softmax): writes the heads' outputs (compact, batch × numQueries × heads·m)
 * into `out` and the probabilities of every row into `probs` (coreProbabilityCount long), as
 * coreForwardInto does, in float32.
 */
export function simdCoreForwardInto(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  layout: CoreLayout,
  spec: CoreSpec,
  out: Float32Array,
  probs: Float32Array,
): void {
  [q, k, v, out, probs].forEach((array, i) =>
    requireFloat32(["q", "k", "v", "out", "probs"][i], array)
  );
  const p = prepareCall({ q: q.length, k: k.length, v: v.length }, layout, spec);
  requireLength("out", out, outputSize(spec, "numQueries"));
  requireLength("probs", probs, p.probCount);
  const core = wasmCore();
  const arena = new Arena(core);
  const inputs = placeArrays(arena, [q, k, v]);
  const graphs = placeGraphs((bytes) => arena.take(bytes), spec);
  const probsAt = arena.take(4 * p.probCount);
  const outAt = arena.take(4 * out.length);
  const scoresAt = arena.take(4 * p.heads * (p.longest + 1));
  const buffer = arena.commit();
  copyIn(buffer, inputs);
  graphs.write(buffer);
  core.forward(
    inputs.get(q)!,
    inputs.get(k)!,
    inputs.get(v)!,
    ...layoutArgs(layout),
    ...shapeArgs(p),
    graphs.table,
    p.probsPerItem,
    probsAt,
    outAt,
    scoresAt,
    sharesOneGraph(spec) ? 1 : 0,
  );
  const memory = core.memory.buffer;
  out.set(new Float32Array(memory, outAt, out.length));
  probs.set(new Float32Array(memory, probsAt, p.probCount));
}

/** Where the backward pass writes dq, dk and dv (one fused array may serve all three). */
export interface SimdGradientTargets {
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
}

/**
 * The backward pass (softmax) from the forward pass's probabilities and the upstream gradient
 * dOut (compact): writes dq, dk and dv at the positions `layout` gives q, k and v, as
 * coreBackwardInto does, in float32. A target array's positions outside the layout are zeroed;
 * gradients sharing one target array must occupy disjoint columns (InputError otherwise).
 */
export function simdCoreBackwardInto(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  layout: CoreLayout,
  probs: Float32Array,
  dOut: Float32Array,
  spec: CoreSpec,
  targets: SimdGradientTargets,
): void {
  const names = ["q", "k", "v", "probs", "dOut", "dq", "dk", "dv"];
  [q, k, v, probs, dOut, targets.dq, targets.dk, targets.dv].forEach((array, i) =>
    requireFloat32(names[i], array)
  );
  const p = prepareCall({ q: q.length, k: k.length, v: v.length }, layout, spec);
  requireLength("probs", probs, p.probCount);
  requireLength("dOut", dOut, outputSize(spec, "numQueries"));
  checkLayout(
    "dq",
    targets.dq.length,
    layout.qOffset,
    layout.qStride,
    spec.batch * p.numQueries,
    p.width,
  );
  checkLayout(
    "dk",
    targets.dk.length,
    layout.kOffset,
    layout.kStride,
    spec.batch * p.numKeys,
    p.width,
  );
  checkLayout(
    "dv",
    targets.dv.length,
    layout.vOffset,
    layout.vStride,
    spec.batch * p.numKeys,
    p.width,
  );
  checkDisjointTargets(layout, targets, p.width);
  const core = wasmCore();
  const arena = new Arena(core);
  const inputs = placeArrays(arena, [q, k, v]);
  const outputs = placeArrays(arena, [targets.dq, targets.dk, targets.dv]);
  const graphs = placeGraphs((bytes) => arena.take(bytes), spec);
  const probsAt = arena.take(4 * p.probCount);
  const dOutAt = arena.take(4 * dOut.length);
  const dpAt = arena.take(4 * p.heads * (p.longest + 1));
  const buffer = arena.commit();
  copyIn(buffer, inputs);
  graphs.write(buffer);
  new Float32Array(buffer, probsAt, p.probCount).set(probs);
  new Float32Array(buffer, dOutAt, dOut.length).set(dOut);
  for (const [array, at] of outputs) new Float32Array(buffer, at, array.length).fill(0);
  core.backward(
    inputs.get(q)!,
    inputs.get(k)!,
    inputs.get(v)!,
    ...layoutArgs(layout),
    ...shapeArgs(p),
    graphs.table,
    p.probsPerItem,
    probsAt,
    dOutAt,
    outputs.get(targets.dq)!,
    outputs.get(targets.dk)!,
    outputs.get(targets.dv)!,
    dpAt,
    sharesOneGraph(spec) ? 1 : 0,
  );
  const memory = core.memory.buffer;
  for (const [array, at] of outputs) array.set(new Float32Array(memory, at, array.length));
}

/** The SIMD core on compact float32 arrays (tests, benchmarks). */
export function simdCoreForward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  spec: CoreSpec,
): { out: Float32Array; probs: Float32Array } {
  const out = new Float32Array(outputSize(spec, "numQueries"));
  const probs = new Float32Array(spec.batch * validateCoreSpec(spec)[spec.heads]);
  simdCoreForwardInto(q, k, v, compactLayout(spec), spec, out, probs);
  return { out, probs };
}

/** Gradients on compact float32 arrays (tests, benchmarks). */
export function simdCoreBackward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  probs: Float32Array,
  dOut: Float32Array,
  spec: CoreSpec,
): SimdGradientTargets {
  const dq = new Float32Array(outputSize(spec, "numQueries"));
  const dk = new Float32Array(outputSize(spec, "numKeys"));
  const dv = new Float32Array(outputSize(spec, "numKeys"));
  simdCoreBackwardInto(q, k, v, compactLayout(spec), probs, dOut, spec, { dq, dk, dv });
  return { dq, dk, dv };
}
