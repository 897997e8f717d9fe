/**
 * What one kernel call computes (CoreSpec) and where its q, k and v live (CoreLayout), with the
 * checks and sizes every path shares.
 */
import { InputError, requireInteger, requireNumber } from "../../util/errors.ts";
import { type AttentionGraph, validateGraphs } from "./graph.ts";

export interface CoreSpec {
  batch: number;
  heads: number;
  /** Head size m. */
  headSize: number;
  /** One graph per head. */
  graphs: readonly AttentionGraph[];
  /** ρ as a member of the entmax family: 1 softmax, 1.5 entmax15, 2 sparsemax, ∞ hardmax. */
  alpha: number;
  /** Multiplies every score before ρ (ρ[scale · v]). */
  scale: number;
}

export type Floats = Float32Array | Float64Array;

/** Checks the spec and returns, per head, where its probabilities start within a batch item. */
export function validateCoreSpec(spec: CoreSpec): Int32Array {
  requireInteger("batch", spec.batch, 1);
  requireInteger("heads", spec.heads, 1);
  requireInteger("headSize", spec.headSize, 1);
  requireNumber("scale", spec.scale);
  if (!(spec.alpha >= 1)) throw new InputError("alpha", spec.alpha, "expected α ≥ 1 (or ∞)");
  validateGraphs(spec.graphs, spec.heads);
  const { numQueries, numKeys } = spec.graphs[0];
  const headOffset = new Int32Array(spec.heads + 1);
  spec.graphs.forEach((graph, h) => {
    if (graph.numQueries !== numQueries || graph.numKeys !== numKeys) {
      throw new InputError(
        `graphs[${h}] shape`,
        `${graph.numQueries}×${graph.numKeys}`,
        `every head's pattern must be ${numQueries}×${numKeys} like head 0's`,
      );
    }
    headOffset[h + 1] = headOffset[h] + graph.rowStart[numQueries];
  });
  return headOffset;
}

/**
 * Where q, k and v live in their arrays: token t's head h starts at offset + t·stride + h·m.
 * The compact layout (offset 0, stride heads·m) is the default; a fused projection
 * [q | k | v] of width 3·heads·m is read in place with offsets 0, heads·m, 2·heads·m.
 * Gradients are written with the same layout as the inputs they belong to.
 */
export interface CoreLayout {
  qOffset: number;
  qStride: number;
  kOffset: number;
  kStride: number;
  vOffset: number;
  vStride: number;
}

export function compactLayout(spec: CoreSpec): CoreLayout {
  const width = spec.heads * spec.headSize;
  return { qOffset: 0, qStride: width, kOffset: 0, kStride: width, vOffset: 0, vStride: width };
}

/**
 * The layout of one fused projection x·[W_q | W_k | W_v]: each token's row holds its query,
 * key and value side by side (3·width floats), read in place by the kernel.
 */
export function fusedQkvLayout(width: number): CoreLayout {
  const stride = 3 * width;
  return {
    qOffset: 0,
    qStride: stride,
    kOffset: width,
    kStride: stride,
    vOffset: 2 * width,
    vStride: stride,
  };
}

/**
 * Cross-attention's layout: queries in their own [tokens, width] array, keys and values side
 * by side in one [tokens, 2·width] array (k | v).
 */
export function queryKeyValueLayout(width: number): CoreLayout {
  return {
    qOffset: 0,
    qStride: width,
    kOffset: 0,
    kStride: 2 * width,
    vOffset: width,
    vStride: 2 * width,
  };
}

export function outputSize(spec: CoreSpec, tokens: "numQueries" | "numKeys"): number {
  return spec.batch * spec.graphs[0][tokens] * spec.heads * spec.headSize;
}

/** Number of probabilities one call stores (batch × Σ_h connections of head h). */
export function coreProbabilityCount(spec: CoreSpec): number {
  return spec.batch * validateCoreSpec(spec)[spec.heads];
}

/** Whether every head uses the same connections (the usual case: one pattern per layer). */
export function sharesOneGraph(spec: CoreSpec): boolean {
  const { rowStart, keys } = spec.graphs[0];
  return spec.graphs.every((graph) => graph.rowStart === rowStart && graph.keys === keys);
}

/** Float32Array or Float64Array, as a constructor of new zeroed arrays. */
type FloatArrayType<A extends Floats> = new (length: number) => A;

/**
 * A forward pass on compact arrays (tests, benchmarks): makes the output (compact) and
 * probability arrays as `ArrayType`, lets `into` fill them with the compact layout and returns
 * them.
 */
export function forwardOnCompactArrays<A extends Floats>(
  ArrayType: FloatArrayType<A>,
  spec: CoreSpec,
  into: (layout: CoreLayout, out: A, probs: A) => void,
): { out: A; probs: A } {
  const out = new ArrayType(outputSize(spec, "numQueries"));
  const probs = new ArrayType(coreProbabilityCount(spec));
  into(compactLayout(spec), out, probs);
  return { out, probs };
}

/**
 * A backward pass on compact arrays (tests, benchmarks): makes dq, dk and dv as `ArrayType`,
 * lets `into` fill them with the compact layout and returns them.
 */
export function backwardOnCompactArrays<A extends Floats>(
  ArrayType: FloatArrayType<A>,
  spec: CoreSpec,
  into: (layout: CoreLayout, targets: { dq: A; dk: A; dv: A }) => void,
): { dq: A; dk: A; dv: A } {
  const targets = {
    dq: new ArrayType(outputSize(spec, "numQueries")),
    dk: new ArrayType(outputSize(spec, "numKeys")),
    dv: new ArrayType(outputSize(spec, "numKeys")),
  };
  into(compactLayout(spec), targets);
  return targets;
}
