/**
 * Trainable layers in TensorFlow.js: multi-head sparse attention (dense-masked or O(n·k)
 * implementation), feed-forward, layer norm, trainable absolute positional embedding and the
 * sparse Transformer block (pre-LN, post-LN, or the theorem's variant without LayerNorm).
 *
 * Tensors are batch × tokens × width, token-major like the float64 reference. Weights act from
 * the right (Q = X·W_q), so W_q's column block h·m … h·m + m − 1 is the transpose of the
 * paper's W_Q^h; `referenceHeads()` converts to the reference's HeadWeights exactly.
 */
import { tf } from "./backend.ts";
import {
  attentionCore,
  type AttentionImpl,
  type Projections,
  requireImpl,
} from "./attention_op.ts";
import type { RhoSpec } from "./probability_maps.ts";
import { ParameterSet } from "./parameters.ts";
import { give, readTensor, tensorFrom } from "./buffers.ts";
import { layerNormOp, linearOp, residualAddOp, transposeWithOnes } from "./fused_ops.ts";
import { type AttentionGraph, completeGraph, graphOfPattern } from "../sparse_kernel/mod.ts";
import { entmaxAlpha } from "../probability_maps.ts";
import type { FeedForwardWeights, HeadWeights } from "../reference.ts";
import { asSchedule, type PatternLike, type SparsityPattern } from "../../pattern/pattern.ts";
import { InputError, requireInteger } from "../../util/errors.ts";

/**
 * x·W + b over the last axis of a batch × tokens × in tensor, as one 2-D matmul, with a
 * gradient made of plain 2-D matmuls only: tfjs-wasm's matmul with either transpose flag set
 * runs ≈ 10× slower than a plain one (it leaves XNNPACK), and its transpose and its column sum
 * (the bias gradient) are slow too. So the input gradient multiplies by an explicitly
 * transposed W (small), and W's and b's gradients come out of one product [xᵀ; 1ᵀ] · dy, whose
 * left factor is transposed here in JavaScript, in cache-sized blocks.
 */
function linear(x: tf.Tensor3D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor3D {
  const [batch, n, width] = x.shape;
  const outputs = w.shape[1]!;
  const rows = batch * n;
  const product = tf.customGrad((...inputs) => {
    const [flat, weights] = inputs as tf.Tensor2D[];
    const bias = b ? inputs[2] as tf.Tensor1D : undefined;
    const save = inputs[b ? 3 : 2] as tf.GradSaveFunc;
    save([flat, weights]); // kept alive for the backward pass
    const value = tf.fused.matMul({ a: flat, b: weights, bias }); // bias added in the kernel
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [input, kernel] = saved as tf.Tensor2D[];
      const dx = tf.matMul(dy as tf.Tensor2D, tf.transpose(kernel));
      const read = readTensor(input);
      const extended = transposeWithOnes(read.values, rows, width, !!bias);
      if (read.pooled) give(read.values);
      const both = tf.matMul(tensorFrom(extended, [extended.length / rows, rows]), dy);
      const dw = tf.slice(both, [0, 0], [width, outputs]);
      return bias ? [dx, dw, tf.reshape(tf.slice(both, [width, 0], [1, outputs]), [outputs])] : [
        dx,
        dw,
      ];
    };
    return { value, gradFunc };
  });
  const flat = tf.reshape(x, [rows, width]);
  const out = (b ? product(flat, w, b) : product(flat, w)) as tf.Tensor2D;
  return tf.reshape(out, [batch, n, outputs]);
}

/** Keeps only keys j ≤ k (a decoder must not see the future). */
export function causalGraph(graph: AttentionGraph): AttentionGraph {
  const rowStart = new Int32Array(graph.numQueries + 1);
  const keys: number[] = [];
  for (let i = 0; i < graph.numQueries; i++) {
    for (let a = graph.rowStart[i]; a < graph.rowStart[i + 1]; a++) {
      if (graph.keys[a] <= i) keys.push(graph.keys[a]);
    }
    rowStart[i + 1] = keys.length;
  }
  return { ...graph, rowStart, keys: Int32Array.from(keys) };
}

/**
 * The first `length` queries of a causal graph, over the first `length` keys: every key a causal
 * query keeps lies at or before it, so the prefix loses no connection. A decoder's first positions
 * computed on a prefix of the sequence are therefore the same function as on the whole sequence.
 */
export function causalPrefix(graph: AttentionGraph, length: number): AttentionGraph {
  requireInteger("prefix length", length, 1);
  if (length > graph.numQueries) {
    throw new InputError("prefix length", length, `the graph has ${graph.numQueries} queries`);
  }
  const end = graph.rowStart[length];
  const keys = graph.keys.subarray(0, end);
  if (keys.some((key) => key >= length)) {
    throw new InputError(
      "prefix length",
      length,
      "a query of the prefix attends past it; a prefix needs a causal graph",
    );
  }
  return {
    numQueries: length,
    numKeys: length,
    rowStart: graph.rowStart.subarray(0, length + 1),
    keys,
  };
}

/** Where each head's pattern comes from, for a given sequence length n. */
export type PatternSource = PatternLike | ((n: number) => PatternLike);

/**
 * How a schedule's p patterns are used: "layers" cycles them over layers (the paper's
 * SEQUENTIAL configuration and Theorem 1's setting); "heads" gives head i pattern i mod p in
 * every layer (the MULTIHEAD configuration).
 */
export type PatternMode = "layers" | "heads";

export interface AttentionConfig {
  width: number;
  heads: number;
  impl: AttentionImpl;
  rho?: RhoSpec;
  /** Score scale; default 1/√m. */
  scale?: number;
  /** Query/key/value/output biases; default true. */
  bias?: boolean;
  /**
   * Runs projections, LayerNorm, residuals (and, in models, embedding and head) as the fused
   * ops of fused_ops.ts; default false (tfjs's own op chains). Same weights, same function.
   */
  fused?: boolean;
}

function requireHeadsDivideWidth(width: number, heads: number): number {
  requireInteger("width", width, 1);
  requireInteger("heads", heads, 1);
  if (width % heads !== 0) {
    throw new InputError("heads", heads, `the head count must divide the model width ${width}`);
  }
  return width / heads;
}

export class MultiHeadAttention {
  readonly heads: number;
  readonly headSize: number;
  readonly width: number;
  readonly scale: number;
  readonly rho: RhoSpec;
  impl: AttentionImpl;
  fused: boolean;
  readonly wq: tf.Variable;
  readonly wk: tf.Variable;
  readonly wv: tf.Variable;
  readonly wo: tf.Variable;
  readonly bq?: tf.Variable;
  readonly bk?: tf.Variable;
  readonly bv?: tf.Variable;
  readonly bo?: tf.Variable;

  constructor(params: ParameterSet, name: string, config: AttentionConfig) {
    this.headSize = requireHeadsDivideWidth(config.width, config.heads);
    this.heads = config.heads;
    this.width = config.width;
    this.impl = requireImpl(config.impl);
    this.fused = config.fused === true;
    this.rho = config.rho ?? "softmax";
    entmaxAlpha(this.rho); // validates the name
    this.scale = config.scale ?? 1 / Math.sqrt(this.headSize);
    const d = config.width;
    this.wq = params.create(`${name}.wq`, [d, d], "glorot");
    this.wk = params.create(`${name}.wk`, [d, d], "glorot");
    this.wv = params.create(`${name}.wv`, [d, d], "glorot");
    this.wo = params.create(`${name}.wo`, [d, d], "glorot");
    if (config.bias !== false) {
      this.bq = params.create(`${name}.bq`, [d], "zeros");
      this.bk = params.create(`${name}.bk`, [d], "zeros");
      this.bv = params.create(`${name}.bv`, [d], "zeros");
      this.bo = params.create(`${name}.bo`, [d], "zeros");
    }
  }

  /**
   * Σ_h W_O^h · head_h(X), without the residual. `graphs` holds one graph per head (from
   * headGraphs); `memory` gives the keys and values for cross-attention (default: x itself).
   */
  apply(x: tf.Tensor3D, graphs: readonly AttentionGraph[], memory: tf.Tensor3D = x): tf.Tensor3D {
    requireWidth(x, this.width, "x");
    if (memory !== x) requireWidth(memory, this.width, "memory");
    return tf.tidy(() => {
      const projections = this.fused
        ? this.projectThroughLinearOp(x, memory)
        : this.project(x, memory);
      const heads = attentionCore(this.impl, projections, {
        heads: this.heads,
        headSize: this.headSize,
        graphs,
        rho: this.rho,
        scale: this.scale,
      });
      return this.fused
        ? linearOp(heads, [this.wo], presentBiases(this.bo)) as tf.Tensor3D
        : linear(heads, this.wo, this.bo);
    });
  }

  /**
   * q, k and v through tfjs ops. Self-attention is one projection x·[W_q | W_k | W_v], which the
   * core reads in place; cross-attention projects x to q and memory to k|v.
   */
  private project(x: tf.Tensor3D, memory: tf.Tensor3D): Projections {
    const kvWeights = tf.concat([this.wk, this.wv], 1);
    const kvBias = this.bk && this.bv ? tf.concat([this.bk, this.bv]) : undefined;
    return memory === x
      ? {
        qkv: linear(
          x,
          tf.concat([this.wq, kvWeights], 1),
          this.bq && kvBias ? tf.concat([this.bq, kvBias]) : undefined,
        ),
      }
      : { q: linear(x, this.wq, this.bq), kv: linear(memory, kvWeights, kvBias) };
  }

  /** project() through linearOp: the q|k|v parts are joined inside the op, not by concat ops. */
  private projectThroughLinearOp(x: tf.Tensor3D, memory: tf.Tensor3D): Projections {
    return memory === x
      ? {
        qkv: linearOp(
          x,
          [this.wq, this.wk, this.wv],
          presentBiases(this.bq, this.bk, this.bv),
        ) as tf.Tensor3D,
      }
      : {
        q: linearOp(x, [this.wq], presentBiases(this.bq)) as tf.Tensor3D,
        kv: linearOp(memory, [this.wk, this.wv], presentBiases(this.bk, this.bv)) as tf.Tensor3D,
      };
  }

  /**
   * The same heads as float64 reference weights: wq = scale · W_q[:, block]^T (the score scale
   * absorbed into W_Q, as the paper does), wk, wv likewise unscaled, wo = W_o[block, :]^T. The
   * output bias bo has no place in the paper's layer and is returned separately.
   */
  referenceHeads(): { heads: HeadWeights[]; outputBias?: Float64Array } {
    const d = this.width;
    const m = this.headSize;
    const read = (v?: tf.Variable) => (v ? Float64Array.from(v.dataSync()) : undefined);
    const [wq, wk, wv, wo] = [this.wq, this.wk, this.wv, this.wo].map((v) => read(v)!);
    const [bq, bk, bv] = [this.bq, this.bk, this.bv].map(read);
    const heads = Array.from({ length: this.heads }, (_, h): HeadWeights => {
      const columns = (w: Float64Array, factor: number) =>
        Float64Array.from(
          { length: m * d },
          (_, i) => factor * w[(i % d) * d + h * m + Math.floor(i / d)],
        );
      const slice = (b: Float64Array | undefined, factor: number) =>
        b && Float64Array.from({ length: m }, (_, i) => factor * b[h * m + i]);
      return {
        m,
        wq: columns(wq, this.scale),
        bq: slice(bq, this.scale),
        wk: columns(wk, 1),
        bk: slice(bk, 1),
        wv: columns(wv, 1),
        bv: slice(bv, 1),
        wo: Float64Array.from(
          { length: d * m },
          (_, i) => wo[(h * m + (i % m)) * d + Math.floor(i / m)],
        ),
      };
    });
    return { heads, outputBias: read(this.bo) };
  }
}

/** The biases when every one of them exists, else none (a layer built without biases). */
function presentBiases(...biases: (tf.Variable | undefined)[]): tf.Variable[] {
  return biases.every((b) => b) ? biases as tf.Variable[] : [];
}

function requireWidth(x: tf.Tensor, width: number, name: string): void {
  if (x.rank !== 3 || x.shape[2] !== width) {
    throw new InputError(`${name}.shape`, x.shape, `expected [batch, tokens, ${width}]`);
  }
}

export type Activation = "relu" | "gelu";

export class FeedForward {
  readonly w1: tf.Variable;
  readonly b1: tf.Variable;
  readonly w2: tf.Variable;
  readonly b2: tf.Variable;
  /** Runs through linearOp (ReLU fused into the first product); see AttentionConfig.fused. */
  fused = false;

  constructor(
    params: ParameterSet,
    name: string,
    readonly width: number,
    readonly hidden: number,
    readonly activation: Activation = "relu",
  ) {
    requireInteger("hidden", hidden, 1);
    if (activation !== "relu" && activation !== "gelu") {
      throw new InputError("activation", activation, 'expected "relu" or "gelu"');
    }
    this.w1 = params.create(`${name}.w1`, [width, hidden], "glorot");
    this.b1 = params.create(`${name}.b1`, [hidden], "zeros");
    this.w2 = params.create(`${name}.w2`, [hidden, width], "glorot");
    this.b2 = params.create(`${name}.b2`, [width], "zeros");
  }

  /** W_2 act(W_1 x + b_1) + b_2 token-wise, without the residual. */
  apply(x: tf.Tensor3D): tf.Tensor3D {
    if (this.fused && this.activation === "relu") {
      return tf.tidy(() => {
        const hidden = linearOp(x, [this.w1], [this.b1], { relu: true });
        return linearOp(hidden, [this.w2], [this.b2]) as tf.Tensor3D;
      });
    }
    if (this.fused) {
      return tf.tidy(() =>
        linearOp(gelu(linearOp(x, [this.w1], [this.b1])), [this.w2], [this.b2]) as tf.Tensor3D
      );
    }
    return tf.tidy(() => {
      const z = linear(x, this.w1, this.b1);
      const hidden = (this.activation === "relu" ? tf.relu(z) : gelu(z)) as tf.Tensor3D;
      return linear(hidden, this.w2, this.b2);
    });
  }

  /** The reference's FeedForwardWeights (paper orientation: w1 is r×d, w2 is d×r). */
  referenceWeights(): FeedForwardWeights {
    const r = this.hidden;
    const d = this.width;
    const w1 = this.w1.dataSync();
    const w2 = this.w2.dataSync();
    return {
      r,
      w1: Float64Array.from({ length: r * d }, (_, i) => w1[(i % d) * r + Math.floor(i / d)]),
      b1: Float64Array.from(this.b1.dataSync()),
      w2: Float64Array.from({ length: d * r }, (_, i) => w2[(i % r) * d + Math.floor(i / r)]),
      b2: Float64Array.from(this.b2.dataSync()),
    };
  }
}

/** GELU, tanh approximation (tfjs 4.22 has no gelu op). */
function gelu(z: tf.Tensor): tf.Tensor {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(z, tf.mul(0.044715, tf.pow(z, 3))));
  return tf.mul(tf.mul(0.5, z), tf.add(1, tf.tanh(inner)));
}

export class LayerNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  /** One custom-gradient op (layerNormOp) instead of tf.moments and its chain. */
  fused = false;

  constructor(params: ParameterSet, name: string, width: number, readonly epsilon = 1e-5) {
    this.gamma = params.create(`${name}.gamma`, [width], "ones");
    this.beta = params.create(`${name}.beta`, [width], "zeros");
  }

  apply(x: tf.Tensor3D): tf.Tensor3D {
    if (this.fused) {
      return tf.tidy(() => layerNormOp(x, this.gamma, this.beta, this.epsilon) as tf.Tensor3D);
    }
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      const normalized = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
      return tf.add(tf.mul(normalized, this.gamma), this.beta);
    });
  }
}

/** Trainable absolute positional embedding E (maxLength × width), added to tokens 0…n−1. */
export class PositionalEmbedding {
  readonly table: tf.Variable;

  constructor(params: ParameterSet, name: string, readonly maxLength: number, width: number) {
    requireInteger("maxLength", maxLength, 1);
    this.table = params.create(`${name}.table`, [maxLength, width], "glorot");
  }

  apply(x: tf.Tensor3D): tf.Tensor3D {
    const n = x.shape[1];
    if (n > this.maxLength) {
      throw new InputError(
        "sequence length",
        n,
        `the positional embedding holds ${this.maxLength}`,
      );
    }
    return tf.tidy(() => tf.add(x, tf.slice(this.table, [0, 0], [n, this.table.shape[1]!])));
  }
}

/** "pre": x + f(LN x); "post": LN(x + f(x)); "none": x + f(x), the theorem's block. */
export type NormPlacement = "pre" | "post" | "none";

export interface BlockConfig extends AttentionConfig {
  ffHidden: number;
  activation?: Activation;
  norm: NormPlacement;
  /** Adds a cross-attention sublayer (decoder of an encoder–decoder). */
  crossAttention?: boolean;
}

/** Sparse Transformer block: FF ∘ SAttn with residuals (and cross-attention for decoders). */
export class SparseTransformerBlock {
  readonly attention: MultiHeadAttention;
  readonly cross?: MultiHeadAttention;
  readonly feedForward: FeedForward;
  readonly norms: LayerNorm[] = [];
  readonly norm: NormPlacement;

  constructor(params: ParameterSet, name: string, config: BlockConfig) {
    if (!["pre", "post", "none"].includes(config.norm)) {
      throw new InputError("norm", config.norm, 'expected "pre", "post" or "none"');
    }
    this.norm = config.norm;
    this.attention = new MultiHeadAttention(params, `${name}.attention`, config);
    if (config.crossAttention) {
      this.cross = new MultiHeadAttention(params, `${name}.cross`, config);
    }
    this.feedForward = new FeedForward(
      params,
      `${name}.ff`,
      config.width,
      config.ffHidden,
      config.activation,
    );
    if (config.norm !== "none") {
      const count = config.crossAttention ? 3 : 2;
      for (let i = 0; i < count; i++) {
        this.norms.push(new LayerNorm(params, `${name}.norm${i}`, config.width));
      }
    }
    this.fused = config.fused === true;
  }

  /** Switches every sublayer between the fused ops and tfjs's op chains (same weights). */
  set fused(fused: boolean) {
    this.attention.fused = fused;
    if (this.cross) this.cross.fused = fused;
    this.feedForward.fused = fused;
    for (const norm of this.norms) norm.fused = fused;
  }

  get fused(): boolean {
    return this.attention.fused;
  }

  set impl(impl: AttentionImpl) {
    this.attention.impl = requireImpl(impl);
    if (this.cross) this.cross.impl = impl;
  }

  apply(
    x: tf.Tensor3D,
    graphs: readonly AttentionGraph[],
    memory?: { states: tf.Tensor3D; graphs: readonly AttentionGraph[] },
  ): tf.Tensor3D {
    return tf.tidy(() => {
      const sublayers: ((input: tf.Tensor3D) => tf.Tensor3D)[] = [
        (input) => this.attention.apply(input, graphs),
      ];
      if (this.cross) {
        if (!memory) {
          throw new InputError("memory", memory, "a cross-attention block needs encoder states");
        }
        sublayers.push((input) => this.cross!.apply(input, memory.graphs, memory.states));
      }
      sublayers.push((input) => this.feedForward.apply(input));
      return sublayers.reduce((current, sublayer, i) => this.residual(current, sublayer, i), x);
    });
  }

  private residual(
    x: tf.Tensor3D,
    sublayer: (input: tf.Tensor3D) => tf.Tensor3D,
    index: number,
  ): tf.Tensor3D {
    const add = (a: tf.Tensor3D, b: tf.Tensor3D) =>
      this.fused ? residualAddOp(a, b) : tf.add(a, b) as tf.Tensor3D;
    if (this.norm === "pre") return add(x, sublayer(this.norms[index].apply(x)));
    const sum = add(x, sublayer(x));
    return this.norm === "post" ? this.norms[index].apply(sum) : sum;
  }
}

/**
 * Per-layer, per-head graphs of a pattern source at length n, cached. Layer l, head h uses
 * pattern l mod p ("layers") or h mod p ("heads"); `causal` drops keys after the query.
 */
export class GraphPlan {
  private readonly cache = new Map<number, AttentionGraph[][]>();
  private readonly prefixCache = new Map<string, AttentionGraph[][]>();

  constructor(
    readonly source: PatternSource,
    readonly layers: number,
    readonly heads: number,
    readonly mode: PatternMode = "layers",
    readonly causal = false,
  ) {
    if (mode !== "layers" && mode !== "heads") {
      throw new InputError("patternMode", mode, 'expected "layers" or "heads"');
    }
  }

  /**
   * graphs[layer][head] of the first `length` positions of sequences of length n: a causal plan's
   * graphs cut by `causalPrefix` (what incremental decoding runs at each output position).
   */
  prefixAt(n: number, length: number): AttentionGraph[][] {
    if (!this.causal) {
      throw new InputError("causal", this.causal, "only a causal plan can run on a prefix");
    }
    if (length === n) return this.at(n);
    const key = `${n}:${length}`;
    const cached = this.prefixCache.get(key);
    if (cached) return cached;
    const prefix = this.at(n).map((heads) => heads.map((graph) => causalPrefix(graph, length)));
    this.prefixCache.set(key, prefix);
    return prefix;
  }

  /** graphs[layer][head] for sequences of length n. */
  at(n: number): AttentionGraph[][] {
    const cached = this.cache.get(n);
    if (cached) return cached;
    const schedule = asSchedule(typeof this.source === "function" ? this.source(n) : this.source);
    if (schedule.n !== n) {
      throw new InputError(
        "pattern n",
        schedule.n,
        `the pattern "${schedule.name}" is for ${schedule.n} tokens but the input has n = ${n}`,
      );
    }
    const graphs = new Map<SparsityPattern, AttentionGraph>();
    const graphOf = (pattern: SparsityPattern) => {
      let graph = graphs.get(pattern);
      if (!graph) {
        graph = graphOfPattern(pattern);
        if (this.causal) graph = causalGraph(graph);
        graphs.set(pattern, graph);
      }
      return graph;
    };
    const plan = Array.from(
      { length: this.layers },
      (_, layer) =>
        Array.from(
          { length: this.heads },
          (_, head) => graphOf(schedule.patternAt(this.mode === "layers" ? layer : head)),
        ),
    );
    this.cache.set(n, plan);
    return plan;
  }
}

/** Every decoder query sees every encoder state (the default cross-attention graph). */
export function crossGraphs(numQueries: number, numKeys: number, heads: number): AttentionGraph[] {
  const graph = completeGraph(numQueries, numKeys);
  return Array.from({ length: heads }, () => graph);
}
