// Small SIMD helpers shared by the lab's WebAssembly modules (the sparse attention core and the
// heap kernels of the training path). tools/build_wasm.ts supplies this file to each module's
// compilation as "./simd_math"; everything here is inlined where it is used.

@inline export function at(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

@inline export function hsum(x: v128): f32 {
  return f32x4.extract_lane(x, 0) + f32x4.extract_lane(x, 1) +
    (f32x4.extract_lane(x, 2) + f32x4.extract_lane(x, 3));
}

/**
 * e^x in four lanes for x ≤ 0 (scores minus their maximum), Cephes' expf: x = n·ln 2 + r with
 * |r| ≤ ln 2 / 2, e^r by a degree-6 polynomial (relative error about 1e-7), 2^n from the exponent
 * bits. x is clamped at −87.3, where e^x leaves the normal float32 range (below 1.2e-38).
 *
 * Written for the instructions a WebAssembly engine emits cheaply: n is rounded by adding and
 * subtracting 1.5·2²³ (whose bits then hold n as an integer, so no float-to-integer conversion),
 * and the clamp is a pseudo-maximum (one instruction; x is never NaN here).
 */
@inline export function expNonPositive(x: v128): v128 {
  const clamped = f32x4.pmax(x, f32x4.splat(-87.33654));
  const shifter = f32x4.splat(12582912.0);
  const shifted = f32x4.add(f32x4.mul(clamped, f32x4.splat(1.44269504088896341)), shifter);
  const n = f32x4.sub(shifted, shifter);
  let r = f32x4.sub(clamped, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  const twoToN = i32x4.shl(i32x4.add(i32x4.sub(shifted, shifter), i32x4.splat(127)), 23);
  return f32x4.mul(y, twoToN);
}

/**
 * A lane of zeros the optimizer cannot fold away: x·0 is not precomputed (it is NaN for an
 * infinite x). Adding a constant to it builds that constant once, in a register, before a loop:
 * the optimizer would otherwise fold every splat of a constant into a v128.const at its use
 * inside the loop, which the engine rebuilds from immediates on every iteration (a 128 × 128
 * softmax ran about 1.35 times slower that way).
 */
@inline export function opaqueZero(x: f32): v128 {
  return f32x4.splat(x * 0);
}

/** The constant c in four lanes, built from an opaqueZero (so held in a register, not folded). */
@inline export function held(zero: v128, c: f32): v128 {
  return f32x4.add(zero, f32x4.splat(c));
}

/**
 * dst[a] = 2^(slope·src[a] + offset) for a < count, where that exponent is ≤ 0 (a score less
 * the row's largest, times log₂e), and returns their sum. With mask ≠ 0 only the entries whose
 * int32 lane mask (at mask + 4a) is all ones are kept, and the others become 0. dst may be src.
 *
 * 2^t = 2^n · 2^f with n = round(t), taken by adding and subtracting 1.5·2²³ (whose bits then
 * hold n as an integer, so no float-to-integer conversion), and 2^f on |f| ≤ ½ by its degree-6
 * Taylor polynomial (relative error below 1.2e-7); t is clamped at −126 so that nothing is
 * subnormal. The tail (count not a multiple of 4) runs the same lanes on one entry at a time.
 */
export function exp2Into(
  src: usize,
  dst: usize,
  count: i32,
  slope: f32,
  offset: f32,
  mask: usize,
): f32 {
  const zero = opaqueZero(slope);
  const slope4 = f32x4.add(zero, f32x4.splat(slope));
  const offset4 = f32x4.add(zero, f32x4.splat(offset));
  const floor = held(zero, -126);
  const shifter = held(zero, 12582912.0);
  const bias = i32x4.add(i32x4.trunc_sat_f32x4_s(zero), i32x4.splat(127));
  const c1 = held(zero, 0.6931471805599453);
  const c2 = held(zero, 0.2402265069591007);
  const c3 = held(zero, 0.05550410866482158);
  const c4 = held(zero, 0.009618129107628477);
  const c5 = held(zero, 0.0013333558146428443);
  const c6 = held(zero, 0.00015403530393381608);
  const one = held(zero, 1);
  const everything = i32x4.splat(-1);
  let sums = f32x4.splat(0);
  let a = 0;
  for (; a + 4 <= count; a += 4) {
    const t = f32x4.add(f32x4.mul(v128.load(at(src, a)), slope4), offset4);
    const kept = mask == 0 ? everything : v128.load(at(mask, a));
    const e = v128.and(exp2Lanes(t, floor, shifter, bias, c1, c2, c3, c4, c5, c6, one), kept);
    v128.store(at(dst, a), e);
    sums = f32x4.add(sums, e);
  }
  let total = hsum(sums);
  for (; a < count; a++) {
    if (mask != 0 && load<i32>(at(mask, a)) == 0) {
      store<f32>(at(dst, a), 0);
      continue;
    }
    const t = f32x4.splat(load<f32>(at(src, a)) * slope + offset);
    const e = f32x4.extract_lane(
      exp2Lanes(t, floor, shifter, bias, c1, c2, c3, c4, c5, c6, one),
      0,
    );
    store<f32>(at(dst, a), e);
    total += e;
  }
  return total;
}

/** 2^t in four lanes (exp2Into), from constants the caller holds in registers. */
@inline function exp2Lanes(
  t: v128,
  floor: v128,
  shifter: v128,
  bias: v128,
  c1: v128,
  c2: v128,
  c3: v128,
  c4: v128,
  c5: v128,
  c6: v128,
  one: v128,
): v128 {
  const clamped = f32x4.pmax(t, floor);
  const shifted = f32x4.add(clamped, shifter);
  const f = f32x4.sub(clamped, f32x4.sub(shifted, shifter));
  let p = f32x4.add(f32x4.mul(c6, f), c5);
  p = f32x4.add(f32x4.mul(p, f), c4);
  p = f32x4.add(f32x4.mul(p, f), c3);
  p = f32x4.add(f32x4.mul(p, f), c2);
  p = f32x4.add(f32x4.mul(p, f), c1);
  p = f32x4.add(f32x4.mul(p, f), one);
  const twoToN = i32x4.shl(i32x4.add(i32x4.sub(shifted, shifter), bias), 23);
  return f32x4.mul(p, twoToN);
}
