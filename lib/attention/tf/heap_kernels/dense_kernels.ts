/**
 * The training path's dense kernels on tensors in TensorFlow.js's wasm memory (kernels.wasm,
 * bound in binding.ts): matrix products with f32x4 relaxed fused multiply-adds (operands are
 * strided views of tensors, so a transposed matrix or a column slice is a choice of strides),
 * column sums and the ReLU gate, LayerNorm forward and backward, and the softmax cross-entropy
 * with its gradient. Results are written into tensors the backend allocates, so nothing is
 * copied in or out and no tfjs kernel is dispatched.
 *
 * The arithmetic is float32 (fused multiply-adds where the processor has them): it agrees with
 * float64 to float32 rounding (the tests state the tolerances).
 */
import { tf } from "../backend.ts";
import { InputError } from "../../../util/errors.ts";
import { addressOf, atLeast, type Bound, emptyTensor, requireBound } from "./binding.ts";
import { nativeProduct } from "./native_blas.ts";

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
  const address = (view: MatrixView) => addressOf(bound, view.tensor) + 4 * view.offset;
  if (multiplyNatively(bound, into, a, b, options, address)) return;
  const scratch = atLeast(bound, bound.scratch, bound.exports.scratchBytes(b.cols));
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

/**
 * multiplyInto through the machine's BLAS (native_blas.ts) when it is active and takes these
 * operands: the product is written (or, with accumulate, added to what `into` holds), then a
 * bias and a ReLU are applied in one pass of kernels.wasm's epilogue. Returns false, having
 * written nothing, when the WASM path must run.
 */
function multiplyNatively(
  bound: Bound,
  into: MatrixView,
  a: MatrixView,
  b: MatrixView,
  options: ProductOptions,
  address: (view: MatrixView) => number,
): boolean {
  const target = { address: address(into), rowStride: into.rowStride };
  const run = nativeProduct(
    { ...a, address: address(a) },
    { ...b, address: address(b) },
    target,
  );
  if (!run) return false;
  run(bound.memory, options.accumulate ? 1 : 0);
  if (options.bias || options.relu) {
    bound.exports.biasRelu(
      target.address,
      into.rows,
      into.cols,
      into.rowStride,
      options.bias ? addressOf(bound, options.bias) : 0,
      options.relu ? 1 : 0,
    );
  }
  return true;
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

/**
 * Copies a view's values into a view of the same size whose rows are contiguous (colStride 1):
 * joining weight parts into one matrix, or splitting a product's column blocks out of it.
 */
export function copyInto(into: MatrixView, from: MatrixView): void {
  const bound = requireBound();
  if (into.rows !== from.rows || into.cols !== from.cols || into.colStride !== 1) {
    throw new InputError(
      "into",
      `${into.rows}×${into.cols}`,
      `expected a row-major ${from.rows}×${from.cols} view`,
    );
  }
  if (from.colStride !== 1) throw new InputError("from.colStride", from.colStride, "expected 1");
  const heap = new Float32Array(bound.memory.buffer);
  const source = addressOf(bound, from.tensor) / 4 + from.offset;
  const target = addressOf(bound, into.tensor) / 4 + into.offset;
  for (let r = 0; r < from.rows; r++) {
    const start = source + r * from.rowStride;
    heap.copyWithin(target + r * into.rowStride, start, start + from.cols);
  }
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
