/**
 * Probability maps ρ as TensorFlow.js ops over the last axis, with gradients. softmax is
 * tfjs's own op; sparsemax and α-entmax run the float64 row maps of ../probability_maps.ts inside a custom
 * gradient whose backward is the entmax-family vector–Jacobian product. Hardmax computes a
 * forward pass but refuses a gradient (it has none worth the name: zero almost everywhere).
 */
import { tf } from "./backend.ts";
import {
  entmaxAlpha,
  entmaxVjp,
  mapOfAlpha,
  type ProbabilityMapName,
} from "../probability_maps.ts";

/** A map by name, or any member of the entmax family by α. */
export type RhoSpec = ProbabilityMapName | { alpha: number };

/** ρ[t · scores] along the last axis of `scores`. */
export type TfProbabilityMap = (scores: tf.Tensor, t?: number) => tf.Tensor;

export function tfProbabilityMap(rho: RhoSpec): TfProbabilityMap {
  const alpha = entmaxAlpha(rho);
  if (alpha === 1) return (scores, t = 1) => tf.softmax(t === 1 ? scores : tf.mul(scores, t));
  const map = mapOfAlpha(alpha);
  return (scores, t = 1) => {
    const rowwise = tf.customGrad((...inputs) => {
      const input = inputs[0] as tf.Tensor;
      const values = input.dataSync();
      const width = input.shape[input.shape.length - 1] ?? 1;
      const rows = values.length / width;
      const probs = new Float64Array(values.length);
      const row = new Float64Array(width);
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < width; j++) row[j] = values[r * width + j];
        probs.set(map(row, t), r * width);
      }
      const value = tf.tensor(new Float32Array(probs), input.shape);
      const gradFunc = (dy: tf.Tensor) => {
        const upstream = dy.dataSync();
        const grad = new Float64Array(values.length);
        for (let r = 0; r < rows; r++) {
          const offset = r * width;
          entmaxVjp(probs, upstream, alpha, t, grad, offset, width);
        }
        return tf.tensor(new Float32Array(grad), input.shape);
      };
      return { value, gradFunc };
    });
    return rowwise(scores);
  };
}
