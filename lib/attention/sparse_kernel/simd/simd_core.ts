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
import {
  backwardOnCompactArrays,
  type CoreLayout,
  type CoreSpec,
  forwardOnCompactArrays,
  outputSize,
} from "../spec.ts";
import {
  BumpAllocator,
  callBackward,
  callForward,
  checkGradientTargets,
  placeGraphs,
  prepareCall,
  requireCount,
  type SparseCoreEntryPoints,
} from "./core_call.ts";

interface CoreExports extends SparseCoreEntryPoints {
  memory: WebAssembly.Memory;
  heapBase(): number;
}

const SIMD_WASM_PATH = pathFromUrl("./core.wasm", import.meta.url);

let instance: CoreExports | undefined;

function wasmCore(): CoreExports {
  if (instance === undefined) {
    const module = new WebAssembly.Module(Deno.readFileSync(SIMD_WASM_PATH));
    instance = new WebAssembly.Instance(module, {}).exports as unknown as CoreExports;
  }
  return instance;
}

/** Bump allocation in the module's memory above its own data, grown to fit before any view. */
class Arena extends BumpAllocator {
  constructor(private readonly core: CoreExports) {
    super(core.heapBase());
  }
  /** Grows the memory to hold everything taken; views made before this are invalid after. */
  commit(): ArrayBufferLike {
    const memory = this.core.memory;
    const missing = this.top - memory.buffer.byteLength;
    if (missing > 0) memory.grow(Math.ceil(missing / 65536));
    return memory.buffer;
  }
}

/** Checks that every named array is a Float32Array, in the order given. */
function requireFloat32Arrays(arrays: Record<string, unknown>): void {
  for (const [name, array] of Object.entries(arrays)) {
    if (!(array instanceof Float32Array)) {
      throw new InputError(name, array?.constructor?.name ?? array, "expected a Float32Array");
    }
  }
}

/** The module's addresses of each distinct array in `arrays` (one copy per array object). */
function placeArrays(arena: Arena, arrays: readonly Float32Array[]): Map<Float32Array, number> {
  const places = new Map<Float32Array, number>();
  for (const array of arrays) {
    if (!places.has(array)) places.set(array, arena.take(4 * array.length));
  }
  return places;
}

/**
 * One call's memory: q, k and v (once per distinct array), then the gradient targets (once per
 * distinct array; none for a forward pass), then the graphs and head table. `commit` grows the
 * memory and writes the inputs and graphs into it; more blocks may be taken before it.
 */
function layOutCall(
  spec: CoreSpec,
  inputs: readonly [q: Float32Array, k: Float32Array, v: Float32Array],
  targets: Float32Array[],
) {
  const core = wasmCore();
  const arena = new Arena(core);
  const inputPlaces = placeArrays(arena, inputs);
  const targetPlaces = placeArrays(arena, targets);
  const graphs = placeGraphs(arena, spec);
  const commit = (): ArrayBufferLike => {
    const buffer = arena.commit();
    for (const [array, at] of inputPlaces) new Float32Array(buffer, at, array.length).set(array);
    graphs.write(buffer);
    return buffer;
  };
  const [q, k, v] = inputs.map((array) => inputPlaces.get(array)!);
  return {
    core,
    arena,
    commit,
    addresses: { q, k, v, table: graphs.table },
    targets: targetPlaces,
  };
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
  requireFloat32Arrays({ q, k, v, out, probs });
  const p = prepareCall({ q: q.length, k: k.length, v: v.length }, layout, spec);
  requireCount("out.length", out.length, outputSize(spec, "numQueries"));
  requireCount("probs.length", probs.length, p.probCount);
  const call = layOutCall(spec, [q, k, v], []);
  const probsAt = call.arena.take(4 * p.probCount);
  const outAt = call.arena.take(4 * out.length);
  const scratch = call.arena.take(p.scratchBytes);
  call.commit();
  callForward(call.core, p, layout, { ...call.addresses, probs: probsAt, out: outAt, scratch });
  const memory = call.core.memory.buffer;
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
  const { dq, dk, dv } = targets;
  requireFloat32Arrays({ q, k, v, probs, dOut, dq, dk, dv });
  const p = prepareCall({ q: q.length, k: k.length, v: v.length }, layout, spec);
  requireCount("probs.length", probs.length, p.probCount);
  requireCount("dOut.length", dOut.length, outputSize(spec, "numQueries"));
  checkGradientTargets({ dq: dq.length, dk: dk.length, dv: dv.length }, targets, layout, p);
  const call = layOutCall(spec, [q, k, v], [dq, dk, dv]);
  const probsAt = call.arena.take(4 * p.probCount);
  const dOutAt = call.arena.take(4 * dOut.length);
  const scratch = call.arena.take(p.scratchBytes);
  const buffer = call.commit();
  new Float32Array(buffer, probsAt, p.probCount).set(probs);
  new Float32Array(buffer, dOutAt, dOut.length).set(dOut);
  for (const [array, at] of call.targets) new Float32Array(buffer, at, array.length).fill(0);
  callBackward(call.core, p, layout, {
    ...call.addresses,
    probs: probsAt,
    dOut: dOutAt,
    dq: call.targets.get(dq)!,
    dk: call.targets.get(dk)!,
    dv: call.targets.get(dv)!,
    scratch,
  });
  const memory = call.core.memory.buffer;
  for (const [array, at] of call.targets) array.set(new Float32Array(memory, at, array.length));
}

/** The SIMD core on compact float32 arrays (tests, benchmarks). */
export function simdCoreForward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  spec: CoreSpec,
): { out: Float32Array; probs: Float32Array } {
  return forwardOnCompactArrays(
    Float32Array,
    spec,
    (layout, out, probs) => simdCoreForwardInto(q, k, v, layout, spec, out, probs),
  );
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
  return backwardOnCompactArrays(
    Float32Array,
    spec,
    (layout, targets) => simdCoreBackwardInto(q, k, v, layout, probs, dOut, spec, targets),
  );
}
