/**
 * The trainable attention layer's two implementations against each other and against the
 * float64 reference, on one pattern: the largest absolute differences of the outputs and of
 * the gradients with respect to the input (notebook 04's parity table).
 */
import type { SparsityPattern } from "../pattern/pattern.ts";
import { sparseAttentionLayer } from "./reference.ts";
import { graphOfPattern } from "./sparse_kernel/mod.ts";
import { tf } from "./tf/backend.ts";
import { MultiHeadAttention } from "./tf/layers.ts";
import { ParameterSet } from "./tf/parameters.ts";

export interface ImplementationGaps {
  pattern: string;
  sparseVsDenseOutput: number;
  sparseVsDenseGradient: number;
  sparseVsReference: number;
  denseVsReference: number;
}

const largestGap = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a, (v, i) => Math.abs(v - b[i])).reduce((m, g) => Math.max(m, g), 0);

/**
 * Runs a two-head layer of width d (weights seeded by `seed`) on x (n×d, rounded to float32)
 * with impl "sparse" and "dense", forward and backward against a seeded upstream gradient, and
 * the float64 reference with the same weights (referenceHeads() converts them exactly).
 */
export function compareAttentionImplementations(
  pattern: SparsityPattern,
  x: Float64Array,
  n: number,
  d: number,
  seed: number,
): ImplementationGaps {
  const params = new ParameterSet(seed);
  const layer = new MultiHeadAttention(params, "attention", { width: d, heads: 2, impl: "sparse" });
  const graph = graphOfPattern(pattern);
  const input = tf.tensor3d(Float32Array.from(x), [1, n, d]);
  const upstream = tf.randomUniform([1, n, d], -1, 1, "float32", seed);
  try {
    const run = () =>
      tf.tidy(() => {
        const output = layer.apply(input, [graph, graph]);
        const gradient = tf.grad((z: tf.Tensor) =>
          tf.sum(tf.mul(layer.apply(z as tf.Tensor3D, [graph, graph]), upstream))
        )(input);
        return { output: output.dataSync(), gradient: gradient.dataSync() };
      });
    const sparse = run();
    layer.impl = "dense";
    const dense = run();
    const { heads, outputBias } = layer.referenceHeads();
    const x32 = Float64Array.from(input.dataSync());
    const reference = sparseAttentionLayer(x32, n, d, pattern, heads, "softmax", {
      residual: false,
    }).map((value, i) => value + (outputBias?.[i % d] ?? 0));
    return {
      pattern: pattern.name,
      sparseVsDenseOutput: largestGap(sparse.output, dense.output),
      sparseVsDenseGradient: largestGap(sparse.gradient, dense.gradient),
      sparseVsReference: largestGap(sparse.output, reference),
      denseVsReference: largestGap(dense.output, reference),
    };
  } finally {
    tf.dispose([input, upstream]);
    params.dispose();
  }
}
