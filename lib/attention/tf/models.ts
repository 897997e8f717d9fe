/**
 * Models built from sparse Transformer blocks: encoder, causal decoder (language model),
 * encoder–decoder (sequence to sequence) and encoder + classifier head. Each owns a
 * ParameterSet (save/load as JSON + binary) and can switch its attention implementation
 * between "dense" (masked, O(n²)) and "sparse" (O(n·k)) without touching the weights.
 *
 * Inputs are either token ids (batch × n int32, through a trainable embedding) or vectors
 * already of the model width (batch × n × width: the paper's X, with no input projection).
 * The trainable absolute positional embedding E is added in both cases (the paper's X + E).
 */
import { tf } from "./backend.ts";
import type { AttentionImpl } from "./attention_op.ts";
import type { RhoSpec } from "./probability_maps.ts";
import { ParameterSet } from "./parameters.ts";
import { embedOp, linearOp } from "./fused_ops.ts";
import {
  type Activation,
  crossGraphs,
  GraphPlan,
  LayerNorm,
  type NormPlacement,
  type PatternMode,
  type PatternSource,
  PositionalEmbedding,
  SparseTransformerBlock,
} from "./layers.ts";
import type { AttentionGraph } from "../sparse_kernel/mod.ts";
import { InputError, requireInteger } from "../../util/errors.ts";

export type ModelInput = { kind: "tokens"; vocabSize: number } | { kind: "vectors" };

export interface StackConfig {
  width: number;
  heads: number;
  ffHidden: number;
  layers: number;
  /** Patterns for self-attention (a schedule, or a function of n giving one). */
  pattern: PatternSource;
  /** "layers" (default) cycles the schedule's patterns over layers; "heads" over heads. */
  patternMode?: PatternMode;
  impl: AttentionImpl;
  rho?: RhoSpec;
  norm: NormPlacement;
  activation?: Activation;
  maxLength: number;
  input: ModelInput;
  /** Score scale; default 1/√m. */
  scale?: number;
  bias?: boolean;
  /**
   * Trains through the fused ops (fused_ops.ts: embedding, LayerNorm, projections, residuals,
   * head) instead of tfjs's op chains; default false. The function computed is the same.
   */
  fused?: boolean;
}

/** Embedding + positional embedding + blocks (+ final LayerNorm when pre-LN). */
class BlockStack {
  readonly embedding?: tf.Variable;
  readonly positional: PositionalEmbedding;
  readonly blocks: SparseTransformerBlock[];
  readonly finalNorm?: LayerNorm;
  readonly plan: GraphPlan;
  private fusedOps = false;

  constructor(
    readonly params: ParameterSet,
    name: string,
    readonly config: StackConfig,
    options: { causal?: boolean; crossAttention?: boolean } = {},
  ) {
    requireInteger("layers", config.layers, 1);
    if (config.input?.kind === "tokens") {
      requireInteger("vocabSize", config.input.vocabSize, 1);
      this.embedding = params.create(
        `${name}.embedding`,
        [config.input.vocabSize, config.width],
        "embedding",
      );
    } else if (config.input?.kind !== "vectors") {
      const kind = (config.input as { kind?: unknown } | undefined)?.kind;
      throw new InputError("input.kind", kind, 'expected "tokens" or "vectors"');
    }
    this.positional = new PositionalEmbedding(
      params,
      `${name}.positional`,
      config.maxLength,
      config.width,
    );
    this.blocks = Array.from(
      { length: config.layers },
      (_, l) =>
        new SparseTransformerBlock(params, `${name}.blocks.${l}`, {
          ...config,
          crossAttention: options.crossAttention,
        }),
    );
    if (config.norm === "pre") {
      this.finalNorm = new LayerNorm(params, `${name}.finalNorm`, config.width);
    }
    this.plan = new GraphPlan(
      config.pattern,
      config.layers,
      config.heads,
      config.patternMode,
      options.causal,
    );
    this.fused = config.fused === true;
  }

  set impl(impl: AttentionImpl) {
    for (const block of this.blocks) block.impl = impl;
  }

  set fused(fused: boolean) {
    this.fusedOps = fused;
    for (const block of this.blocks) block.fused = fused;
    if (this.finalNorm) this.finalNorm.fused = fused;
  }

  get fused(): boolean {
    return this.fusedOps;
  }

  /** X + E: token ids are embedded first; vectors must already have the model width. */
  embed(input: tf.Tensor): tf.Tensor3D {
    return tf.tidy(() => {
      let x: tf.Tensor3D;
      if (this.embedding) {
        if (input.rank !== 2 || input.dtype !== "int32") {
          throw new InputError("input", input.shape, "expected int32 token ids [batch, tokens]");
        }
        if (this.fusedOps) return embedOp(input, this.positional.table, this.embedding);
        x = embeddingLookup(this.embedding, input as tf.Tensor2D);
      } else {
        if (input.rank !== 3 || input.shape[2] !== this.config.width) {
          throw new InputError(
            "input.shape",
            input.shape,
            `expected [batch, tokens, ${this.config.width}]`,
          );
        }
        x = input as tf.Tensor3D;
        if (!tf.all(tf.isFinite(x)).dataSync()[0]) {
          throw new InputError("input", "NaN or Infinity", "input vectors must be finite");
        }
        if (this.fusedOps) return embedOp(x, this.positional.table);
      }
      return this.positional.apply(x);
    });
  }

  apply(input: tf.Tensor, memory?: tf.Tensor3D): tf.Tensor3D {
    return this.applyWithGraphs(input, memory, (length) => this.plan.at(length));
  }

  /**
   * The first `length` positions of a causal stack whose pattern is for sequences of length n,
   * computed from those positions alone (input [batch, length], length ≤ n). A causal query never
   * sees a later position, so this is the first `length` rows of apply() on the whole sequence at a
   * fraction of its cost: what greedy decoding needs at each output position.
   */
  applyPrefix(input: tf.Tensor, n: number, memory?: tf.Tensor3D): tf.Tensor3D {
    return this.applyWithGraphs(input, memory, (length) => this.plan.prefixAt(n, length));
  }

  private applyWithGraphs(
    input: tf.Tensor,
    memory: tf.Tensor3D | undefined,
    graphsAt: (length: number) => AttentionGraph[][],
  ): tf.Tensor3D {
    return tf.tidy(() => {
      let x = this.embed(input);
      const graphs = graphsAt(x.shape[1]);
      const cross = memory && {
        states: memory,
        graphs: crossGraphs(x.shape[1], memory.shape[1], this.config.heads),
      };
      this.blocks.forEach((block, l) => {
        x = block.apply(x, graphs[l], cross);
      });
      return this.finalNorm ? this.finalNorm.apply(x) : x;
    });
  }
}

/**
 * table[ids] with a JavaScript scatter-add gradient: tfjs's own gather gradient needs the
 * UnsortedSegmentSum kernel, which the wasm backend lacks.
 */
function embeddingLookup(table: tf.Variable, ids: tf.Tensor2D): tf.Tensor3D {
  const [vocabSize, width] = table.shape as [number, number];
  const lookup = tf.customGrad((...inputs) => {
    const value = tf.gather(inputs[0] as tf.Tensor, ids);
    const gradFunc = (dy: tf.Tensor) => {
      const upstream = dy.dataSync();
      const tokens = ids.dataSync();
      const grad = new Float32Array(vocabSize * width);
      for (let t = 0; t < tokens.length; t++) {
        for (let c = 0; c < width; c++) grad[tokens[t] * width + c] += upstream[t * width + c];
      }
      return tf.tensor2d(grad, [vocabSize, width]);
    };
    return { value, gradFunc };
  });
  return lookup(table) as tf.Tensor3D;
}

/** Base of every model: parameters, implementation switch, save/load. */
abstract class Model {
  readonly params: ParameterSet;

  constructor(readonly kind: string, readonly config: object, seed: number) {
    this.params = new ParameterSet(seed);
  }

  protected abstract get stacks(): BlockStack[];

  /** Switches every attention layer between "dense" and "sparse" (same weights). */
  set impl(impl: AttentionImpl) {
    for (const stack of this.stacks) stack.impl = impl;
  }

  /** Switches between the fused ops and tfjs's op chains (see StackConfig.fused). */
  set fused(fused: boolean) {
    for (const stack of this.stacks) stack.fused = fused;
    for (const head of this.heads) head.fused = fused;
  }

  get fused(): boolean {
    return this.stacks[0].fused;
  }

  /** The linear heads on top of the stacks. */
  protected get heads(): OutputHead[] {
    return [];
  }

  /** Writes the weights with the config; `record` adds entries to the recorded config. */
  save(stem: string, record: Record<string, unknown> = {}): Promise<void> {
    return this.params.save(stem, {
      kind: this.kind,
      config: { ...serializableConfig(this.config), ...record },
    });
  }

  async load(stem: string, parameter?: string): Promise<void> {
    const metadata = await this.params.load(stem, parameter);
    if (metadata.kind !== this.kind) {
      throw new InputError("weights file kind", metadata.kind, `this model is a ${this.kind}`);
    }
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Drops what JSON cannot hold (a pattern function, a Schedule) from the saved metadata. */
function serializableConfig(config: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map((
      [key, value],
    ) => [
      key,
      typeof value === "object" && value !== null && "patterns" in value
        ? String(value)
        : typeof value === "function"
        ? "(function)"
        : value,
    ]),
  );
}

/** x ↦ states (batch × n × width). */
export class SparseEncoder extends Model {
  readonly stack: BlockStack;

  constructor(config: StackConfig & { seed?: number }) {
    super("encoder", config, config.seed ?? 0);
    this.stack = new BlockStack(this.params, "encoder", config);
  }

  protected get stacks(): BlockStack[] {
    return [this.stack];
  }

  apply(input: tf.Tensor): tf.Tensor3D {
    return this.stack.apply(input);
  }
}

export class OutputHead {
  readonly w: tf.Variable;
  readonly b: tf.Variable;
  /** One linearOp (plain 2-D matmuls in the backward pass) instead of matMul + add. */
  fused = false;

  constructor(params: ParameterSet, name: string, width: number, outputs: number) {
    requireInteger("outputs", outputs, 1);
    this.w = params.create(`${name}.w`, [width, outputs], "glorot");
    this.b = params.create(`${name}.b`, [outputs], "zeros");
  }

  /** [batch, n, width] → [batch, n, outputs] (or [batch, width] → [batch, outputs]). */
  apply(x: tf.Tensor): tf.Tensor {
    if (this.fused) return tf.tidy(() => linearOp(x, [this.w], [this.b]));
    return tf.tidy(() => {
      const width = x.shape[x.shape.length - 1]!;
      const flat = tf.add(tf.matMul(tf.reshape(x, [-1, width]), this.w), this.b);
      return tf.reshape(flat, [...x.shape.slice(0, -1), this.w.shape[1]!]);
    });
  }
}

/** A model of one block stack with one linear head on top of it. */
abstract class StackWithHead extends Model {
  readonly stack: BlockStack;
  readonly head: OutputHead;

  constructor(
    kind: string,
    config: StackConfig & { seed?: number },
    stack: { name: string; causal?: boolean },
    outputs: number,
  ) {
    super(kind, config, config.seed ?? 0);
    this.stack = new BlockStack(this.params, stack.name, config, { causal: stack.causal });
    this.head = new OutputHead(this.params, "head", config.width, outputs);
    this.fused = config.fused === true;
  }

  protected get stacks(): BlockStack[] {
    return [this.stack];
  }

  protected override get heads(): OutputHead[] {
    return [this.head];
  }
}

/** Causal language model: token ids → next-token logits (batch × n × vocab). */
export class CausalDecoder extends StackWithHead {
  constructor(
    config: StackConfig & { input: { kind: "tokens"; vocabSize: number }; seed?: number },
  ) {
    super("causal-decoder", config, { name: "decoder", causal: true }, config.input.vocabSize);
  }

  logits(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => this.head.apply(this.stack.apply(ids)) as tf.Tensor3D);
  }
}

/** Sequence to sequence: source ids and shifted target ids → target logits. */
export class EncoderDecoder extends Model {
  readonly encoder: BlockStack;
  readonly decoder: BlockStack;
  readonly head: OutputHead;

  constructor(
    config: StackConfig & {
      input: { kind: "tokens"; vocabSize: number };
      /** Decoder self-attention patterns; default: the encoder's, made causal. */
      decoderPattern?: PatternSource;
      seed?: number;
    },
  ) {
    super("encoder-decoder", config, config.seed ?? 0);
    this.encoder = new BlockStack(this.params, "encoder", config);
    this.decoder = new BlockStack(
      this.params,
      "decoder",
      { ...config, pattern: config.decoderPattern ?? config.pattern },
      { causal: true, crossAttention: true },
    );
    this.head = new OutputHead(this.params, "head", config.width, config.input.vocabSize);
    this.fused = config.fused === true;
  }

  protected get stacks(): BlockStack[] {
    return [this.encoder, this.decoder];
  }

  protected override get heads(): OutputHead[] {
    return [this.head];
  }

  logits(source: tf.Tensor2D, target: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const memory = this.encoder.apply(source);
      return this.head.apply(this.decoder.apply(target, memory)) as tf.Tensor3D;
    });
  }
}

/** Encoder + mean pooling over tokens + linear head: input → class logits (batch × classes). */
export class EncoderClassifier extends StackWithHead {
  constructor(config: StackConfig & { classes: number; seed?: number }) {
    super("encoder-classifier", config, { name: "encoder" }, config.classes);
  }

  logits(input: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.head.apply(tf.mean(this.stack.apply(input), 1)) as tf.Tensor2D);
  }
}

/** Mean softmax cross-entropy of logits (… × classes) against int32 labels (…). */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const classes = logits.shape[logits.shape.length - 1]!;
    const flatLogits = tf.reshape(logits, [-1, classes]);
    const oneHot = tf.oneHot(tf.reshape(labels, [-1]) as tf.Tensor1D, classes);
    return tf.losses.softmaxCrossEntropy(oneHot, flatLogits) as tf.Scalar;
  });
}

/** One optimizer step on `loss`; returns the loss value. Leaves no tensor behind. */
export function trainStep(
  optimizer: tf.Optimizer,
  params: ParameterSet,
  loss: () => tf.Scalar,
): number {
  const value = optimizer.minimize(loss, true, params.list());
  const result = value!.dataSync()[0];
  value!.dispose();
  return result;
}
