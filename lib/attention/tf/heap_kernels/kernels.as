// The training path's dense kernels in float32 WebAssembly SIMD, written in AssemblyScript and
// compiled by tools/build_wasm.ts into kernels.wasm: the matrix product (with the relaxed fused
// multiply-add, f32x4.relaxed_madd), LayerNorm forward and backward, and the softmax
// cross-entropy with its gradient. The module imports the memory of TensorFlow.js's wasm backend,
// so it reads its operands and writes its results where the tensors already live: no copy in or
// out. Every pointer is a byte address in that memory.
//
// The product: C = A·B (+ bias) (ReLU), or C += A·B. Every operand is a strided view: element (i, k) of A is
// the float at a + 4·(i·aRow + k·aK), element (k, j) of B at b + 4·(k·bK + j·bN), so a
// transposed operand or a column slice is a choice of strides, never a copy by the caller. C is
// row-major with leading dimension ldc.
//
// The blocking is the classic one for a cache hierarchy: K in blocks of KC; for each, B is packed
// into panels of 8 columns (KC × 8 floats, kept in L1 while a panel is in use), and A is taken MC
// rows at a time, read in place when its rows are runs in memory and otherwise (a transposed A,
// a last partial tile) packed into blocks of 6 rows first. The micro-kernel keeps a 6 × 8 tile of
// C in twelve f32x4 registers, and per k loads 8 floats of B, broadcasts 6 of A and issues 12
// multiply-adds. Partial tiles at the edges are padded with zeros and only their valid part is
// stored.

import { at, exp2Into, expNonPositive, held, hsum, opaqueZero } from "./simd_math";

const MR: i32 = 6;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 96;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.relaxed_madd(a, b, c);
}

/** Bytes of scratch memory matmul needs for a product with N columns. */
export function scratchBytes(N: i32): i32 {
  const panels = (N + NR - 1) / NR;
  return KC * panels * NR * 4 + MC * KC * 4 + MR * NR * 4;
}

/** Packs rows k0 … k0 + kc − 1 of B into panels of 8 columns (zero beyond column N). */
function packB(b: usize, bK: i32, bN: i32, k0: i32, kc: i32, N: i32, out: usize): void {
  const panels = (N + NR - 1) / NR;
  for (let p = 0; p < panels; p++) {
    const col = p * NR;
    const width = min(NR, N - col);
    let dst = out + <usize>p * <usize>kc * (NR * 4);
    for (let k = 0; k < kc; k++) {
      const row = (k0 + k) * bK;
      if (bN == 1 && width == NR) {
        const src = at(b, row + col);
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
      } else {
        for (let j = 0; j < NR; j++) {
          const value: f32 = j < width ? load<f32>(at(b, row + (col + j) * bN)) : 0;
          store<f32>(at(dst, j), value);
        }
      }
      dst += NR * 4;
    }
  }
}

/** Packs rows i0 … i0 + mc − 1, depths k0 … k0 + kc − 1 of A into blocks of 6 rows. */
function packA(a: usize, aRow: i32, aK: i32, i0: i32, mc: i32, k0: i32, kc: i32, out: usize): void {
  const blocks = (mc + MR - 1) / MR;
  for (let block = 0; block < blocks; block++) {
    const first = i0 + block * MR;
    const rows = min(MR, i0 + mc - first);
    let dst = out + <usize>block * <usize>kc * (MR * 4);
    if (rows == MR && aK == 1) {
      // rows in memory: read each row's run of k once
      for (let r = 0; r < MR; r++) {
        const src = at(a, (first + r) * aRow + k0);
        for (let k = 0; k < kc; k++) store<f32>(at(dst, k * MR + r), load<f32>(at(src, k)));
      }
      continue;
    }
    for (let k = 0; k < kc; k++) {
      const depth = (k0 + k) * aK;
      for (let r = 0; r < MR; r++) {
        const value: f32 = r < rows ? load<f32>(at(a, (first + r) * aRow + depth)) : 0;
        store<f32>(at(dst, r), value);
      }
      dst += MR * 4;
    }
  }
}

/**
 * One 6 × 8 tile: the product of a packed A block and a packed B panel over kc, combined with
 * what C holds (`accumulate`) or the bias (`bias` ≠ 0), ReLU when `relu`, stored into the
 * tile's `rows` × `cols` valid part of C.
 */
function tile(
  ap: usize,
  rowBytesA: usize,
  kBytesA: usize,
  bp: usize,
  kc: i32,
  c: usize,
  ldc: i32,
  rows: i32,
  cols: i32,
  accumulate: bool,
  bias: usize,
  relu: bool,
  temp: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  const a0 = ap;
  const a1 = a0 + rowBytesA;
  const a2 = a1 + rowBytesA;
  const a3 = a2 + rowBytesA;
  const a4 = a3 + rowBytesA;
  const a5 = a4 + rowBytesA;
  let off: usize = 0;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let x = v128.load32_splat(a0 + off);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(a1 + off);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(a2 + off);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(a3 + off);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    x = v128.load32_splat(a4 + off);
    c40 = madd(x, b0, c40);
    c41 = madd(x, b1, c41);
    x = v128.load32_splat(a5 + off);
    c50 = madd(x, b0, c50);
    c51 = madd(x, b1, c51);
    off += kBytesA;
    bp += NR * 4;
  }
  const rowBytes = <usize>ldc << 2;
  if (rows == MR && cols == NR) {
    if (accumulate) {
      let o = c;
      c00 = f32x4.add(c00, v128.load(o));
      c01 = f32x4.add(c01, v128.load(o, 16));
      o += rowBytes;
      c10 = f32x4.add(c10, v128.load(o));
      c11 = f32x4.add(c11, v128.load(o, 16));
      o += rowBytes;
      c20 = f32x4.add(c20, v128.load(o));
      c21 = f32x4.add(c21, v128.load(o, 16));
      o += rowBytes;
      c30 = f32x4.add(c30, v128.load(o));
      c31 = f32x4.add(c31, v128.load(o, 16));
      o += rowBytes;
      c40 = f32x4.add(c40, v128.load(o));
      c41 = f32x4.add(c41, v128.load(o, 16));
      o += rowBytes;
      c50 = f32x4.add(c50, v128.load(o));
      c51 = f32x4.add(c51, v128.load(o, 16));
    } else if (bias != 0) {
      const b0 = v128.load(bias);
      const b1 = v128.load(bias, 16);
      c00 = f32x4.add(c00, b0);
      c01 = f32x4.add(c01, b1);
      c10 = f32x4.add(c10, b0);
      c11 = f32x4.add(c11, b1);
      c20 = f32x4.add(c20, b0);
      c21 = f32x4.add(c21, b1);
      c30 = f32x4.add(c30, b0);
      c31 = f32x4.add(c31, b1);
      c40 = f32x4.add(c40, b0);
      c41 = f32x4.add(c41, b1);
      c50 = f32x4.add(c50, b0);
      c51 = f32x4.add(c51, b1);
    }
    if (relu) {
      const zero = f32x4.splat(0);
      c00 = f32x4.max(c00, zero);
      c01 = f32x4.max(c01, zero);
      c10 = f32x4.max(c10, zero);
      c11 = f32x4.max(c11, zero);
      c20 = f32x4.max(c20, zero);
      c21 = f32x4.max(c21, zero);
      c30 = f32x4.max(c30, zero);
      c31 = f32x4.max(c31, zero);
      c40 = f32x4.max(c40, zero);
      c41 = f32x4.max(c41, zero);
      c50 = f32x4.max(c50, zero);
      c51 = f32x4.max(c51, zero);
    }
    let o = c;
    v128.store(o, c00);
    v128.store(o, c01, 16);
    o += rowBytes;
    v128.store(o, c10);
    v128.store(o, c11, 16);
    o += rowBytes;
    v128.store(o, c20);
    v128.store(o, c21, 16);
    o += rowBytes;
    v128.store(o, c30);
    v128.store(o, c31, 16);
    o += rowBytes;
    v128.store(o, c40);
    v128.store(o, c41, 16);
    o += rowBytes;
    v128.store(o, c50);
    v128.store(o, c51, 16);
    return;
  }
  // an edge tile: through the temporary 6 × 8 block, element by element
  v128.store(temp, c00);
  v128.store(temp, c01, 16);
  v128.store(temp, c10, 32);
  v128.store(temp, c11, 48);
  v128.store(temp, c20, 64);
  v128.store(temp, c21, 80);
  v128.store(temp, c30, 96);
  v128.store(temp, c31, 112);
  v128.store(temp, c40, 128);
  v128.store(temp, c41, 144);
  v128.store(temp, c50, 160);
  v128.store(temp, c51, 176);
  for (let r = 0; r < rows; r++) {
    const o = c + <usize>r * rowBytes;
    for (let j = 0; j < cols; j++) {
      let value = load<f32>(at(temp, r * NR + j));
      if (accumulate) value += load<f32>(at(o, j));
      else if (bias != 0) value += load<f32>(at(bias, j));
      if (relu) value = max(value, <f32>0);
      store<f32>(at(o, j), value);
    }
  }
}

/**
 * C (M × N, leading dimension ldc) = A·B + bias (bias = 0: none), ReLU when `relu`; with
 * `accumulate`, C += A·B instead (no bias; ReLU then applies to the sum). A is M × K and B is
 * K × N, both as strided views (the module comment). `scratch` holds scratchBytes(N) bytes.
 */
export function matmul(
  M: i32,
  N: i32,
  K: i32,
  a: usize,
  aRow: i32,
  aK: i32,
  b: usize,
  bK: i32,
  bN: i32,
  c: usize,
  ldc: i32,
  bias: usize,
  relu: bool,
  accumulate: bool,
  scratch: usize,
): void {
  const panels = (N + NR - 1) / NR;
  const packedB = scratch;
  const packedA = packedB + <usize>KC * <usize>panels * (NR * 4);
  const temp = packedA + <usize>(MC * KC * 4);
  if (K == 0) {
    // an empty sum: C keeps its values (accumulate) or becomes the bias
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const o = at(c, i * ldc + j);
        let value: f32 = accumulate ? load<f32>(o) : bias != 0 ? load<f32>(at(bias, j)) : 0;
        if (relu) value = max(value, <f32>0);
        store<f32>(o, value);
      }
    }
    return;
  }
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    const firstBlock = k0 == 0;
    const lastBlock = k0 + kc >= K;
    packB(b, bK, bN, k0, kc, N, packedB);
    for (let i0 = 0; i0 < M; i0 += MC) {
      const mc = min(MC, M - i0);
      // A is read in place when its rows are runs in memory and the block holds whole tiles;
      // otherwise (a transposed A, the last rows) packed into blocks of 6 rows first
      const direct = aK == 1 && mc % MR == 0;
      if (!direct) packA(a, aRow, aK, i0, mc, k0, kc, packedA);
      const blocks = (mc + MR - 1) / MR;
      for (let p = 0; p < panels; p++) {
        const col = p * NR;
        const cols = min(NR, N - col);
        const bp = packedB + <usize>p * <usize>kc * (NR * 4);
        const tileBias = firstBlock && !accumulate && bias != 0 ? at(bias, col) : 0;
        for (let block = 0; block < blocks; block++) {
          const row = i0 + block * MR;
          tile(
            direct
              ? at(a, row * aRow + k0)
              : packedA + <usize>block * <usize>kc * (MR * 4),
            direct ? <usize>aRow << 2 : 4,
            direct ? 4 : MR * 4,
            bp,
            kc,
            at(c, row * ldc + col),
            ldc,
            min(MR, i0 + mc - row),
            cols,
            accumulate || !firstBlock,
            tileBias,
            relu && lastBlock,
            temp,
          );
        }
      }
    }
  }
}

/** out[j] = Σ_i src[i·ld + j] for j < cols (the bias gradient of a linear layer), row by row. */
export function columnSums(src: usize, rows: i32, ld: i32, cols: i32, out: usize): void {
  for (let j = 0; j < cols; j++) store<f32>(at(out, j), 0);
  for (let i = 0; i < rows; i++) {
    const row = at(src, i * ld);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      v128.store(at(out, j), f32x4.add(v128.load(at(out, j)), v128.load(at(row, j))));
    }
    for (; j < cols; j++) store<f32>(at(out, j), load<f32>(at(out, j)) + load<f32>(at(row, j)));
  }
}

/** out[i] = dy[i] where y[i] > 0, else 0 (the gradient through a ReLU), for i < count. */
export function reluGate(dy: usize, y: usize, count: i32, out: usize): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const open = f32x4.gt(v128.load(at(y, i)), zero);
    v128.store(at(out, i), v128.and(v128.load(at(dy, i)), open));
  }
  for (; i < count; i++) store<f32>(at(out, i), load<f32>(at(y, i)) > 0 ? load<f32>(at(dy, i)) : 0);
}

/**
 * LayerNorm of each of `rows` rows of `width` floats: out = γ·(x − μ)·ρ + β with μ the row's
 * mean and ρ = 1/√(σ² + ε) (σ² the population variance). `stats` (0: none) receives μ and ρ per
 * row, what the backward pass needs besides x and γ.
 */
export function layerNormForward(
  x: usize,
  gamma: usize,
  beta: usize,
  rows: i32,
  width: i32,
  epsilon: f32,
  out: usize,
  stats: usize,
): void {
  const inverseWidth = <f32>1 / <f32>width;
  for (let r = 0; r < rows; r++) {
    const row = at(x, r * width);
    const o = at(out, r * width);
    let acc = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= width; c += 4) acc = f32x4.add(acc, v128.load(at(row, c)));
    let sum = hsum(acc);
    for (; c < width; c++) sum += load<f32>(at(row, c));
    const mean = sum * inverseWidth;
    const mean4 = f32x4.splat(mean);
    acc = f32x4.splat(0);
    c = 0;
    for (; c + 4 <= width; c += 4) {
      const d = f32x4.sub(v128.load(at(row, c)), mean4);
      acc = f32x4.add(acc, f32x4.mul(d, d));
    }
    let squares = hsum(acc);
    for (; c < width; c++) {
      const d = load<f32>(at(row, c)) - mean;
      squares += d * d;
    }
    const rho = <f32>1 / Mathf.sqrt(squares * inverseWidth + epsilon);
    const rho4 = f32x4.splat(rho);
    c = 0;
    for (; c + 4 <= width; c += 4) {
      const hat = f32x4.mul(f32x4.sub(v128.load(at(row, c)), mean4), rho4);
      v128.store(
        at(o, c),
        f32x4.add(f32x4.mul(hat, v128.load(at(gamma, c))), v128.load(at(beta, c))),
      );
    }
    for (; c < width; c++) {
      const hat = (load<f32>(at(row, c)) - mean) * rho;
      store<f32>(at(o, c), hat * load<f32>(at(gamma, c)) + load<f32>(at(beta, c)));
    }
    if (stats != 0) {
      store<f32>(at(stats, 2 * r), mean);
      store<f32>(at(stats, 2 * r + 1), rho);
    }
  }
}

/**
 * LayerNorm's gradients from the upstream dy, with x̂ = (x − μ)·ρ recomputed from `stats` and
 * g = dy·γ: dx = (g − mean(g) − x̂·mean(g·x̂))·ρ, dγ = Σ_rows dy·x̂, dβ = Σ_rows dy.
 */
export function layerNormBackward(
  x: usize,
  gamma: usize,
  stats: usize,
  dy: usize,
  rows: i32,
  width: i32,
  dx: usize,
  dGamma: usize,
  dBeta: usize,
): void {
  const inverseWidth = <f32>1 / <f32>width;
  for (let c = 0; c < width; c++) {
    store<f32>(at(dGamma, c), 0);
    store<f32>(at(dBeta, c), 0);
  }
  for (let r = 0; r < rows; r++) {
    const row = at(x, r * width);
    const up = at(dy, r * width);
    const o = at(dx, r * width);
    const mean = load<f32>(at(stats, 2 * r));
    const rho = load<f32>(at(stats, 2 * r + 1));
    const mean4 = f32x4.splat(mean);
    const rho4 = f32x4.splat(rho);
    let sumG = f32x4.splat(0);
    let sumGHat = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= width; c += 4) {
      const hat = f32x4.mul(f32x4.sub(v128.load(at(row, c)), mean4), rho4);
      const d = v128.load(at(up, c));
      v128.store(at(dGamma, c), f32x4.add(v128.load(at(dGamma, c)), f32x4.mul(d, hat)));
      v128.store(at(dBeta, c), f32x4.add(v128.load(at(dBeta, c)), d));
      const g = f32x4.mul(d, v128.load(at(gamma, c)));
      sumG = f32x4.add(sumG, g);
      sumGHat = f32x4.add(sumGHat, f32x4.mul(g, hat));
    }
    let meanG = hsum(sumG);
    let meanGHat = hsum(sumGHat);
    for (let t = c; t < width; t++) {
      const hat = (load<f32>(at(row, t)) - mean) * rho;
      const d = load<f32>(at(up, t));
      store<f32>(at(dGamma, t), load<f32>(at(dGamma, t)) + d * hat);
      store<f32>(at(dBeta, t), load<f32>(at(dBeta, t)) + d);
      const g = d * load<f32>(at(gamma, t));
      meanG += g;
      meanGHat += g * hat;
    }
    meanG *= inverseWidth;
    meanGHat *= inverseWidth;
    const meanG4 = f32x4.splat(meanG);
    const meanGHat4 = f32x4.splat(meanGHat);
    c = 0;
    for (; c + 4 <= width; c += 4) {
      const hat = f32x4.mul(f32x4.sub(v128.load(at(row, c)), mean4), rho4);
      const g = f32x4.mul(v128.load(at(up, c)), v128.load(at(gamma, c)));
      const centred = f32x4.sub(f32x4.sub(g, meanG4), f32x4.mul(hat, meanGHat4));
      v128.store(at(o, c), f32x4.mul(centred, rho4));
    }
    for (; c < width; c++) {
      const hat = (load<f32>(at(row, c)) - mean) * rho;
      const g = load<f32>(at(up, c)) * load<f32>(at(gamma, c));
      store<f32>(at(o, c), (g - meanG - hat * meanGHat) * rho);
    }
  }
}

/** e^x for one x ≤ 0, through the four-lane version (the same rounding as the lanes). */
@inline function expScalar(x: f32): f32 {
  return f32x4.extract_lane(expNonPositive(f32x4.splat(x)), 0);
}

/**
 * Σ_r w_r·(logsumexp(z_r) − z_r[label_r]) over `rows` rows of `classes` logits, with int32
 * labels and float32 weights (`weights` 0: every weight 1). With `grad` ≠ 0 it also writes
 * the gradient of that sum times `scale`: scale·w_r·(softmax(z_r) − onehot(label_r)).
 */
export function softmaxCrossEntropy(
  z: usize,
  labels: usize,
  weights: usize,
  rows: i32,
  classes: i32,
  scale: f32,
  grad: usize,
): f64 {
  let total: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const row = at(z, r * classes);
    let top = f32x4.splat(-Infinity);
    let c = 0;
    for (; c + 4 <= classes; c += 4) top = f32x4.max(top, v128.load(at(row, c)));
    let largest = max(
      max(f32x4.extract_lane(top, 0), f32x4.extract_lane(top, 1)),
      max(f32x4.extract_lane(top, 2), f32x4.extract_lane(top, 3)),
    );
    for (; c < classes; c++) largest = max(largest, load<f32>(at(row, c)));
    const largest4 = f32x4.splat(largest);
    let sums = f32x4.splat(0);
    c = 0;
    for (; c + 4 <= classes; c += 4) {
      sums = f32x4.add(sums, expNonPositive(f32x4.sub(v128.load(at(row, c)), largest4)));
    }
    let sum = hsum(sums);
    for (; c < classes; c++) sum += expScalar(load<f32>(at(row, c)) - largest);
    const logSum = largest + Mathf.log(sum);
    const label = load<i32>(labels + (<usize>r << 2));
    const w: f32 = weights != 0 ? load<f32>(at(weights, r)) : 1;
    total += <f64>w * <f64>(logSum - load<f32>(at(row, label)));
    if (grad == 0) continue;
    const factor = scale * w;
    const factor4 = f32x4.splat(factor);
    const logSum4 = f32x4.splat(logSum);
    const g = at(grad, r * classes);
    c = 0;
    for (; c + 4 <= classes; c += 4) {
      const p = expNonPositive(f32x4.sub(v128.load(at(row, c)), logSum4));
      v128.store(at(g, c), f32x4.mul(factor4, p));
    }
    for (; c < classes; c++) store<f32>(at(g, c), factor * expScalar(load<f32>(at(row, c)) - logSum));
    store<f32>(at(g, label), load<f32>(at(g, label)) - factor);
  }
  return total;
}

/** x[i] *= s for i < count. */
export function scaleInPlace(x: usize, count: i32, s: f32): void {
  const s4 = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= count; i += 4) v128.store(at(x, i), f32x4.mul(v128.load(at(x, i)), s4));
  for (; i < count; i++) store<f32>(at(x, i), load<f32>(at(x, i)) * s);
}

/**
 * Row softmax in place, for attention computed as matrix products: each of `rows` rows of
 * `cols` scores s (leading dimension ld) becomes softmax(scale·s) over the entries its mask
 * keeps, and 0 elsewhere. `mask` (0: every entry kept) is a row-major rows × cols array of
 * 32-bit lane masks (all ones: kept, 0: dropped), leading dimension maskLd; a row that keeps
 * nothing becomes zeros.
 *
 * Three passes over a row: the largest kept scale·s; e = 2^t with t = (scale·s − largest)·log₂e
 * and their sum (exp2Into); e / sum.
 */
export function softmaxRows(
  s: usize,
  rows: i32,
  cols: i32,
  ld: i32,
  scale: f32,
  mask: usize,
  maskLd: i32,
): void {
  const scale4 = f32x4.splat(scale);
  const dropped = held(opaqueZero(scale), -Infinity);
  const everything = i32x4.splat(-1);
  const log2e: f32 = 1.4426950408889634;
  for (let r = 0; r < rows; r++) {
    const row = at(s, r * ld);
    const keep = mask != 0 ? at(mask, r * maskLd) : 0;
    let top = dropped;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const kept = keep != 0 ? v128.load(at(keep, c)) : everything;
      const x = v128.bitselect(f32x4.mul(v128.load(at(row, c)), scale4), dropped, kept);
      top = f32x4.pmax(top, x);
    }
    let largest = max(
      max(f32x4.extract_lane(top, 0), f32x4.extract_lane(top, 1)),
      max(f32x4.extract_lane(top, 2), f32x4.extract_lane(top, 3)),
    );
    for (; c < cols; c++) {
      if (keep == 0 || load<i32>(at(keep, c)) != 0) largest = max(largest, load<f32>(at(row, c)) * scale);
    }
    if (largest == -Infinity) {
      for (c = 0; c < cols; c++) store<f32>(at(row, c), 0);
      continue;
    }
    const sum = exp2Into(row, row, cols, scale * log2e, -largest * log2e, keep);
    const inverse = f32x4.splat(1 / sum);
    c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(at(row, c), f32x4.mul(v128.load(at(row, c)), inverse));
    for (; c < cols; c++) store<f32>(at(row, c), load<f32>(at(row, c)) / sum);
  }
}

/**
 * The gradient through softmaxRows, in place on the upstream gradient: each row of dp
 * (leading dimension ldD) becomes scale·p ⊙ (dp − Σ p ⊙ dp), p the forward's probabilities
 * (leading dimension ldP; 0 where the mask dropped an entry, so the gradient is 0 there too).
 */
export function softmaxRowsBackward(
  p: usize,
  ldP: i32,
  dp: usize,
  ldD: i32,
  rows: i32,
  cols: i32,
  scale: f32,
): void {
  for (let r = 0; r < rows; r++) {
    const pRow = at(p, r * ldP);
    const dRow = at(dp, r * ldD);
    let dots = f32x4.splat(0);
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      dots = f32x4.add(dots, f32x4.mul(v128.load(at(pRow, c)), v128.load(at(dRow, c))));
    }
    let dot = hsum(dots);
    for (; c < cols; c++) dot += load<f32>(at(pRow, c)) * load<f32>(at(dRow, c));
    const dot4 = f32x4.splat(dot);
    const scale4 = f32x4.splat(scale);
    c = 0;
    for (; c + 4 <= cols; c += 4) {
      const g = f32x4.sub(v128.load(at(dRow, c)), dot4);
      v128.store(at(dRow, c), f32x4.mul(scale4, f32x4.mul(v128.load(at(pRow, c)), g)));
    }
    for (; c < cols; c++) {
      store<f32>(at(dRow, c), scale * load<f32>(at(pRow, c)) * (load<f32>(at(dRow, c)) - dot));
    }
  }
}

/**
 * The epilogue of a product computed elsewhere (the machine's BLAS): adds `bias` (0: none) to
 * each of `rows` rows of `cols` floats (leading dimension ld) and, with relu ≠ 0, applies
 * max(0, ·), in one pass.
 */
export function biasRelu(c: usize, rows: i32, cols: i32, ld: i32, bias: usize, relu: i32): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = at(c, r * ld);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      let x = v128.load(at(row, j));
      if (bias != 0) x = f32x4.add(x, v128.load(at(bias, j)));
      if (relu != 0) x = f32x4.max(x, zero);
      v128.store(at(row, j), x);
    }
    for (; j < cols; j++) {
      let x = load<f32>(at(row, j));
      if (bias != 0) x += load<f32>(at(bias, j));
      if (relu != 0) x = max(x, <f32>0);
      store<f32>(at(row, j), x);
    }
  }
}
