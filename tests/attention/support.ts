/** Shared helpers of the attention tests. */
import { tf } from "../../lib/attention/tf/backend.ts";
import type { ParameterSet } from "../../lib/attention/tf/parameters.ts";
import { seededRng } from "../../lib/util/random.ts";

/** Asserts |actual − expected| ≤ tolerance entry by entry, naming the first bad entry. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = 1e-12,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} vs ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      throw new Error(`entry ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

/** max |a − b| / (1 + |b|) over all entries: relative for large values, absolute near 0. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length ${actual.length} vs ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  }
  return worst;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Uniform(−1, 1) float32 tensor from a seed: unit-scale inputs. */
export function randomTensor(shape: [number, number, number], seed: number): tf.Tensor3D {
  const rng = seededRng(seed);
  const size = shape[0] * shape[1] * shape[2];
  return tf.tensor3d(Float32Array.from({ length: size }, () => 2 * rng.next() - 1), shape);
}

/** Overwrites every parameter (biases and norms too) with uniform(±scale/√fan-in) values. */
export function randomizeParameters(params: ParameterSet, seed: number, scale = 1): void {
  const rng = seededRng(seed);
  for (const variable of params.list()) {
    const fanIn = variable.shape.length > 1 ? variable.shape[0] : 4;
    const limit = scale * Math.sqrt(3 / fanIn);
    const values = Float32Array.from({ length: variable.size }, () => (2 * rng.next() - 1) * limit);
    const update = tf.tensor(values, variable.shape);
    variable.assign(update);
    update.dispose();
  }
}
