// The sparse attention core in float32 with WebAssembly SIMD (f32x4), written in AssemblyScript
// and compiled by tools/build_wasm.ts into core.wasm. It computes what ../forward.ts and
// ../backward.ts compute for softmax (α = 1), on the same layout: token t's head h of q, k and v
// starts at offset + t·stride + h·m (elements), the output and the upstream gradient are compact
// (batch × numQueries × heads·m), probabilities are stored per batch item and head in the
// graphs' CSR order.
//
// Every pointer is a byte address in this module's memory; the TypeScript wrapper (./mod.ts)
// lays the arrays out and copies them in and out. The head table holds, per head, three i32:
// the address of its rowStart, the address of its keys, and where its probabilities start
// within one batch item (element offset). Rows are walked batch item by batch item, query by
// query, head by head, and each row does its dot products and weighted sums four lanes at a
// time, with a scalar tail when m is not a multiple of 4.

import { at, exp2Into, hsum } from "./simd_math";

/** Σ_c a[c]·b[c] over m floats (two accumulators, so additions overlap). */
@inline function dot(a: usize, b: usize, m: i32): f32 {
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let c = 0;
  for (; c + 8 <= m; c += 8) {
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(at(a, c)), v128.load(at(b, c))));
    acc1 = f32x4.add(acc1, f32x4.mul(v128.load(at(a, c + 4)), v128.load(at(b, c + 4))));
  }
  if (c + 4 <= m) {
    acc0 = f32x4.add(acc0, f32x4.mul(v128.load(at(a, c)), v128.load(at(b, c))));
    c += 4;
  }
  let s = hsum(f32x4.add(acc0, acc1));
  for (; c < m; c++) s += load<f32>(at(a, c)) * load<f32>(at(b, c));
  return s;
}

/** y[c] += s·x[c] over m floats. */
@inline function axpy(y: usize, s: f32, x: usize, m: i32): void {
  const sv = f32x4.splat(s);
  let c = 0;
  for (; c + 4 <= m; c += 4) {
    v128.store(at(y, c), f32x4.add(v128.load(at(y, c)), f32x4.mul(sv, v128.load(at(x, c)))));
  }
  for (; c < m; c++) store<f32>(at(y, c), load<f32>(at(y, c)) + s * load<f32>(at(x, c)));
}

/**
 * Rows longer than this (a star's relay query, a global token's row) sweep their keys once,
 * key by key over all m columns, with the row's sums in memory; shorter rows sweep them once
 * per block of columns with the sums in registers, which is faster while the keys' rows stay
 * in cache.
 */
const LONG_ROW: i32 = 64;

/** Where this module's free memory starts (after its static data). */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * A long row for every head at once, when the heads share one graph: key by key with the heads
 * inside, so the strided sweeps over k and v, which miss the cache at large n, happen once
 * instead of once per head. `qr`, `orow` are the query's and the output's row (all heads), `kb`
 * and `vb` token 0's key and value offsets, `pItem` the row's probabilities within the batch
 * item (head h's at the table's offset for h), `scores` scratch for heads · count scores and
 * `maxes` for one value per head.
 */
function forwardLongRowAllHeads(
  qr: usize, keys: usize, count: i32, k: usize, kb: i32, kStride: i32, v: usize, vb: i32,
  vStride: i32, heads: i32, m: i32, scale: f32, pItem: usize, table: usize, orow: usize,
  scores: usize, maxes: usize,
): void {
  for (let h = 0; h < heads; h++) store<f32>(at(maxes, h), -Infinity);
  for (let a = 0; a < count; a++) {
    const kr = at(k, kb + load<i32>(at(keys, a)) * kStride);
    for (let h = 0; h < heads; h++) {
      const s = dot(at(qr, h * m), at(kr, h * m), m) * scale;
      store<f32>(at(scores, h * count + a), s);
      store<f32>(at(maxes, h), Mathf.max(load<f32>(at(maxes, h)), s));
    }
  }
  for (let h = 0; h < heads; h++) {
    const pp = at(pItem, load<i32>(table + <usize>(h * 12), 8));
    softmaxRow(at(scores, h * count), count, load<f32>(at(maxes, h)), pp);
  }
  memory.fill(orow, 0, <usize>(heads * m) << 2);
  for (let a = 0; a < count; a++) {
    const vr = at(v, vb + load<i32>(at(keys, a)) * vStride);
    for (let h = 0; h < heads; h++) {
      const p = load<f32>(at(at(pItem, load<i32>(table + <usize>(h * 12), 8)), a));
      axpy(at(orow, h * m), p, at(vr, h * m), m);
    }
  }
}

/** The backward pass of a long row for every head at once (see forwardLongRowAllHeads). */
function backwardLongRowAllHeads(
  qr: usize, gr: usize, keys: usize, count: i32, k: usize, kb: i32, kStride: i32, v: usize,
  vb: i32, vStride: i32, dk: usize, dv: usize, dqr: usize, heads: i32, m: i32, scale: f32,
  pItem: usize, table: usize, dp: usize, means: usize,
): void {
  memory.fill(means, 0, <usize>heads << 2);
  for (let a = 0; a < count; a++) {
    const j = load<i32>(at(keys, a));
    const vr = at(v, vb + j * vStride);
    const dvr = at(dv, vb + j * vStride);
    for (let h = 0; h < heads; h++) {
      const p = load<f32>(at(at(pItem, load<i32>(table + <usize>(h * 12), 8)), a));
      const d = dot(at(gr, h * m), at(vr, h * m), m);
      axpy(at(dvr, h * m), p, at(gr, h * m), m);
      store<f32>(at(dp, h * count + a), d);
      store<f32>(at(means, h), load<f32>(at(means, h)) + p * d);
    }
  }
  memory.fill(dqr, 0, <usize>(heads * m) << 2);
  for (let a = 0; a < count; a++) {
    const j = load<i32>(at(keys, a));
    const kr = at(k, kb + j * kStride);
    const dkr = at(dk, kb + j * kStride);
    for (let h = 0; h < heads; h++) {
      const p = load<f32>(at(at(pItem, load<i32>(table + <usize>(h * 12), 8)), a));
      const ds = scale * p * (load<f32>(at(dp, h * count + a)) - load<f32>(at(means, h)));
      if (ds == 0) continue;
      axpy(at(dqr, h * m), ds, at(kr, h * m), m);
      axpy(at(dkr, h * m), ds, at(qr, h * m), m);
    }
  }
}

/** Softmax of one row's `count` scores (their maximum `max`) into pp (exp2Into, then / sum). */
@inline function softmaxRow(scores: usize, count: i32, max: f32, pp: usize): void {
  const log2e: f32 = 1.4426950408889634;
  const inverse: f32 = 1 / exp2Into(scores, pp, count, log2e, -max * log2e, 0);
  const scaleBy = f32x4.splat(inverse);
  let a = 0;
  for (; a + 4 <= count; a += 4) v128.store(at(pp, a), f32x4.mul(v128.load(at(pp, a)), scaleBy));
  for (; a < count; a++) store<f32>(at(pp, a), load<f32>(at(pp, a)) * inverse);
}

/**
 * The forward pass: out (compact) and the softmax probabilities of every row. `scores` is
 * scratch for heads · (longest row + 1) floats. `shared` (0 or 1) says the heads share one
 * graph, so long rows run for every head at once.
 */
export function forward(
  q: usize, k: usize, v: usize,
  qOff: i32, qStride: i32, kOff: i32, kStride: i32, vOff: i32, vStride: i32,
  batch: i32, heads: i32, m: i32, numQueries: i32, numKeys: i32, scale: f32,
  table: usize, probsPerItem: i32, probs: usize, out: usize, scores: usize, shared: i32,
): void {
  const width = heads * m;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < numQueries; i++) {
      const row = b * numQueries + i;
      for (let h = 0; h < heads; h++) {
        const entry = table + <usize>(h * 12);
        const rowStart = load<u32>(entry);
        const keyList = load<u32>(entry, 4);
        const start = load<i32>(at(rowStart, i));
        const count = load<i32>(at(rowStart, i + 1)) - start;
        const keys = at(keyList, start);
        if (shared != 0 && count > LONG_ROW) {
          forwardLongRowAllHeads(
            at(q, qOff + row * qStride), keys, count, k, kOff + b * numKeys * kStride, kStride,
            v, vOff + b * numKeys * vStride, vStride, heads, m, scale,
            at(probs, b * probsPerItem + start), table, at(out, row * width), scores,
            at(scores, heads * count),
          );
          break; // every head done
        }
        const pp = at(probs, b * probsPerItem + load<i32>(entry, 8) + start);
        const qp = at(q, qOff + row * qStride + h * m);
        const kBase = kOff + b * numKeys * kStride + h * m;
        const vBase = vOff + b * numKeys * vStride + h * m;
        let max = -Infinity as f32;
        for (let a = 0; a < count; a++) {
          const j = load<i32>(at(keys, a));
          const s = dot(qp, at(k, kBase + j * kStride), m) * scale;
          store<f32>(at(scores, a), s);
          max = Mathf.max(max, s);
        }
        softmaxRow(scores, count, max, pp);
        // out = Σ_a p_a v_j, four columns at a time with the sum held in a register
        const op = at(out, row * width + h * m);
        if (count > LONG_ROW) {
          memory.fill(op, 0, <usize>m << 2);
          for (let a = 0; a < count; a++) {
            const vp = at(v, vBase + load<i32>(at(keys, a)) * vStride);
            axpy(op, load<f32>(at(pp, a)), vp, m);
          }
          continue;
        }
        let c = 0;
        for (; c + 16 <= m; c += 16) {
          let s0 = f32x4.splat(0);
          let s1 = f32x4.splat(0);
          let s2 = f32x4.splat(0);
          let s3 = f32x4.splat(0);
          for (let a = 0; a < count; a++) {
            const vp = at(v, vBase + load<i32>(at(keys, a)) * vStride + c);
            const p = f32x4.splat(load<f32>(at(pp, a)));
            s0 = f32x4.add(s0, f32x4.mul(p, v128.load(vp)));
            s1 = f32x4.add(s1, f32x4.mul(p, v128.load(vp, 16)));
            s2 = f32x4.add(s2, f32x4.mul(p, v128.load(vp, 32)));
            s3 = f32x4.add(s3, f32x4.mul(p, v128.load(vp, 48)));
          }
          v128.store(at(op, c), s0);
          v128.store(at(op, c + 4), s1);
          v128.store(at(op, c + 8), s2);
          v128.store(at(op, c + 12), s3);
        }
        for (; c + 8 <= m; c += 8) {
          let lo = f32x4.splat(0);
          let hi = f32x4.splat(0);
          for (let a = 0; a < count; a++) {
            const vp = at(v, vBase + load<i32>(at(keys, a)) * vStride + c);
            const p = f32x4.splat(load<f32>(at(pp, a)));
            lo = f32x4.add(lo, f32x4.mul(p, v128.load(vp)));
            hi = f32x4.add(hi, f32x4.mul(p, v128.load(vp, 16)));
          }
          v128.store(at(op, c), lo);
          v128.store(at(op, c + 4), hi);
        }
        for (; c + 4 <= m; c += 4) {
          let acc = f32x4.splat(0);
          for (let a = 0; a < count; a++) {
            const vp = at(v, vBase + load<i32>(at(keys, a)) * vStride + c);
            acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(at(pp, a))), v128.load(vp)));
          }
          v128.store(at(op, c), acc);
        }
        for (; c < m; c++) {
          let s: f32 = 0;
          for (let a = 0; a < count; a++) {
            s += load<f32>(at(pp, a)) * load<f32>(at(v, vBase + load<i32>(at(keys, a)) * vStride + c));
          }
          store<f32>(at(op, c), s);
        }
      }
    }
  }
}

/** The backward pass of one long row: a single sweep over its keys for each step. */
function longRowBackward(
  qp: usize, gp: usize, pp: usize, keys: usize, count: i32,
  k: usize, kBase: i32, kStride: i32, v: usize, vBase: i32, vStride: i32,
  m: i32, dk: usize, dv: usize, dqp: usize, dp: usize, scale: f32,
): void {
  // dp_a = dO_i · v_j and dv_j += p_a dO_i
  let mean: f32 = 0;
  for (let a = 0; a < count; a++) {
    const j = load<i32>(at(keys, a));
    const p = load<f32>(at(pp, a));
    const d = dot(gp, at(v, vBase + j * vStride), m);
    axpy(at(dv, vBase + j * vStride), p, gp, m);
    store<f32>(at(dp, a), d);
    mean += p * d;
  }
  // ds_a = scale · p_a (dp_a − Σ p dp), then dq_i = Σ ds_a k_j and dk_j += ds_a q_i
  memory.fill(dqp, 0, <usize>m << 2);
  for (let a = 0; a < count; a++) {
    const ds = scale * load<f32>(at(pp, a)) * (load<f32>(at(dp, a)) - mean);
    if (ds == 0) continue;
    const j = load<i32>(at(keys, a));
    axpy(dqp, ds, at(k, kBase + j * kStride), m);
    axpy(at(dk, kBase + j * kStride), ds, qp, m);
  }
}

/**
 * The backward pass from the forward pass's probabilities and the upstream gradient dOut
 * (compact): dq, dk and dv at the positions the layout gives q, k and v. dq is stored row by
 * row; key and value gradients accumulate in place, so dk and dv must hold zeros on entry (the
 * wrapper clears them). `dp` is scratch for heads · (longest row + 1) floats; `shared` as in
 * forward.
 */
export function backward(
  q: usize, k: usize, v: usize,
  qOff: i32, qStride: i32, kOff: i32, kStride: i32, vOff: i32, vStride: i32,
  batch: i32, heads: i32, m: i32, numQueries: i32, numKeys: i32, scale: f32,
  table: usize, probsPerItem: i32, probs: usize, dOut: usize,
  dq: usize, dk: usize, dv: usize, dp: usize, shared: i32,
): void {
  const width = heads * m;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < numQueries; i++) {
      const row = b * numQueries + i;
      for (let h = 0; h < heads; h++) {
        const entry = table + <usize>(h * 12);
        const rowStart = load<u32>(entry);
        const keyList = load<u32>(entry, 4);
        const start = load<i32>(at(rowStart, i));
        const count = load<i32>(at(rowStart, i + 1)) - start;
        const keys = at(keyList, start);
        if (shared != 0 && count > LONG_ROW) {
          backwardLongRowAllHeads(
            at(q, qOff + row * qStride), at(dOut, row * width), keys, count,
            k, kOff + b * numKeys * kStride, kStride, v, vOff + b * numKeys * vStride, vStride,
            dk, dv, at(dq, qOff + row * qStride), heads, m, scale,
            at(probs, b * probsPerItem + start), table, dp, at(dp, heads * count),
          );
          break; // every head done
        }
        const pp = at(probs, b * probsPerItem + load<i32>(entry, 8) + start);
        const qp = at(q, qOff + row * qStride + h * m);
        const gp = at(dOut, row * width + h * m);
        const kBase = kOff + b * numKeys * kStride + h * m;
        const vBase = vOff + b * numKeys * vStride + h * m;
        if (count > LONG_ROW) {
          longRowBackward(qp, gp, pp, keys, count, k, kBase, kStride, v, vBase, vStride,
            m, dk, dv, at(dq, qOff + row * qStride + h * m), dp, scale);
          continue;
        }
        // dp_a = dO_i · v_j and dv_j += p_a dO_i, sixteen columns at a time with dO_i's
        // block held in registers; dp_a accumulates block by block in its scratch slot
        memory.fill(dp, 0, <usize>count << 2);
        let c = 0;
        for (; c + 16 <= m; c += 16) {
          const g0 = v128.load(at(gp, c));
          const g1 = v128.load(at(gp, c + 4));
          const g2 = v128.load(at(gp, c + 8));
          const g3 = v128.load(at(gp, c + 12));
          for (let a = 0; a < count; a++) {
            const j = load<i32>(at(keys, a));
            const vp = at(v, vBase + j * vStride + c);
            const sp = at(dv, vBase + j * vStride + c);
            const pv = f32x4.splat(load<f32>(at(pp, a)));
            const d = f32x4.add(
              f32x4.add(f32x4.mul(g0, v128.load(vp)), f32x4.mul(g1, v128.load(vp, 16))),
              f32x4.add(f32x4.mul(g2, v128.load(vp, 32)), f32x4.mul(g3, v128.load(vp, 48))),
            );
            store<f32>(at(dp, a), load<f32>(at(dp, a)) + hsum(d));
            v128.store(sp, f32x4.add(v128.load(sp), f32x4.mul(pv, g0)));
            v128.store(sp, f32x4.add(v128.load(sp, 16), f32x4.mul(pv, g1)), 16);
            v128.store(sp, f32x4.add(v128.load(sp, 32), f32x4.mul(pv, g2)), 32);
            v128.store(sp, f32x4.add(v128.load(sp, 48), f32x4.mul(pv, g3)), 48);
          }
        }
        for (; c + 4 <= m; c += 4) {
          const g0 = v128.load(at(gp, c));
          for (let a = 0; a < count; a++) {
            const j = load<i32>(at(keys, a));
            const vp = at(v, vBase + j * vStride + c);
            const sp = at(dv, vBase + j * vStride + c);
            const pv = f32x4.splat(load<f32>(at(pp, a)));
            store<f32>(at(dp, a), load<f32>(at(dp, a)) + hsum(f32x4.mul(g0, v128.load(vp))));
            v128.store(sp, f32x4.add(v128.load(sp), f32x4.mul(pv, g0)));
          }
        }
        for (; c < m; c++) {
          const g = load<f32>(at(gp, c));
          for (let a = 0; a < count; a++) {
            const j = load<i32>(at(keys, a));
            const p = load<f32>(at(pp, a));
            const sp = at(dv, vBase + j * vStride + c);
            store<f32>(at(dp, a), load<f32>(at(dp, a)) + g * load<f32>(at(v, vBase + j * vStride + c)));
            store<f32>(sp, load<f32>(sp) + p * g);
          }
        }
        // ds_a = scale · p_a (dp_a − Σ p dp), in place of dp_a
        let mean: f32 = 0;
        for (let a = 0; a < count; a++) mean += load<f32>(at(pp, a)) * load<f32>(at(dp, a));
        for (let a = 0; a < count; a++) {
          store<f32>(at(dp, a), scale * load<f32>(at(pp, a)) * (load<f32>(at(dp, a)) - mean));
        }
        // dq_i = Σ ds_a k_j and dk_j += ds_a q_i, sixteen columns at a time with q_i's block
        // and dq_i's sums held in registers
        const dqp = at(dq, qOff + row * qStride + h * m);
        c = 0;
        for (; c + 16 <= m; c += 16) {
          const q0 = v128.load(at(qp, c));
          const q1 = v128.load(at(qp, c + 4));
          const q2 = v128.load(at(qp, c + 8));
          const q3 = v128.load(at(qp, c + 12));
          let s0 = f32x4.splat(0);
          let s1 = f32x4.splat(0);
          let s2 = f32x4.splat(0);
          let s3 = f32x4.splat(0);
          for (let a = 0; a < count; a++) {
            const ds = load<f32>(at(dp, a));
            if (ds == 0) continue;
            const dv4 = f32x4.splat(ds);
            const j = load<i32>(at(keys, a));
            const kp = at(k, kBase + j * kStride + c);
            const sp = at(dk, kBase + j * kStride + c);
            s0 = f32x4.add(s0, f32x4.mul(dv4, v128.load(kp)));
            s1 = f32x4.add(s1, f32x4.mul(dv4, v128.load(kp, 16)));
            s2 = f32x4.add(s2, f32x4.mul(dv4, v128.load(kp, 32)));
            s3 = f32x4.add(s3, f32x4.mul(dv4, v128.load(kp, 48)));
            v128.store(sp, f32x4.add(v128.load(sp), f32x4.mul(dv4, q0)));
            v128.store(sp, f32x4.add(v128.load(sp, 16), f32x4.mul(dv4, q1)), 16);
            v128.store(sp, f32x4.add(v128.load(sp, 32), f32x4.mul(dv4, q2)), 32);
            v128.store(sp, f32x4.add(v128.load(sp, 48), f32x4.mul(dv4, q3)), 48);
          }
          v128.store(at(dqp, c), s0);
          v128.store(at(dqp, c + 4), s1);
          v128.store(at(dqp, c + 8), s2);
          v128.store(at(dqp, c + 12), s3);
        }
        for (; c + 4 <= m; c += 4) {
          const q0 = v128.load(at(qp, c));
          let s0 = f32x4.splat(0);
          for (let a = 0; a < count; a++) {
            const ds = load<f32>(at(dp, a));
            if (ds == 0) continue;
            const dv4 = f32x4.splat(ds);
            const j = load<i32>(at(keys, a));
            const sp = at(dk, kBase + j * kStride + c);
            s0 = f32x4.add(s0, f32x4.mul(dv4, v128.load(at(k, kBase + j * kStride + c))));
            v128.store(sp, f32x4.add(v128.load(sp), f32x4.mul(dv4, q0)));
          }
          v128.store(at(dqp, c), s0);
        }
        for (; c < m; c++) {
          const qc = load<f32>(at(qp, c));
          let s0: f32 = 0;
          for (let a = 0; a < count; a++) {
            const ds = load<f32>(at(dp, a));
            if (ds == 0) continue;
            const j = load<i32>(at(keys, a));
            const sp = at(dk, kBase + j * kStride + c);
            s0 += ds * load<f32>(at(k, kBase + j * kStride + c));
            store<f32>(sp, load<f32>(sp) + ds * qc);
          }
          store<f32>(at(dqp, c), s0);
        }
      }
    }
  }
}
