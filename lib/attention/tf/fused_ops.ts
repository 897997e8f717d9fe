/**
 * Fused training ops: each is one tf.customGrad whose forward and backward run as JavaScript
 * loops over float32 arrays, or as a few plain 2-D matmuls, instead of a chain of small tfjs
 * kernels. Dispatching a kernel costs far more than the arithmetic of a small one (and about
 * twice as much again while the gradient tape records it), so the op count, not the FLOPs,
 * dominates a small training step.
 *
 * - `linearOp`: x·[W₁|W₂|…] + [b₁|b₂|…] (optionally ReLU); the weight parts stay separate
 *   variables. On the wasm backend every product runs in place in the backend's memory
 *   (./heap_kernels/: the machine's BLAS or the lab's SIMD matmul, no kernel), the small weight
 *   parts joined into one matrix so that each product is one call; elsewhere one tfjs matmul
 *   forward and two plain ones backward (the parts concatenated in JavaScript).
 * - `layerNormOp`: LayerNorm over the last axis, forward and backward in one loop each.
 * - `embedOp`: table[ids] + positional[0…n−1] (or x + positional), gradient by scatter-add.
 * - `residualAddOp`: a + b, whose gradient hands dy to both inputs without a kernel.
 * - `softmaxCrossEntropyOp`: the weighted mean cross-entropy of logits against int labels,
 *   the gradient (softmax − one-hot) computed with the forward pass.
 *
 * Reshapes inside an op are views (a new tensor on the same data, no kernel). What the
 * backward pass needs is kept as JavaScript arrays, and only while the gradient tape records:
 * an inference pass keeps nothing.
 */
import { tf } from "./backend.ts";
import { give, outputArray, readTensor, tensorFrom } from "./buffers.ts";
import { InputError } from "../../util/errors.ts";
import {
  columns,
  columnSums,
  copyInto,
  emptyTensor,
  heapKernelsAvailable,
  layerNormBackward,
  layerNormForward,
  matrix,
  multiply,
  multiplyInto,
  reluGate,
  scaleInPlace,
  softmaxCrossEntropySum,
  transposed,
} from "./heap_kernels/mod.ts";

/** A tensor of another shape on the same data: no kernel, no tape entry (use inside ops). */
export function view<R extends tf.Rank>(tensor: tf.Tensor, shape: number[]): tf.Tensor<R> {
  // the backend counts references per buffer: the view holds one, as a Reshape output would
  tf.backend().incRef(tensor.dataId);
  return tf.engine().makeTensorFromDataId(tensor.dataId, shape, tensor.dtype) as tf.Tensor<R>;
}

/** True while tf.grads / variableGrads records (inside a customGrad forward too). */
export function recording(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/** A float32 copy of a tensor's values that the caller owns (never pooled). */
function copyOf(tensor: tf.Tensor): Float32Array {
  const read = readTensor(tensor);
  const copy = Float32Array.from(read.values);
  if (read.pooled) give(read.values);
  return copy;
}

/** Calls `use` with a tensor's values, then returns a pooled copy to the pool. */
function withValues<T>(tensor: tf.Tensor, use: (values: Float32Array) => T): T {
  const read = readTensor(tensor);
  try {
    return use(read.values);
  } finally {
    if (read.pooled) give(read.values);
  }
}

/**
 * The transpose of a rows × cols row-major matrix (cols × rows), with a row of ones appended
 * when `ones` is set. Blocks of 16 source rows keep both sides in cache.
 */
export function transposeWithOnes(
  src: Float32Array,
  rows: number,
  cols: number,
  ones: boolean,
  out: Float32Array = outputArray((cols + (ones ? 1 : 0)) * rows),
): Float32Array {
  for (let r0 = 0; r0 < rows; r0 += 16) {
    const r1 = Math.min(rows, r0 + 16);
    for (let c = 0; c < cols; c++) {
      const base = c * rows;
      for (let r = r0; r < r1; r++) out[base + r] = src[r * cols + c];
    }
  }
  if (ones) out.fill(1, cols * rows);
  return out;
}

export interface LinearOptions {
  /** Applies max(0, ·) to the output (fused into the matmul kernel). */
  relu?: boolean;
}

/**
 * x·[W₁|…|W_p] + [b₁|…|b_p] over the last axis of x (any rank ≥ 2; leading axes are rows),
 * optionally followed by ReLU. On the wasm backend: `linearOnHeap`. Elsewhere, forward: one
 * fused matmul kernel; backward: dx = dy·Wᵀ and
 * [dW; db] = [xᵀ; 1ᵀ]·dy, two plain 2-D matmuls (tfjs-wasm's transposed matmuls leave
 * XNNPACK and run ≈ 10× slower), with Wᵀ and [xᵀ; 1ᵀ] built in JavaScript and the parts of
 * [dW; db] split out in JavaScript.
 */
export function linearOp(
  x: tf.Tensor,
  weights: readonly tf.Tensor[],
  biases: readonly tf.Tensor[] = [],
  options: LinearOptions = {},
): tf.Tensor {
  const shape = linearShape(x, weights, biases);
  const relu = options.relu === true;
  const body = heapKernelsAvailable() ? linearOnHeap(shape, relu) : linearOnTfjs(shape, relu);
  return linearCustomOp(x, weights, biases, body);
}

/** The sizes of one linearOp: x's rows and width, each weight part's columns and their sum. */
interface LinearShape {
  width: number;
  rows: number;
  parts: readonly number[];
  outputs: number;
  hasBias: boolean;
}

/** Checks linearOp's weight and bias parts against x and returns the op's sizes. */
function linearShape(
  x: tf.Tensor,
  weights: readonly tf.Tensor[],
  biases: readonly tf.Tensor[],
): LinearShape {
  if (weights.length === 0) throw new InputError("weights", 0, "expected at least one part");
  if (biases.length !== 0 && biases.length !== weights.length) {
    throw new InputError("biases", biases.length, `expected 0 or ${weights.length} parts`);
  }
  const width = x.shape[x.rank - 1] as number;
  const parts = weights.map((w) => {
    if (w.rank !== 2 || w.shape[0] !== width) {
      throw new InputError("weight.shape", w.shape, `expected [${width}, outputs]`);
    }
    return w.shape[1] as number;
  });
  biases.forEach((b, i) => {
    if (b.rank !== 1 || b.shape[0] !== parts[i]) {
      throw new InputError("bias.shape", b.shape, `expected [${parts[i]}]`);
    }
  });
  const outputs = parts.reduce((a, b) => a + b, 0);
  return { width, rows: x.size / width, parts, outputs, hasBias: biases.length > 0 };
}

/** What linearOnTfjs's backward pass needs, as JavaScript arrays. */
interface LinearSaved {
  /** Wᵀ, [outputs, width]. */
  wT: Float32Array;
  /** [xᵀ; 1ᵀ] (the ones row with a bias), [width (+ 1), rows]. */
  xT: Float32Array;
  /** The output, whose positive entries pass the gradient (ReLU only). */
  mask?: Float32Array;
}

/** linearOp's body off the wasm backend: a fused tfjs matmul forward, two plain ones backward. */
function linearOnTfjs(shape: LinearShape, relu: boolean): LinearBody {
  const { width, rows, parts, outputs, hasBias } = shape;
  return (input, ws, bs) => {
    // W as one [width, outputs] matrix (the variable itself when there is one part) and Wᵀ
    const wValues = ws.length === 1 ? undefined : joinColumns(ws, width, parts, outputs);
    const w = wValues ? tensorFrom<tf.Rank.R2>(wValues.slice(), [width, outputs]) : ws[0];
    const bias = !hasBias
      ? undefined
      : bs.length === 1
      ? bs[0]
      : tensorFrom<tf.Rank.R1>(joinColumns(bs, 1, parts, outputs), [outputs]);
    const flat = tf.fused.matMul({
      a: view<tf.Rank.R2>(input, [rows, width]),
      b: w as tf.Tensor2D,
      bias,
      activation: relu ? "relu" : "linear",
    });
    const value = view(flat, [...input.shape.slice(0, -1), outputs]);
    // what the backward pass needs, as JavaScript arrays, only while the tape records
    let saved: LinearSaved | undefined;
    if (recording()) {
      const wRead = wValues ?? copyOf(ws[0]);
      saved = {
        wT: transposeWithOnes(wRead, width, outputs, false, new Float32Array(width * outputs)),
        xT: withValues(
          input,
          (v) =>
            transposeWithOnes(v, rows, width, hasBias, new Float32Array((width + +hasBias) * rows)),
        ),
        mask: relu ? copyOf(flat) : undefined,
      };
    }
    const gradFunc = (dy: tf.Tensor) => {
      if (!saved) throw new InputError("linearOp", "backward", "no tape was recording");
      return linearTfjsBackward(dy, saved, shape, input.shape);
    };
    return { value, gradFunc };
  };
}

/** How a linearOp variant computes: the forward on x and the parts, and its gradient function. */
type LinearBody = (
  input: tf.Tensor,
  ws: tf.Tensor[],
  bs: tf.Tensor[],
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor) => tf.Tensor[] };

/** One custom-gradient op over x, the weight parts and the bias parts, in that order. */
function linearCustomOp(
  x: tf.Tensor,
  weights: readonly tf.Tensor[],
  biases: readonly tf.Tensor[],
  body: LinearBody,
): tf.Tensor {
  const op = tf.customGrad((...inputs) => {
    const tensors = inputs as tf.Tensor[];
    const ws = tensors.slice(1, 1 + weights.length);
    const bs = tensors.slice(1 + weights.length, 1 + weights.length + biases.length);
    return body(tensors[0], ws, bs);
  });
  return op(x, ...weights, ...biases);
}

/**
 * linearOnTfjs's gradients: dx = dy·Wᵀ and [dW; db] = [xᵀ; 1ᵀ]·dy (dy gated by the output
 * first, with ReLU), the parts of [dW; db] split out in JavaScript. The arrays go to the pool
 * with their tensors: a gradient is taken once per forward.
 */
function linearTfjsBackward(
  dy: tf.Tensor,
  saved: LinearSaved,
  shape: LinearShape,
  inputShape: number[],
): tf.Tensor[] {
  const { width, rows, outputs, hasBias } = shape;
  let upstream = view<tf.Rank.R2>(dy, [rows, outputs]);
  if (saved.mask) {
    const m = saved.mask;
    upstream = withValues(upstream, (values) => {
      const masked = outputArray(values.length);
      for (let i = 0; i < values.length; i++) masked[i] = m[i] > 0 ? values[i] : 0;
      return tensorFrom<tf.Rank.R2>(masked, [rows, outputs]);
    });
  }
  const dx = tf.matMul(upstream, tensorFrom<tf.Rank.R2>(saved.wT, [outputs, width]));
  const both = tf.matMul(
    tensorFrom<tf.Rank.R2>(saved.xT, [width + +hasBias, rows]),
    upstream,
  );
  const grads = withValues(both, (values) => splitWeightGradients(values, shape));
  return [view(dx, inputShape), ...grads];
}

/** The parts of [dW; db] ([width (+ 1), outputs], row-major) as dW_p tensors, then db_p ones. */
function splitWeightGradients(values: Float32Array, shape: LinearShape): tf.Tensor[] {
  const { width, parts, outputs, hasBias } = shape;
  const dws: tf.Tensor[] = [];
  const dbs: tf.Tensor[] = [];
  let column = 0;
  parts.forEach((cols) => {
    const dw = outputArray(width * cols);
    for (let r = 0; r < width; r++) {
      dw.set(values.subarray(r * outputs + column, r * outputs + column + cols), r * cols);
    }
    dws.push(tensorFrom(dw, [width, cols]));
    if (hasBias) {
      const start = width * outputs + column;
      dbs.push(tensorFrom(values.slice(start, start + cols), [cols]));
    }
    column += cols;
  });
  return [...dws, ...dbs];
}

/**
 * linearOp's body on the wasm backend: the products run in place in the backend's memory
 * (dense_kernels.ts). Several weight parts are first joined into one [width, Σ parts] matrix
 * (a copy of the small weights), so that forward, dx and [dW₁|…] are one product each: one
 * wide product packs x once and runs at a higher rate than a product per part, and dx is
 * written once instead of accumulated part by part. The parts of dW and db are split out.
 * Bias and ReLU are applied as the product is stored; dy is first gated by the output (ReLU).
 * While the tape records, the forward keeps x, the joined weights and (ReLU) the output for the
 * backward pass, which releases them: a gradient is taken once per recorded forward.
 */
function linearOnHeap(shape: LinearShape, relu: boolean): LinearBody {
  const { width, parts, outputs } = shape;
  const starts = parts.map((_, i) => parts.slice(0, i).reduce((a, b) => a + b, 0));
  /** The parts side by side in one new tensor of `rows` × Σ parts (one part: itself, kept). */
  const join = (tensors: tf.Tensor[], rows: number): tf.Tensor => {
    if (tensors.length === 1) return tf.keep(view(tensors[0], tensors[0].shape));
    const joined = emptyTensor([rows, outputs]);
    tensors.forEach((t, p) => {
      copyInto(columns(matrix(joined, outputs), starts[p], parts[p]), matrix(t, parts[p]));
    });
    return tf.keep(joined);
  };
  /** The column blocks of a [rows, Σ parts] tensor as new tensors; the joined one is released. */
  const split = (joined: tf.Tensor, rows: number): tf.Tensor[] => {
    if (parts.length === 1) return [joined];
    const blocks = parts.map((cols, p) => {
      const block = emptyTensor(rows === 1 ? [cols] : [rows, cols]);
      copyInto(matrix(block, cols), columns(matrix(joined, outputs), starts[p], cols));
      return block;
    });
    joined.dispose();
    return blocks;
  };
  return (input, ws, bs) => {
    const value = emptyTensor([...input.shape.slice(0, -1), outputs]);
    const weights = join(ws, width);
    const bias = bs.length > 0 ? join(bs, 1) : undefined;
    multiplyInto(matrix(value, outputs), matrix(input, width), matrix(weights), { bias, relu });
    if (bias) bias.dispose();
    const kept = recording()
      ? {
        input: tf.keep(view(input, input.shape)),
        weights,
        output: relu ? tf.keep(view(value, value.shape)) : undefined,
      }
      : undefined;
    if (!kept) weights.dispose();
    const gradFunc = (dy: tf.Tensor) => {
      if (!kept) throw new InputError("linearOp", "backward", "no tape was recording");
      const gated = kept.output ? reluGate(dy, kept.output) : dy;
      const upstream = matrix(gated, outputs);
      const dx = emptyTensor(input.shape);
      multiplyInto(matrix(dx, width), upstream, transposed(matrix(kept.weights)));
      const dws = split(multiply(transposed(matrix(kept.input, width)), upstream), width);
      const dbs = bs.length > 0 ? split(columnSums(upstream), 1) : [];
      tf.dispose([kept.input, kept.weights, ...(kept.output ? [kept.output, gated] : [])]);
      return [dx, ...dws, ...dbs];
    };
    return { value, gradFunc };
  };
}

/** The row-major [rows, Σ parts] matrix whose column blocks are the given [rows, part] tensors. */
function joinColumns(
  tensors: readonly tf.Tensor[],
  rows: number,
  parts: readonly number[],
  outputs: number,
): Float32Array {
  const out = new Float32Array(rows * outputs);
  let column = 0;
  tensors.forEach((tensor, i) => {
    const cols = parts[i];
    withValues(tensor, (values) => {
      for (let r = 0; r < rows; r++) {
        out.set(values.subarray(r * cols, (r + 1) * cols), r * outputs + column);
      }
    });
    column += cols;
  });
  return out;
}

/**
 * LayerNorm over the last axis: γ·(x − μ)/√(σ² + ε) + β with the population variance (as
 * tf.moments). Backward, with x̂ the normalized input and g = dy·γ:
 * dx = (g − mean(g) − x̂·mean(g·x̂)) / √(σ² + ε), dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
 */
export function layerNormOp(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = 1e-5,
): tf.Tensor {
  const width = x.shape[x.rank - 1] as number;
  for (const [name, t] of [["gamma", gamma], ["beta", beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== width) {
      throw new InputError(`${name}.shape`, t.shape, `expected [${width}]`);
    }
  }
  if (heapKernelsAvailable()) return layerNormOnHeap(x, gamma, beta, epsilon);
  const rows = x.size / width;
  const op = tf.customGrad((...inputs) => {
    const [input, g, b] = inputs as tf.Tensor[];
    const gammaValues = copyOf(g);
    const betaValues = copyOf(b);
    const saved = recording()
      ? { normalized: new Float32Array(rows * width), inverse: new Float64Array(rows) }
      : undefined;
    const out = outputArray(rows * width);
    withValues(input, (values) => {
      layerNormRows(values, gammaValues, betaValues, { rows, width, epsilon }, out, saved);
    });
    const gradFunc = (dy: tf.Tensor) => {
      if (!saved) throw new InputError("layerNormOp", "backward", "no tape was recording");
      const dx = outputArray(rows * width);
      const dGamma = new Float64Array(width);
      const dBeta = new Float64Array(width);
      withValues(dy, (upstream) => {
        layerNormGradients(upstream, gammaValues, saved, { rows, width }, { dx, dGamma, dBeta });
      });
      return [
        tensorFrom(dx, input.shape),
        tf.tensor1d(Float32Array.from(dGamma)),
        tf.tensor1d(Float32Array.from(dBeta)),
      ];
    };
    return { value: tensorFrom(out, input.shape), gradFunc };
  });
  return op(x, gamma, beta);
}

/** Each row's x̂ = (x − μ)·ρ and ρ = 1/√(σ² + ε), kept for the backward pass. */
interface LayerNormSaved {
  normalized: Float32Array;
  inverse: Float64Array;
}

/** LayerNorm of every row of `values` into `out`; with `saved`, also each x̂ and ρ. */
function layerNormRows(
  values: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  size: { rows: number; width: number; epsilon: number },
  out: Float32Array,
  saved: LayerNormSaved | undefined,
): void {
  const { rows, width, epsilon } = size;
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let sum = 0;
    for (let c = 0; c < width; c++) sum += values[base + c];
    const mean = sum / width;
    let squares = 0;
    for (let c = 0; c < width; c++) {
      const d = values[base + c] - mean;
      squares += d * d;
    }
    const rstd = 1 / Math.sqrt(squares / width + epsilon);
    if (saved) saved.inverse[r] = rstd;
    for (let c = 0; c < width; c++) {
      const hat = (values[base + c] - mean) * rstd;
      if (saved) saved.normalized[base + c] = hat;
      out[base + c] = hat * gamma[c] + beta[c];
    }
  }
}

/** LayerNorm's gradients from the upstream dy and the forward's x̂ and ρ (as layerNormOp says). */
function layerNormGradients(
  upstream: Float32Array,
  gamma: Float32Array,
  saved: LayerNormSaved,
  size: { rows: number; width: number },
  grads: { dx: Float32Array; dGamma: Float64Array; dBeta: Float64Array },
): void {
  const { rows, width } = size;
  const { normalized, inverse } = saved;
  const { dx, dGamma, dBeta } = grads;
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let meanG = 0;
    let meanGHat = 0;
    for (let c = 0; c < width; c++) {
      const d = upstream[base + c];
      const hat = normalized[base + c];
      dGamma[c] += d * hat;
      dBeta[c] += d;
      const gc = d * gamma[c];
      meanG += gc;
      meanGHat += gc * hat;
    }
    meanG /= width;
    meanGHat /= width;
    const rstd = inverse[r];
    for (let c = 0; c < width; c++) {
      const gc = upstream[base + c] * gamma[c];
      dx[base + c] = (gc - meanG - normalized[base + c] * meanGHat) * rstd;
    }
  }
}

/**
 * layerNormOp on the wasm backend: forward and backward are heap kernels (./heap_kernels/).
 * While the tape records, the forward keeps views of x and γ and each row's μ and ρ; the
 * backward recomputes x̂ from them and releases them.
 */
function layerNormOnHeap(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  const op = tf.customGrad((...inputs) => {
    const [input, g, b] = inputs as tf.Tensor[];
    const keep = recording();
    const { out, stats } = layerNormForward(input, g, b, epsilon, keep);
    const kept = stats
      ? { input: tf.keep(view(input, input.shape)), gamma: tf.keep(view(g, g.shape)), stats }
      : undefined;
    if (kept) tf.keep(kept.stats);
    const gradFunc = (dy: tf.Tensor) => {
      if (!kept) throw new InputError("layerNormOp", "backward", "no tape was recording");
      const { dx, dGamma, dBeta } = layerNormBackward(kept.input, kept.gamma, kept.stats, dy);
      tf.dispose([kept.input, kept.gamma, kept.stats]);
      return [dx, dGamma, dBeta];
    };
    return { value: out, gradFunc };
  });
  return op(x, gamma, beta);
}

/**
 * The embedded input plus the positional rows 0…n−1: `table[ids]` for int32 ids
 * [batch, n] (table [vocab, width]), or `x` itself for float32 vectors [batch, n, width].
 * Backward: the table's gradient by scatter-add over the ids, the positional table's by
 * summing over the batch; vectors get dy.
 */
export function embedOp(
  input: tf.Tensor,
  positional: tf.Tensor,
  table?: tf.Tensor,
): tf.Tensor3D {
  const [maxLength, width] = positional.shape as [number, number];
  const [batch, n] = input.shape as number[];
  if (n > maxLength) {
    throw new InputError("sequence length", n, `the positional embedding holds ${maxLength}`);
  }
  const vocab = table?.shape[0] ?? 0;
  const tokens = table ? Int32Array.from(input.dataSync() as Int32Array) : undefined;
  if (tokens) {
    for (const id of tokens) {
      if (!(id >= 0 && id < vocab)) throw new InputError("token id", id, `expected 0…${vocab - 1}`);
    }
  }
  const shape = [batch, n, width];
  const op = tf.customGrad((...inputs) => {
    const [pos, source] = inputs as tf.Tensor[];
    const out = outputArray(batch * n * width);
    withValues(pos, (p) => {
      withValues(source, (s) => {
        for (let b = 0; b < batch; b++) {
          for (let i = 0; i < n; i++) {
            const o = (b * n + i) * width;
            const row = tokens ? tokens[b * n + i] * width : o;
            for (let c = 0; c < width; c++) out[o + c] = s[row + c] + p[i * width + c];
          }
        }
      });
    });
    const gradFunc = (dy: tf.Tensor) => {
      const dPos = new Float32Array(maxLength * width);
      const dSource = tokens ? new Float32Array(vocab * width) : undefined;
      withValues(dy, (d) => {
        for (let b = 0; b < batch; b++) {
          for (let i = 0; i < n; i++) {
            const o = (b * n + i) * width;
            for (let c = 0; c < width; c++) dPos[i * width + c] += d[o + c];
            if (dSource && tokens) {
              const row = tokens[b * n + i] * width;
              for (let c = 0; c < width; c++) dSource[row + c] += d[o + c];
            }
          }
        }
      });
      return [
        tf.tensor2d(dPos, [maxLength, width]),
        dSource ? tf.tensor2d(dSource, [vocab, width]) : view(dy, shape),
      ];
    };
    return { value: tensorFrom(out, shape), gradFunc };
  });
  return op(positional, table ?? input) as tf.Tensor3D;
}

/**
 * The rows `rows` of x, whose leading axes are flattened to rows of its last axis: [count, width].
 * Backward: dy added back into a zero gradient of x's shape at those rows (a row picked twice
 * gets both). Lets a head run on a few positions (the masked ones) instead of every one.
 */
export function gatherRowsOp(x: tf.Tensor, rows: readonly number[]): tf.Tensor2D {
  const width = x.shape[x.rank - 1] as number;
  const total = x.size / width;
  for (const row of rows) {
    if (!(Number.isInteger(row) && row >= 0 && row < total)) {
      throw new InputError("row", row, `expected an integer in 0…${total - 1}`);
    }
  }
  const shape = [rows.length, width];
  const op = tf.customGrad((...inputs) => {
    const source = inputs[0] as tf.Tensor;
    const out = outputArray(rows.length * width);
    withValues(source, (s) => {
      rows.forEach((row, r) => out.set(s.subarray(row * width, (row + 1) * width), r * width));
    });
    const gradFunc = (dy: tf.Tensor) => {
      const dx = new Float32Array(total * width);
      withValues(dy, (d) => {
        rows.forEach((row, r) => {
          for (let c = 0; c < width; c++) dx[row * width + c] += d[r * width + c];
        });
      });
      return [tf.tensor(dx, source.shape)];
    };
    return { value: tensorFrom(out, shape), gradFunc };
  });
  return op(x) as tf.Tensor2D;
}

/** a + b (same shape): one add kernel forward; the gradient passes dy to both, no kernel. */
export function residualAddOp<T extends tf.Tensor>(a: T, b: T): T {
  if (a.shape.join() !== b.shape.join()) {
    throw new InputError("b.shape", b.shape, `expected [${a.shape}] like a`);
  }
  const op = tf.customGrad((...inputs) => {
    const value = tf.add(inputs[0] as tf.Tensor, inputs[1] as tf.Tensor);
    const gradFunc = (dy: tf.Tensor) => [view(dy, dy.shape), view(dy, dy.shape)];
    return { value, gradFunc };
  });
  return op(a, b) as T;
}

/**
 * Σ_i w_i·(logsumexp(z_i) − z_i[label_i]) / #{i : w_i ≠ 0}, the weighted mean cross-entropy of
 * logits (… × classes) against int labels (as tf.losses.softmaxCrossEntropy with one-hot
 * labels and weights, reduction SUM_BY_NONZERO_WEIGHTS). The gradient
 * w_i·(softmax(z_i) − onehot_i)/#nonzero is computed in the forward pass.
 */
export function softmaxCrossEntropyOp(
  logits: tf.Tensor,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): tf.Scalar {
  const classes = logits.shape[logits.rank - 1] as number;
  const rows = logits.size / classes;
  if (labels.length !== rows) {
    throw new InputError("labels.length", labels.length, `expected ${rows} (one per row)`);
  }
  if (weights && weights.length !== rows) {
    throw new InputError("weights.length", weights.length, `expected ${rows} (one per row)`);
  }
  for (let i = 0; i < rows; i++) {
    const label = labels[i];
    if (!(Number.isInteger(label) && label >= 0 && label < classes)) {
      throw new InputError("label", label, `expected an integer in 0…${classes - 1}`);
    }
  }
  let nonzero = 0;
  for (let i = 0; i < rows; i++) if (!weights || weights[i] !== 0) nonzero++;
  if (heapKernelsAvailable()) return softmaxCrossEntropyOnHeap(logits, labels, weights, nonzero);
  const op = tf.customGrad((...inputs) => {
    const z = inputs[0] as tf.Tensor;
    const keep = recording();
    const grad = keep ? new Float32Array(rows * classes) : undefined;
    let total = 0;
    withValues(z, (values) => {
      for (let r = 0; r < rows; r++) {
        const w = weights ? weights[r] : 1;
        const base = r * classes;
        let max = -Infinity;
        for (let c = 0; c < classes; c++) max = Math.max(max, values[base + c]);
        let sum = 0;
        for (let c = 0; c < classes; c++) sum += Math.exp(values[base + c] - max);
        const logSum = max + Math.log(sum);
        total += w * (logSum - values[base + labels[r]]);
        if (grad) {
          const factor = nonzero > 0 ? w / nonzero : 0;
          for (let c = 0; c < classes; c++) {
            grad[base + c] = factor * Math.exp(values[base + c] - logSum);
          }
          grad[base + labels[r]] -= factor;
        }
      }
    });
    const gradFunc = (dy: tf.Tensor) => {
      if (!grad) throw new InputError("softmaxCrossEntropyOp", "backward", "no tape recording");
      const scale = dy.dataSync()[0];
      if (scale !== 1) { for (let i = 0; i < grad.length; i++) grad[i] *= scale; }
      return [tf.tensor(grad, z.shape, "float32")];
    };
    return { value: tf.scalar(nonzero > 0 ? total / nonzero : 0), gradFunc };
  });
  return op(logits) as tf.Scalar;
}

/**
 * softmaxCrossEntropyOp on the wasm backend: the sum and its gradient (already divided by the
 * count of nonzero weights) come from one heap kernel; the backward scales that gradient by the
 * upstream scalar in place and hands it on.
 */
function softmaxCrossEntropyOnHeap(
  logits: tf.Tensor,
  labels: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  nonzero: number,
): tf.Scalar {
  const op = tf.customGrad((...inputs) => {
    const z = inputs[0] as tf.Tensor;
    const perRow = nonzero > 0 ? 1 / nonzero : 0;
    const { total, grad } = softmaxCrossEntropySum(
      z,
      labels,
      weights,
      recording() ? perRow : undefined,
    );
    if (grad) tf.keep(grad);
    const gradFunc = (dy: tf.Tensor) => {
      if (!grad) throw new InputError("softmaxCrossEntropyOp", "backward", "no tape recording");
      const scale = dy.dataSync()[0];
      if (scale !== 1) scaleInPlace(grad, scale);
      const handed = view(grad, grad.shape);
      grad.dispose();
      return [handed];
    };
    return { value: tf.scalar(total * perRow), gradFunc };
  });
  return op(logits) as tf.Scalar;
}
