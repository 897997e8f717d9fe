/**
 * The training path's dense kernels, computed where TensorFlow.js's wasm backend keeps its
 * tensors: a small WebAssembly module (kernels.wasm, built from kernels.as by
 * `deno task build-wasm`) that imports the backend's memory. It multiplies matrices with f32x4
 * relaxed fused multiply-adds (operands are strided views of tensors, so a transposed matrix or
 * a column slice is a choice of strides), and computes LayerNorm forward and backward and the
 * softmax cross-entropy with its gradient. The sparse attention core runs here too, compiled a
 * second time to import the same memory (sparse_core.wasm). Results are written into tensors the backend
 * allocates, so nothing is copied in or out and no tfjs kernel is dispatched.
 *
 * Available only on the wasm backend of an engine with relaxed SIMD (`heapKernelsAvailable`);
 * elsewhere callers use their tfjs or JavaScript paths. The arithmetic is float32 (fused
 * multiply-adds where the processor has them): it agrees with float64 to float32 rounding (the
 * tests state the tolerances).
 */
import { tf } from "../backend.ts";
import { InputError } from "../../../util/errors.ts";
import { pathFromUrl } from "../../../util/system.ts";
import { type CoreLayout, type CoreSpec, sharesOneGraph } from "../../sparse_kernel/spec.ts";
import {
  align,
  checkDisjointTargets,
  checkLayout,
  graphBytes,
  layoutArgs,
  placeGraphs,
  prepareCall,
  shapeArgs,
} from "../../sparse_kernel/simd/mod.ts";

interface KernelExports {
  scratchBytes(columns: number): number;
  matmul(...args: number[]): void;
  columnSums(src: number, rows: number, ld: number, cols: number, out: number): void;
  reluGate(dy: number, y: number, count: number, out: number): void;
  layerNormForward(...args: number[]): void;
  layerNormBackward(...args: number[]): void;
  softmaxCrossEntropy(...args: number[]): number;
  scaleInPlace(x: number, count: number, s: number): void;
}

interface WasmBackendInternals {
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    _malloc(bytes: number): number;
    _free(address: number): void;
  };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}

export const HEAP_KERNELS_WASM_PATH = pathFromUrl("./kernels.wasm", import.meta.url);
/** The sparse attention core (../../sparse_kernel/simd/core.as) built to import the same memory. */
export const SPARSE_CORE_ON_HEAP_WASM_PATH = pathFromUrl("./sparse_core.wasm", import.meta.url);

interface SparseCoreExports {
  forward(...args: number[]): void;
  backward(...args: number[]): void;
}

interface Bound {
  backend: WasmBackendInternals;
  memory: WebAssembly.Memory;
  exports: KernelExports;
  sparseCore: SparseCoreExports;
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
      sparseCore: instantiate(SPARSE_CORE_ON_HEAP_WASM_PATH) as unknown as SparseCoreExports,
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

/** Whether the kernels below can run (the wasm backend, an engine with relaxed SIMD). */
export function heapKernelsAvailable(): boolean {
  return bind() !== undefined;
}

function requireBound(): Bound {
  const b = bind();
  if (b === undefined) {
    throw new InputError("backend", tf.getBackend(), "the heap kernels need the wasm backend");
  }
  return b;
}

/** Byte address of a float32 tensor's first element in the backend's memory. */
function addressOf(b: Bound, tensor: tf.Tensor): number {
  if (tensor.dtype !== "float32") {
    throw new InputError("tensor.dtype", tensor.dtype, 'expected "float32"');
  }
  const info = b.backend.dataIdMap.get(tensor.dataId);
  if (info === undefined) throw new InputError("tensor", tensor.id, "is disposed");
  return info.memoryOffset;
}

/** A block of the backend's memory reused from call to call. */
interface HeapBlock {
  address: number;
  bytes: number;
}

/** The block's address, grown (freed and allocated anew) when it holds fewer than `bytes`. */
function atLeast(b: Bound, block: HeapBlock, bytes: number): number {
  if (bytes > block.bytes) {
    if (block.address !== 0) b.backend.wasm._free(block.address);
    block.address = b.backend.wasm._malloc(bytes);
    block.bytes = bytes;
  }
  return block.address;
}

/**
 * A rows × cols view of a float32 tensor: element (i, j) is the tensor's flat element
 * offset + i·rowStride + j·colStride.
 */
export interface MatrixView {
  tensor: tf.Tensor;
  rows: number;
  cols: number;
  offset: number;
  rowStride: number;
  colStride: number;
}

/** The tensor as a rows × cols row-major matrix (its leading axes flattened). */
export function matrix(tensor: tf.Tensor, cols = tensor.shape[tensor.rank - 1] as number) {
  const rows = tensor.size / cols;
  if (!Number.isInteger(rows)) {
    throw new InputError("cols", cols, `expected a divisor of the size ${tensor.size}`);
  }
  return { tensor, rows, cols, offset: 0, rowStride: cols, colStride: 1 } as MatrixView;
}

/** The transpose of a view (no copy). */
export function transposed(view: MatrixView): MatrixView {
  return {
    ...view,
    rows: view.cols,
    cols: view.rows,
    rowStride: view.colStride,
    colStride: view.rowStride,
  };
}

/** Columns start … start + count − 1 of a view (no copy). */
export function columns(view: MatrixView, start: number, count: number): MatrixView {
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(count) || count < 0) {
    throw new InputError("columns", `${start}+${count}`, "expected non-negative integers");
  }
  if (start + count > view.cols) {
    throw new InputError("columns", `${start}+${count}`, `at most ${view.cols} columns`);
  }
  return { ...view, cols: count, offset: view.offset + start * view.colStride };
}

/** A new float32 tensor of this shape in the backend's memory (values unset: write them all). */
export function emptyTensor(shape: number[]): tf.Tensor {
  const b = requireBound();
  const info = b.backend.makeOutput(shape, "float32");
  return tf.engine().makeTensorFromTensorInfo(info, tf.backend()) as tf.Tensor;
}

export interface ProductOptions {
  /** A float32 vector of the product's column count added to every row. */
  bias?: tf.Tensor;
  /** Applies max(0, ·) to the result. */
  relu?: boolean;
  /** Adds the product to what `into` holds instead of overwriting it (no bias). */
  accumulate?: boolean;
}

/**
 * Writes a·b (+ bias) (ReLU) into `into`, a row-major view (rowStride ≥ cols, colStride 1) of
 * a.rows × b.cols; with `accumulate`, adds a·b to it.
 */
export function multiplyInto(
  into: MatrixView,
  a: MatrixView,
  b: MatrixView,
  options: ProductOptions = {},
): void {
  const bound = requireBound();
  if (a.cols !== b.rows) {
    throw new InputError("b.rows", b.rows, `expected a.cols = ${a.cols}`);
  }
  if (into.rows !== a.rows || into.cols !== b.cols || into.colStride !== 1) {
    throw new InputError(
      "into",
      `${into.rows}×${into.cols}`,
      `expected a row-major ${a.rows}×${b.cols} view`,
    );
  }
  if (options.bias && options.accumulate) {
    throw new InputError("bias", "with accumulate", "expected one of bias or accumulate");
  }
  if (options.bias && options.bias.size !== b.cols) {
    throw new InputError("bias.size", options.bias.size, `expected ${b.cols}`);
  }
  const scratch = atLeast(bound, bound.scratch, bound.exports.scratchBytes(b.cols));
  const address = (view: MatrixView) => addressOf(bound, view.tensor) + 4 * view.offset;
  bound.exports.matmul(
    a.rows,
    b.cols,
    a.cols,
    address(a),
    a.rowStride,
    a.colStride,
    address(b),
    b.rowStride,
    b.colStride,
    address(into),
    into.rowStride,
    options.bias ? addressOf(bound, options.bias) : 0,
    options.relu ? 1 : 0,
    options.accumulate ? 1 : 0,
    scratch,
  );
}

/** a·b (+ bias) (ReLU) as a new [a.rows, b.cols] tensor. */
export function multiply(a: MatrixView, b: MatrixView, options: ProductOptions = {}): tf.Tensor2D {
  if (options.accumulate) {
    throw new InputError("accumulate", true, "a new tensor has nothing to add to");
  }
  const out = emptyTensor([a.rows, b.cols]) as tf.Tensor2D;
  multiplyInto(matrix(out), a, b, options);
  return out;
}

/** The sums of a row-major view's columns, as a new [cols] tensor (a bias gradient). */
export function columnSums(view: MatrixView): tf.Tensor1D {
  const bound = requireBound();
  if (view.colStride !== 1) throw new InputError("view.colStride", view.colStride, "expected 1");
  const out = emptyTensor([view.cols]) as tf.Tensor1D;
  bound.exports.columnSums(
    addressOf(bound, view.tensor) + 4 * view.offset,
    view.rows,
    view.rowStride,
    view.cols,
    addressOf(bound, out),
  );
  return out;
}

/** dy where y > 0, else 0, as a new tensor of dy's shape (the gradient through a ReLU). */
export function reluGate(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const bound = requireBound();
  if (dy.size !== y.size) throw new InputError("y.size", y.size, `expected ${dy.size}`);
  const out = emptyTensor(dy.shape);
  bound.exports.reluGate(addressOf(bound, dy), addressOf(bound, y), dy.size, addressOf(bound, out));
  return out;
}

function requireLastAxis(name: string, t: tf.Tensor, width: number): void {
  if (t.rank !== 1 || t.shape[0] !== width) {
    throw new InputError(`${name}.shape`, t.shape, `expected [${width}]`);
  }
}

/**
 * LayerNorm over the last axis of x: γ·(x − μ)·ρ + β, ρ = 1/√(σ² + ε). With `keepStats`, also a
 * [rows, 2] tensor of each row's μ and ρ for layerNormBackward.
 */
export function layerNormForward(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  keepStats: boolean,
): { out: tf.Tensor; stats?: tf.Tensor } {
  const b = requireBound();
  const width = x.shape[x.rank - 1] as number;
  requireLastAxis("gamma", gamma, width);
  requireLastAxis("beta", beta, width);
  const rows = x.size / width;
  const out = emptyTensor(x.shape);
  const stats = keepStats ? emptyTensor([rows, 2]) : undefined;
  b.exports.layerNormForward(
    addressOf(b, x),
    addressOf(b, gamma),
    addressOf(b, beta),
    rows,
    width,
    epsilon,
    addressOf(b, out),
    stats ? addressOf(b, stats) : 0,
  );
  return { out, stats };
}

/** LayerNorm's gradients for x, γ and β from the upstream dy and the forward's stats. */
export function layerNormBackward(
  x: tf.Tensor,
  gamma: tf.Tensor,
  stats: tf.Tensor,
  dy: tf.Tensor,
): { dx: tf.Tensor; dGamma: tf.Tensor1D; dBeta: tf.Tensor1D } {
  const b = requireBound();
  const width = x.shape[x.rank - 1] as number;
  const rows = x.size / width;
  requireLastAxis("gamma", gamma, width);
  if (stats.size !== 2 * rows) {
    throw new InputError("stats.size", stats.size, `expected ${2 * rows}`);
  }
  if (dy.size !== x.size) throw new InputError("dy.size", dy.size, `expected ${x.size}`);
  const dx = emptyTensor(x.shape);
  const dGamma = emptyTensor([width]) as tf.Tensor1D;
  const dBeta = emptyTensor([width]) as tf.Tensor1D;
  b.exports.layerNormBackward(
    addressOf(b, x),
    addressOf(b, gamma),
    addressOf(b, stats),
    addressOf(b, dy),
    rows,
    width,
    addressOf(b, dx),
    addressOf(b, dGamma),
    addressOf(b, dBeta),
  );
  return { dx, dGamma, dBeta };
}

/**
 * Σ_r w_r·(logsumexp(z_r) − z_r[label_r]) over the rows of logits z (… × classes), and, with
 * `gradientScale` set, that sum's gradient times the scale (a tensor of z's shape). Labels must
 * be integers in 0 … classes − 1 (the caller checks them); no weights: every weight 1.
 */
export function softmaxCrossEntropySum(
  z: tf.Tensor,
  labels: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  gradientScale?: number,
): { total: number; grad?: tf.Tensor } {
  const b = requireBound();
  const classes = z.shape[z.rank - 1] as number;
  const rows = z.size / classes;
  if (labels.length !== rows) {
    throw new InputError("labels.length", labels.length, `expected ${rows}`);
  }
  if (weights && weights.length !== rows) {
    throw new InputError("weights.length", weights.length, `expected ${rows}`);
  }
  const data = atLeast(b, b.rowData, 8 * rows);
  new Int32Array(b.memory.buffer, data, rows).set(labels);
  if (weights) new Float32Array(b.memory.buffer, data + 4 * rows, rows).set(weights);
  const grad = gradientScale === undefined ? undefined : emptyTensor(z.shape);
  const total = b.exports.softmaxCrossEntropy(
    addressOf(b, z),
    data,
    weights ? data + 4 * rows : 0,
    rows,
    classes,
    gradientScale ?? 0,
    grad ? addressOf(b, grad) : 0,
  );
  return { total, grad };
}

/** Multiplies a float32 tensor's values by s, in place (a tensor no one else reads yet). */
export function scaleInPlace(tensor: tf.Tensor, s: number): void {
  const b = requireBound();
  b.exports.scaleInPlace(addressOf(b, tensor), tensor.size, s);
}

/** One graph's arrays, the head table and the core's scratch, malloc'd for one call. */
function withCallMemory<T>(
  b: Bound,
  spec: CoreSpec,
  scratchBytes: number,
  use: (table: number, scratch: number) => T,
): T {
  const graphBytesNeeded = graphBytes(spec);
  const block = b.backend.wasm._malloc(graphBytesNeeded + scratchBytes + 16);
  try {
    const base = align(block);
    let top = base;
    const graphs = placeGraphs((bytes) => {
      const at = top;
      top = align(top + bytes);
      return at;
    }, spec);
    graphs.write(b.memory.buffer);
    return use(graphs.table, base + graphBytesNeeded);
  } finally {
    b.backend.wasm._free(block);
  }
}

/**
 * The sparse attention forward pass (softmax) on tensors in the backend's memory: q, k and v
 * (possibly one tensor) read where the layout puts them, the heads' outputs written to a new
 * [batch, numQueries, heads·m] tensor and each row's probabilities to a new tensor (keep it for
 * sparseAttentionBackward). The same core as ../../sparse_kernel/simd, compiled for this memory.
 */
export function sparseAttentionForward(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  layout: CoreLayout,
  spec: CoreSpec,
): { out: tf.Tensor3D; probs: tf.Tensor1D } {
  const b = requireBound();
  const p = prepareCall({ q: q.size, k: k.size, v: v.size }, layout, spec);
  const out = emptyTensor([spec.batch, p.numQueries, p.width]) as tf.Tensor3D;
  const probs = emptyTensor([p.probCount]) as tf.Tensor1D;
  withCallMemory(b, spec, 4 * p.heads * (p.longest + 1), (table, scores) => {
    b.sparseCore.forward(
      addressOf(b, q),
      addressOf(b, k),
      addressOf(b, v),
      ...layoutArgs(layout),
      ...shapeArgs(p),
      table,
      p.probsPerItem,
      addressOf(b, probs),
      addressOf(b, out),
      scores,
      sharesOneGraph(spec) ? 1 : 0,
    );
  });
  return { out, probs };
}

/**
 * The backward pass from sparseAttentionForward's probabilities and the upstream dOut: the
 * gradients of q, k and v written into the target tensors (zeroed first; one tensor may take
 * all three, in disjoint columns of the layout).
 */
export function sparseAttentionBackward(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  layout: CoreLayout,
  probs: tf.Tensor,
  dOut: tf.Tensor,
  spec: CoreSpec,
  targets: { dq: tf.Tensor; dk: tf.Tensor; dv: tf.Tensor },
): void {
  const b = requireBound();
  const p = prepareCall({ q: q.size, k: k.size, v: v.size }, layout, spec);
  if (probs.size !== p.probCount) {
    throw new InputError("probs.size", probs.size, `expected ${p.probCount}`);
  }
  const outputs = spec.batch * p.numQueries * p.width;
  if (dOut.size !== outputs) throw new InputError("dOut.size", dOut.size, `expected ${outputs}`);
  const tokens = { q: spec.batch * p.numQueries, k: spec.batch * p.numKeys };
  checkLayout("dq", targets.dq.size, layout.qOffset, layout.qStride, tokens.q, p.width);
  checkLayout("dk", targets.dk.size, layout.kOffset, layout.kStride, tokens.k, p.width);
  checkLayout("dv", targets.dv.size, layout.vOffset, layout.vStride, tokens.k, p.width);
  checkDisjointTargets(layout, targets, p.width);
  for (const target of new Set([targets.dq, targets.dk, targets.dv])) {
    new Float32Array(b.memory.buffer, addressOf(b, target), target.size).fill(0);
  }
  withCallMemory(b, spec, 4 * p.heads * (p.longest + 1), (table, dp) => {
    b.sparseCore.backward(
      addressOf(b, q),
      addressOf(b, k),
      addressOf(b, v),
      ...layoutArgs(layout),
      ...shapeArgs(p),
      table,
      p.probsPerItem,
      addressOf(b, probs),
      addressOf(b, dOut),
      addressOf(b, targets.dq),
      addressOf(b, targets.dk),
      addressOf(b, targets.dv),
      dp,
      sharesOneGraph(spec) ? 1 : 0,
    );
  });
}
