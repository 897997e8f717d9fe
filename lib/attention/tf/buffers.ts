/**
 * Typed arrays reused from step to step by the sparse core and the linear layers. A fresh
 * multi-megabyte array pays page faults before its first use (measured at about 4 ms per MB
 * while profiling `deno task bench`), a reused one almost nothing; without the pool a step at
 * n = 4096 allocates ≈ 15 MB of fresh arrays, more time than its arithmetic.
 *
 * Rules that keep reuse safe:
 * - `take` returns an array with stale contents: the taker writes every element.
 * - An array goes back (`give`) only when nothing reads it any more. A tensor made from an
 *   array copies it on the wasm backend but keeps the array itself on the cpu backend, so
 *   `tensorFrom` gives an array back only on wasm.
 * - Reading a tensor (`readTensor`) copies straight out of the wasm heap into a pooled array
 *   (tfjs's dataSync allocates a fresh one every time); on cpu it returns the backend's own
 *   array, which the caller must only read.
 */
import { tf } from "./backend.ts";

type Floats = Float32Array | Float64Array;

/** At most this many bytes wait in the pool; the oldest arrays go first. */
const POOL_BYTES = 256 * 2 ** 20;

const free: Floats[] = [];
let freeBytes = 0;

function take<T extends Floats>(kind: new (length: number) => T, length: number): T {
  for (let i = free.length - 1; i >= 0; i--) {
    const array = free[i];
    if (array.length === length && array instanceof kind) {
      free.splice(i, 1);
      freeBytes -= array.byteLength;
      return array;
    }
  }
  return new kind(length);
}

export const takeFloat32 = (length: number): Float32Array => take(Float32Array, length);
export const takeFloat64 = (length: number): Float64Array => take(Float64Array, length);

/** Returns arrays nobody reads any more to the pool. */
export function give(...arrays: Floats[]): void {
  for (const array of arrays) {
    if (array.byteLength > POOL_BYTES || free.includes(array)) continue;
    free.push(array);
    freeBytes += array.byteLength;
    while (freeBytes > POOL_BYTES) freeBytes -= free.shift()!.byteLength;
  }
}

function onWasm(): boolean {
  return tf.getBackend() === "wasm";
}

interface WasmBackendView {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

/**
 * A float32 tensor's values. On wasm: copied into a pooled array (give it back when done);
 * elsewhere: the backend's array (`pooled` false: read it, never give it back).
 */
export function readTensor(tensor: tf.Tensor): { values: Float32Array; pooled: boolean } {
  if (onWasm() && tensor.dtype === "float32") {
    const backend = tf.backend() as unknown as Partial<WasmBackendView>;
    const info = backend.dataIdMap?.get(tensor.dataId);
    const heap = backend.wasm?.HEAPU8;
    if (info && heap) {
      const values = takeFloat32(tensor.size);
      values.set(new Float32Array(heap.buffer, heap.byteOffset + info.memoryOffset, tensor.size));
      return { values, pooled: true };
    }
  }
  return { values: tensor.dataSync() as Float32Array, pooled: false };
}

/** Copies a float32 tensor's values into `target` from `offset` on (on wasm, straight out of the heap). */
export function copyTensorInto(tensor: tf.Tensor, target: Float32Array, offset = 0): void {
  if (onWasm() && tensor.dtype === "float32") {
    const backend = tf.backend() as unknown as Partial<WasmBackendView>;
    const info = backend.dataIdMap?.get(tensor.dataId);
    const heap = backend.wasm?.HEAPU8;
    if (info && heap) {
      target.set(
        new Float32Array(heap.buffer, heap.byteOffset + info.memoryOffset, tensor.size),
        offset,
      );
      return;
    }
  }
  target.set(tensor.dataSync() as Float32Array, offset);
}

/** A float32 tensor of `values`; on wasm the array goes back to the pool at once. */
export function tensorFrom<R extends tf.Rank>(values: Float32Array, shape: number[]): tf.Tensor<R> {
  const tensor = tf.tensor(values, shape as tf.ShapeMap[R], "float32") as tf.Tensor<R>;
  if (onWasm()) give(values);
  return tensor;
}

/** A float32 array to fill and hand to tensorFrom: pooled on wasm, fresh elsewhere. */
export function outputArray(length: number): Float32Array {
  return onWasm() ? takeFloat32(length) : new Float32Array(length);
}
