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

@inline function hsum(x: v128): f32 {
  return f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1) +
    (f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3));
}

@inline function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Σ_c a[c]·b[c] over m floats. */
@inline function dot(a: usize, b: usize, m: i32): f32 {
  let acc = f32x4.splat(0);
  let c = 0;
  for (; c + 8 <= m; c += 8) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(at(a, c)), v128.load(at(b, c))));
    acc = f32x4.add(acc, f32x4.mul(v128.load(at(a, c + 4)), v128.load(at(b, c + 4))));
  }
  for (; c + 4 <= m; c += 4) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(at(a, c)), v128.load(at(b, c))));
  }
  let s = hsum(acc);
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

/** Where this module's free memory starts (after its static data). */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * The forward pass: out (compact) and the softmax probabilities of every row. `scores` is
 * scratch for the longest row.
 */
export function forward(
  q: usize, k: usize, v: usize,
  qOff: i32, qStride: i32, kOff: i32, kStride: i32, vOff: i32, vStride: i32,
  batch: i32, heads: i32, m: i32, numQueries: i32, numKeys: i32, scale: f32,
  table: usize, probsPerItem: i32, probs: usize, out: usize, scores: usize,
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
        let total: f32 = 0;
        for (let a = 0; a < count; a++) {
          const e = Mathf.exp(load<f32>(at(scores, a)) - max);
          store<f32>(at(pp, a), e);
          total += e;
        }
        const inverse: f32 = 1 / total;
        for (let a = 0; a < count; a++) store<f32>(at(pp, a), load<f32>(at(pp, a)) * inverse);
        // out = Σ_a p_a v_j, four columns at a time with the sum held in a register
        const op = at(out, row * width + h * m);
        let c = 0;
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

/**
 * The backward pass from the forward pass's probabilities and the upstream gradient dOut
 * (compact): dq, dk and dv at the positions the layout gives q, k and v. Key and value
 * gradients accumulate in `sums` (2 · batch · numKeys · heads·m floats: dk, then dv, compact)
 * and are copied out at the end; `dp` is scratch for the longest row.
 */
export function backward(
  q: usize, k: usize, v: usize,
  qOff: i32, qStride: i32, kOff: i32, kStride: i32, vOff: i32, vStride: i32,
  batch: i32, heads: i32, m: i32, numQueries: i32, numKeys: i32, scale: f32,
  table: usize, probsPerItem: i32, probs: usize, dOut: usize,
  dq: usize, dk: usize, dv: usize, sums: usize, dp: usize,
): void {
  const width = heads * m;
  const size = batch * numKeys * width;
  memory.fill(sums, 0, <usize>size << 3);
  const dkSum = sums;
  const dvSum = at(sums, size);
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
        const pp = at(probs, b * probsPerItem + load<i32>(entry, 8) + start);
        const qp = at(q, qOff + row * qStride + h * m);
        const gp = at(dOut, row * width + h * m);
        const kBase = kOff + b * numKeys * kStride + h * m;
        const vBase = vOff + b * numKeys * vStride + h * m;
        const sBase = b * numKeys * width + h * m;
        // dp_a = dO_i · v_j and dv_j += p_a dO_i
        let mean: f32 = 0;
        for (let a = 0; a < count; a++) {
          const j = load<i32>(at(keys, a));
          const vp = at(v, vBase + j * vStride);
          const sp = at(dvSum, sBase + j * width);
          const p = load<f32>(at(pp, a));
          const pv = f32x4.splat(p);
          let acc = f32x4.splat(0);
          let c = 0;
          for (; c + 4 <= m; c += 4) {
            const g = v128.load(at(gp, c));
            acc = f32x4.add(acc, f32x4.mul(g, v128.load(at(vp, c))));
            v128.store(at(sp, c), f32x4.add(v128.load(at(sp, c)), f32x4.mul(pv, g)));
          }
          let d = hsum(acc);
          for (; c < m; c++) {
            const g = load<f32>(at(gp, c));
            d += g * load<f32>(at(vp, c));
            store<f32>(at(sp, c), load<f32>(at(sp, c)) + p * g);
          }
          store<f32>(at(dp, a), d);
          mean += p * d;
        }
        // ds_a = scale · p_a (dp_a − Σ p dp), then dq_i = Σ ds_a k_j and dk_j += ds_a q_i
        const dqp = at(dq, qOff + row * qStride + h * m);
        memory.fill(dqp, 0, <usize>m << 2);
        for (let a = 0; a < count; a++) {
          const ds = scale * load<f32>(at(pp, a)) * (load<f32>(at(dp, a)) - mean);
          if (ds == 0) continue;
          const j = load<i32>(at(keys, a));
          axpy(dqp, ds, at(k, kBase + j * kStride), m);
          axpy(at(dkSum, sBase + j * width), ds, qp, m);
        }
      }
    }
  }
  const bytes = <usize>width << 2;
  for (let token = 0; token < batch * numKeys; token++) {
    memory.copy(at(dk, kOff + token * kStride), at(dkSum, token * width), bytes);
    memory.copy(at(dv, vOff + token * vStride), at(dvSum, token * width), bytes);
  }
}
