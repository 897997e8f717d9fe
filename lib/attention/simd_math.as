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
