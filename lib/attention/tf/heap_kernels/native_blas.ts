/**
 * The machine's own BLAS for the heap's matrix products, where it has one: Debian's OpenBLAS
 * (`libopenblas.so.0`, package libopenblas0), opened through Deno's FFI and called with pointers
 * into TensorFlow.js's wasm memory, so the operands are read and the result written where the
 * tensors lie (no copy). One thread: a sweep already runs one process per core. OpenBLAS reaches
 * about twice the rate 128-bit WASM lanes allow.
 *
 * Used only where it can be: the library opens (FFI allowed, the package installed), and
 * LAB_NATIVE_BLAS is not "off". Elsewhere, and for products it does not take (an operand whose
 * both strides exceed 1), the WASM SIMD matmul runs as before. Both are tested
 * against the float64 reference.
 */

/** Row-major; an operand as stored, or transposed (CBLAS enum values). */
const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32", // layout
      "i32", // transA
      "i32", // transB
      "i32", // M
      "i32", // N
      "i32", // K
      "f32", // alpha
      "usize", // A (an address: see memoryAddress)
      "i32", // lda
      "usize", // B
      "i32", // ldb
      "f32", // beta
      "usize", // C
      "i32", // ldc
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
} as const;

/** The shared library's name as the loader finds it (the package's soname). */
export const OPENBLAS_SONAME = "libopenblas.so.0";

let library: Deno.DynamicLibrary<typeof SYMBOLS> | null | undefined;
let enabled = Deno.env.get("LAB_NATIVE_BLAS") !== "off";

/**
 * Turns the native path on or off for this process (tests and the bench compare both paths);
 * returns the setting it replaces.
 */
export function setNativeBlas(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}

/** The opened library, or null where it cannot be opened (no FFI permission, not installed). */
function openLibrary(): Deno.DynamicLibrary<typeof SYMBOLS> | null {
  if (library !== undefined) return library;
  try {
    library = Deno.dlopen(OPENBLAS_SONAME, SYMBOLS);
    library.symbols.openblas_set_num_threads(1);
  } catch {
    library = null;
  }
  return library;
}

/** Whether products go to the machine's BLAS in this process now. */
export function nativeBlasActive(): boolean {
  return enabled && openLibrary() !== null;
}

/** A strided operand as CBLAS reads it: stored as is, or as a transposed row-major matrix. */
export interface BlasOperand {
  /** Byte address in the memory. */
  address: number;
  rows: number;
  cols: number;
  rowStride: number;
  colStride: number;
}

/** CBLAS's transpose flag and leading dimension for an operand, or null when it has neither. */
function asCblas(view: BlasOperand): { trans: number; ld: number } | null {
  if (view.colStride === 1 && view.rowStride >= Math.max(1, view.cols)) {
    return { trans: CBLAS_NO_TRANS, ld: Math.max(1, view.rowStride) };
  }
  if (view.rowStride === 1 && view.colStride >= Math.max(1, view.rows)) {
    return { trans: CBLAS_TRANS, ld: Math.max(1, view.colStride) };
  }
  return null;
}

/** The buffer whose address memoryAddress last took, and that address. */
let addressedBuffer: ArrayBuffer | undefined;
let bufferAddress = 0;

/**
 * Where a memory's bytes start in the process, as a number: operands are passed to the library
 * as that plus their byte address (no pointer object per call). Taken anew only when the memory
 * has a new buffer (after it grew).
 */
function memoryAddress(memory: WebAssembly.Memory): number {
  if (memory.buffer !== addressedBuffer) {
    addressedBuffer = memory.buffer as ArrayBuffer;
    const pointer = Deno.UnsafePointer.of(new Uint8Array(addressedBuffer));
    bufferAddress = Number(Deno.UnsafePointer.value(pointer));
  }
  return bufferAddress;
}

/**
 * C = A·B + beta·C through the machine's BLAS, checked once: a function that runs the product on
 * `memory` (C written where it lies), or null when the native path is off or an operand's strides
 * are neither a row-major matrix nor its transpose (the caller's WASM path runs instead).
 */
export function nativeProduct(
  a: BlasOperand,
  b: BlasOperand,
  c: { address: number; rowStride: number },
): ((memory: WebAssembly.Memory, beta: 0 | 1) => void) | null {
  if (!nativeBlasActive()) return null;
  const ca = asCblas(a);
  const cb = asCblas(b);
  if (!ca || !cb || c.rowStride < b.cols) return null;
  return (memory, beta) => {
    const base = memoryAddress(memory);
    const at = (address: number) => BigInt(base + address);
    library!.symbols.cblas_sgemm(
      CBLAS_ROW_MAJOR,
      ca.trans,
      cb.trans,
      a.rows,
      b.cols,
      a.cols,
      1,
      at(a.address),
      ca.ld,
      at(b.address),
      cb.ld,
      beta,
      at(c.address),
      Math.max(1, c.rowStride),
    );
  };
}
