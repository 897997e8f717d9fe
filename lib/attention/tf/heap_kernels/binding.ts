/**
 * The heap kernels' WebAssembly modules bound to TensorFlow.js's wasm backend: kernels.wasm
 * (built from kernels.as by `deno task build-wasm`: the dense matrix product, LayerNorm, the
 * softmax cross-entropy) and sparse_core.wasm (the sparse attention core,
 * ../../sparse_kernel/simd/core.as, compiled a second time) both import the backend's memory,
 * so they read and write tensors where the backend keeps them. Here: binding the modules to the
 * backend instance, byte addresses of tensors, reusable blocks of that memory and new tensors
 * whose values the kernels write.
 *
 * Available only on the wasm backend of an engine with relaxed SIMD (`heapKernelsAvailable`);
 * elsewhere callers use their tfjs or JavaScript paths.
 */
import { tf } from "../backend.ts";
import { InputError } from "../../../util/errors.ts";
import { pathFromUrl } from "../../../util/system.ts";
import type { SparseCoreEntryPoints } from "../../sparse_kernel/simd/core_call.ts";

/** The entry points of kernels.wasm (arguments are numbers and byte addresses). */
export interface KernelExports {
  scratchBytes(columns: number): number;
  matmul(...args: number[]): void;
  columnSums(src: number, rows: number, ld: number, cols: number, out: number): void;
  reluGate(dy: number, y: number, count: number, out: number): void;
  layerNormForward(...args: number[]): void;
  layerNormBackward(...args: number[]): void;
  softmaxCrossEntropy(...args: number[]): number;
  scaleInPlace(x: number, count: number, s: number): void;
  softmaxRows(...args: number[]): void;
  softmaxRowsBackward(...args: number[]): void;
  biasRelu(c: number, rows: number, cols: number, ld: number, bias: number, relu: number): void;
}

/** What the kernels use of tfjs-backend-wasm's instance (not part of its typed API). */
interface WasmBackendInternals {
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(address: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}

const HEAP_KERNELS_WASM_PATH = pathFromUrl("./kernels.wasm", import.meta.url);
/** The sparse attention core (../../sparse_kernel/simd/core.as) built to import the same memory. */
const SPARSE_CORE_ON_HEAP_WASM_PATH = pathFromUrl("./sparse_core.wasm", import.meta.url);

/** A block of the backend's memory reused from call to call. */
export interface HeapBlock {
  address: number;
  bytes: number;
}

/** Both modules instantiated on one backend's memory. */
export interface Bound {
  backend: WasmBackendInternals;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  sparseCore: SparseCoreEntryPoints;
  /** The matmul's packing scratch. */
  scratch: HeapBlock;
  /** Where a call's int32 labels and float32 weights are written. */
  rowData: HeapBlock;
}

/** The module bound to one backend instance (a new backend, after a reset, binds anew). */
let bound: Bound | undefined;
let unavailable = false;

function wasmBackend(): WasmBackendInternals | undefined {
  if (tf.getBackend() !== "wasm") return undefined;
  const backend = tf.backend() as unknown as Partial<WasmBackendInternals>;
  const memory = backend.wasm?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || !backend.dataIdMap || !backend.makeOutput) {
    return undefined;
  }
  return backend as WasmBackendInternals;
}

function bind(): Bound | undefined {
  const backend = wasmBackend();
  if (backend === undefined || unavailable) return undefined;
  if (bound?.backend === backend) return bound;
  try {
    const memory = backend.wasm.asm!.memory!;
    const instantiate = (path: string) =>
      new WebAssembly.Instance(new WebAssembly.Module(Deno.readFileSync(path)), {
        env: {
          memory,
          abort: () => {
            throw new Error(`${path} aborted`);
          },
        },
      }).exports;
    bound = {
      backend,
      memory,
      exports: instantiate(HEAP_KERNELS_WASM_PATH) as unknown as KernelExports,
      sparseCore: instantiate(SPARSE_CORE_ON_HEAP_WASM_PATH) as unknown as SparseCoreEntryPoints,
      scratch: { address: 0, bytes: 0 },
      rowData: { address: 0, bytes: 0 },
    };
    return bound;
  } catch {
    // an engine without relaxed SIMD rejects the module: tfjs's matmul serves instead
    unavailable = true;
    return undefined;
  }
}

/** Whether the heap kernels can run (the wasm backend, an engine with relaxed SIMD). */
export function heapKernelsAvailable(): boolean {
  return bind() !== undefined;
}

/** The modules bound to the current backend, or an InputError naming the backend. */
export function requireBound(): Bound {
  const b = bind();
  if (b === undefined) {
    throw new InputError("backend", tf.getBackend(), "the heap kernels need the wasm backend");
  }
  return b;
}

/** Byte address of a float32 tensor's first element in the backend's memory. */
export function addressOf(b: Bound, tensor: tf.Tensor): number {
  if (tensor.dtype !== "float32") {
    throw new InputError("tensor.dtype", tensor.dtype, 'expected "float32"');
  }
  const info = b.backend.dataIdMap.get(tensor.dataId);
  if (info === undefined) throw new InputError("tensor", tensor.id, "is disposed");
  return info.memoryOffset;
}

/** The block's address, grown (freed and allocated anew) when it holds fewer than `bytes`. */
export function atLeast(b: Bound, block: HeapBlock, bytes: number): number {
  if (bytes > block.bytes) {
    if (block.address !== 0) b.backend.wasm._free(block.address);
    block.address = b.backend.wasm._malloc(bytes);
    block.bytes = bytes;
  }
  return block.address;
}

/** Sets every value of these float32 tensors (each once, however often it is listed) to 0. */
export function zeroTensors(b: Bound, tensors: readonly tf.Tensor[]): void {
  for (const tensor of new Set(tensors)) {
    new Float32Array(b.memory.buffer, addressOf(b, tensor), tensor.size).fill(0);
  }
}

/** A new float32 tensor of this shape in the backend's memory (values unset: write them all). */
export function emptyTensor(shape: number[]): tf.Tensor {
  const b = requireBound();
  const info = b.backend.makeOutput(shape, "float32");
  return tf.engine().makeTensorFromTensorInfo(info, tf.backend()) as tf.Tensor;
}
