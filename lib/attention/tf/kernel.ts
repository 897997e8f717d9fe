/**
 * Multi-head attention cores in TensorFlow.js behind one signature: given projected queries,
 * keys and values (batch × tokens × heads·m), return the heads' outputs concatenated.
 *
 * - "dense": the reference formulation, O(n²): every score is computed, the pattern enters as
 *   an additive −1e9 bias, ρ runs over whole rows. tfjs's autodiff gives the gradient.
 * - "sparse": the O(connections · m) core of ../core.ts inside tf.customGrad: only the
 *   pattern's query–key pairs are ever touched, in forward and backward.
 */
import { tf } from "./backend.ts";
import { type AttentionGraph, coreBackward, coreForward, type CoreSpec } from "../core.ts";
import { entmaxAlpha } from "../maps.ts";
import { type RhoSpec, tfProbabilityMap } from "./maps.ts";
import { InputError } from "../../util/errors.ts";

export type AttentionImpl = "dense" | "sparse";
export const ATTENTION_IMPLS: readonly AttentionImpl[] = ["dense", "sparse"];

export interface AttentionCoreConfig {
  heads: number;
  headSize: number;
  /** One graph per head (the same object for a shared pattern). */
  graphs: readonly AttentionGraph[];
  rho: RhoSpec;
  /** Scores are scale · q·k (1/√m is the usual choice; the paper's is 1). */
  scale: number;
}

export function requireImpl(impl: unknown): AttentionImpl {
  if (!ATTENTION_IMPLS.includes(impl as AttentionImpl)) {
    throw new InputError("impl", impl, `expected one of ${ATTENTION_IMPLS.join(", ")}`);
  }
  return impl as AttentionImpl;
}

function checkShapes(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, config: AttentionCoreConfig) {
  const width = config.heads * config.headSize;
  const { numQueries, numKeys } = config.graphs[0];
  const expect = (name: string, tensor: tf.Tensor3D, tokens: number) => {
    const [batch, n, w] = tensor.shape;
    if (n !== tokens || w !== width || batch !== q.shape[0]) {
      throw new InputError(
        `${name}.shape`,
        tensor.shape,
        `expected [${q.shape[0]}, ${tokens}, ${width}] (the pattern is ${numQueries}×${numKeys})`,
      );
    }
  };
  expect("queries", q, numQueries);
  expect("keys", k, numKeys);
  expect("values", v, numKeys);
}

export function attentionCore(
  impl: AttentionImpl,
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  config: AttentionCoreConfig,
): tf.Tensor3D {
  checkShapes(q, k, v, config);
  return requireImpl(impl) === "dense"
    ? denseMaskedCore(q, k, v, config)
    : sparseCore(q, k, v, config);
}

function sparseCore(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  config: AttentionCoreConfig,
): tf.Tensor3D {
  const spec: CoreSpec = {
    batch: q.shape[0],
    heads: config.heads,
    headSize: config.headSize,
    graphs: config.graphs,
    alpha: entmaxAlpha(config.rho),
    scale: config.scale,
  };
  const run = tf.customGrad((...inputs) => {
    const [queries, keys, values] = inputs as tf.Tensor[];
    const qData = queries.dataSync() as Float32Array;
    const kData = keys.dataSync() as Float32Array;
    const vData = values.dataSync() as Float32Array;
    const { out, probs } = coreForward(qData, kData, vData, spec);
    const value = tf.tensor3d(new Float32Array(out), q.shape);
    const gradFunc = (dy: tf.Tensor) => {
      const grads = coreBackward(qData, kData, vData, probs, dy.dataSync() as Float32Array, spec);
      return [
        tf.tensor3d(new Float32Array(grads.dq), q.shape),
        tf.tensor3d(new Float32Array(grads.dk), k.shape),
        tf.tensor3d(new Float32Array(grads.dv), v.shape),
      ];
    };
    return { value, gradFunc };
  });
  return run(q, k, v) as tf.Tensor3D;
}

/** Additive mask bias: 0 where a query may attend, −1e9 elsewhere; [heads or 1, nq, nk]. */
function maskBias(graphs: readonly AttentionGraph[]): tf.Tensor3D {
  const shared = graphs.every((graph) => graph === graphs[0]);
  const used = shared ? [graphs[0]] : graphs;
  const { numQueries, numKeys } = graphs[0];
  const bias = new Float32Array(used.length * numQueries * numKeys).fill(-1e9);
  used.forEach((graph, h) => {
    for (let i = 0; i < numQueries; i++) {
      for (let a = graph.rowStart[i]; a < graph.rowStart[i + 1]; a++) {
        bias[(h * numQueries + i) * numKeys + graph.keys[a]] = 0;
      }
    }
  });
  return tf.tensor3d(bias, [used.length, numQueries, numKeys]);
}

/** [batch, n, heads·m] → [batch·heads, n, m]. */
function splitHeads(x: tf.Tensor3D, heads: number, headSize: number): tf.Tensor3D {
  const [batch, n] = x.shape;
  return tf.reshape(
    tf.transpose(tf.reshape(x, [batch, n, heads, headSize]), [0, 2, 1, 3]),
    [batch * heads, n, headSize],
  );
}

function denseMaskedCore(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  config: AttentionCoreConfig,
): tf.Tensor3D {
  const { heads, headSize, scale } = config;
  const [batch, numQueries] = q.shape;
  const numKeys = k.shape[1];
  return tf.tidy(() => {
    const scores = tf.reshape(
      tf.matMul(splitHeads(q, heads, headSize), splitHeads(k, heads, headSize), false, true),
      [batch, heads, numQueries, numKeys],
    );
    const masked = tf.add(tf.mul(scores, scale), maskBias(config.graphs));
    const probs = tfProbabilityMap(config.rho)(masked);
    const out = tf.matMul(
      tf.reshape(probs, [batch * heads, numQueries, numKeys]),
      splitHeads(v, heads, headSize),
    );
    return tf.reshape(
      tf.transpose(tf.reshape(out, [batch, heads, numQueries, headSize]), [0, 2, 1, 3]),
      [batch, numQueries, heads * headSize],
    );
  });
}
