/**
 * TensorFlow.js models of lib/attention/tf → ONNX graphs of standard operators (opset 17):
 * Gather (embedding), Add (positional embedding, biases, residuals), MatMul, Reshape,
 * Transpose, Mul (score scale), Softmax, LayerNormalization, Relu / Tanh (GELU), ReduceMean
 * (classifier pooling).
 *
 * The sparsity pattern is a constant initializer: an additive bias [heads or 1, n, n] of 0
 * where a query may attend and −1e9 elsewhere, added to the scores before Softmax, exactly as
 * the dense-masked TensorFlow.js core does. A large finite negative rather than −∞ keeps a
 * fully masked row from turning into NaN, and the exporter refuses such rows anyway (the
 * lab's patterns always have self-loops, so none occurs). Masks and positional embeddings are
 * built for one sequence length n; the batch dimension stays symbolic.
 */
import { tf } from "../attention/tf/backend.ts";
import {
  CausalDecoder,
  EncoderClassifier,
  EncoderDecoder,
  SparseEncoder,
} from "../attention/tf/models.ts";
import type {
  FeedForward,
  LayerNorm,
  MultiHeadAttention,
  SparseTransformerBlock,
} from "../attention/tf/layers.ts";
import { crossGraphs } from "../attention/tf/layers.ts";
import type { AttentionGraph } from "../attention/sparse_kernel/mod.ts";
import { entmaxAlpha } from "../attention/probability_maps.ts";
import { asSchedule } from "../pattern/pattern.ts";
import { InputError, requireInteger } from "../util/errors.ts";
import { OnnxGraphBuilder } from "./onnx_graph.ts";
import {
  type ExportedKind,
  LAB_METADATA_KEY,
  LAB_ONNX_FORMAT,
  type LabModelMetadata,
  type TensorSignature,
} from "./metadata.ts";

export type ExportableModel = SparseEncoder | CausalDecoder | EncoderDecoder | EncoderClassifier;
type Stack = SparseEncoder["stack"];

/** Additive mask value for pairs outside the pattern (what the dense tfjs core adds). */
export const MASKED_SCORE = -1e9;

export interface ExportOptions {
  /** Sequence length (the source length of an encoder–decoder). */
  n: number;
  /** Target length of an encoder–decoder; default n. */
  targetLength?: number;
  /** Also output every self-attention layer's probabilities [batch, heads, n, n]. */
  attentionOutputs?: boolean;
  /** Characters of a character model (index = token id), stored in the metadata. */
  vocabulary?: string[];
  description?: string;
}

export interface ExportedModel {
  bytes: Uint8Array;
  metadata: LabModelMetadata;
}

/** Exports any model kind of lib/attention/tf; see the module comment for the graph. */
export function exportToOnnx(model: ExportableModel, options: ExportOptions): ExportedModel {
  const n = requireInteger("n", options.n, 1);
  const g = new OnnxGraphBuilder(`o-n-lab ${model.kind}`);
  const exporter = new GraphExporter(g, options.attentionOutputs ?? false);
  const io = new GraphSignatures(g);
  const targetLength = emitModel(model, exporter, io, { n, targetLength: options.targetLength });
  for (const attention of exporter.attentionOutputs) io.output(attention.value, attention);
  const patterns = Object.fromEntries(exporter.patternNames);

  if (options.vocabulary && options.vocabulary.length !== vocabularySize(model)) {
    throw new InputError(
      "vocabulary",
      options.vocabulary.length,
      `the model has ${vocabularySize(model)} token ids`,
    );
  }
  const metadata: LabModelMetadata = {
    format: LAB_ONNX_FORMAT,
    kind: model.kind as ExportedKind,
    n,
    ...(targetLength !== undefined ? { targetLength } : {}),
    patterns,
    inputs: io.inputs,
    outputs: io.outputs,
    attentionOutputs: exporter.attentionOutputs.map((output) => output.name),
    ...(options.vocabulary ? { vocabulary: options.vocabulary } : {}),
    ...(options.description ? { description: options.description } : {}),
  };
  const bytes = g.build(
    { [LAB_METADATA_KEY]: JSON.stringify(metadata) },
    `${model.kind} with sparse attention (${Object.values(patterns).join("; ")}) at n = ${n}`,
  );
  return { bytes, metadata };
}

/** The graph's inputs and outputs: declared in the graph and recorded for the metadata. */
class GraphSignatures {
  readonly inputs: TensorSignature[] = [];
  readonly outputs: TensorSignature[] = [];

  constructor(private readonly g: OnnxGraphBuilder) {}

  input(signature: TensorSignature): string {
    this.inputs.push(signature);
    return this.g.input(signature.name, signature.type, signature.dims);
  }

  output(value: string, signature: TensorSignature): void {
    this.outputs.push(signature);
    this.g.output(value, signature.name, signature.type, signature.dims);
  }

  /** A stack's input: token ids through its embedding, or vectors of the model width. */
  stackInput(stack: Stack, name: string, length: number): string {
    return this.input(
      stack.embedding
        ? { name, type: "int32", dims: ["batch", length], vocabSize: stack.embedding.shape[0] }
        : { name, type: "float32", dims: ["batch", length, stack.config.width] },
    );
  }
}

/**
 * Emits the model's stacks and head with their inputs and outputs; returns the target length
 * of an encoder–decoder (the option, default n), undefined for the other kinds.
 */
function emitModel(
  model: ExportableModel,
  exporter: GraphExporter,
  io: GraphSignatures,
  lengths: { n: number; targetLength?: number },
): number | undefined {
  const { n } = lengths;
  const vocabSize = (head: { w: tf.Variable }) => head.w.shape[1]!;
  const logits = (dims: TensorSignature["dims"]): TensorSignature => ({
    name: "logits",
    type: "float32",
    dims,
  });
  if (model instanceof EncoderDecoder) {
    const targetLength = requireInteger("targetLength", lengths.targetLength ?? n, 1);
    const memory = exporter.stack(
      model.encoder,
      "encoder",
      io.stackInput(model.encoder, "source", n),
      n,
    );
    const states = exporter.stack(
      model.decoder,
      "decoder",
      io.stackInput(model.decoder, "target", targetLength),
      targetLength,
      { states: memory, length: n },
    );
    io.output(
      exporter.head(model.head, states),
      logits(["batch", targetLength, vocabSize(model.head)]),
    );
    return targetLength;
  }
  if (lengths.targetLength !== undefined) {
    throw new InputError("targetLength", lengths.targetLength, "only an encoder–decoder has one");
  }
  const stackName = model instanceof CausalDecoder ? "decoder" : "encoder";
  const states = exporter.stack(model.stack, stackName, io.stackInput(model.stack, "input", n), n);
  if (model instanceof SparseEncoder) {
    io.output(states, {
      name: "states",
      type: "float32",
      dims: ["batch", n, model.stack.config.width],
    });
  } else if (model instanceof CausalDecoder) {
    io.output(exporter.head(model.head, states), logits(["batch", n, vocabSize(model.head)]));
  } else {
    const pooled = exporter.meanOverTokens(states);
    io.output(exporter.head(model.head, pooled), logits(["batch", vocabSize(model.head)]));
  }
  return undefined;
}

function vocabularySize(model: ExportableModel): number | undefined {
  const stack = model instanceof EncoderDecoder ? model.decoder : model.stack;
  return stack.embedding?.shape[0];
}

/** Walks the layers of a model and emits their nodes; one instance per exported graph. */
class GraphExporter {
  readonly attentionOutputs: (TensorSignature & { value: string })[] = [];
  /** Self-attention schedule name per stack ("encoder", "decoder"). */
  readonly patternNames = new Map<string, string>();
  private readonly graphIds = new Map<AttentionGraph, number>();

  constructor(private readonly g: OnnxGraphBuilder, private readonly withAttention: boolean) {}

  /** A weight as a constant named after its parameter ("decoder.blocks.0.attention.wq"). */
  private weight(variable: tf.Variable): string {
    const name = variable.name.replace(/#\d+$/, "");
    return this.g.constant(name, "float32", variable.shape, variable.dataSync(), variable.name);
  }

  private linear(x: string, w: tf.Variable, b?: tf.Variable): string {
    const product = this.g.node("MatMul", [x, this.weight(w)]);
    return b ? this.g.node("Add", [product, this.weight(b)]) : product;
  }

  private layerNorm(x: string, norm: LayerNorm): string {
    return this.g.node(
      "LayerNormalization",
      [x, this.weight(norm.gamma), this.weight(norm.beta)],
      { axis: -1, epsilon: { float: norm.epsilon } },
    );
  }

  private feedForward(x: string, ff: FeedForward): string {
    const z = this.linear(x, ff.w1, ff.b1);
    return this.linear(
      ff.activation === "relu" ? this.g.node("Relu", [z]) : this.gelu(z),
      ff.w2,
      ff.b2,
    );
  }

  /** The tanh approximation tfjs's layer uses: ½z(1 + tanh(√(2/π)(z + 0.044715 z³))). */
  private gelu(z: string): string {
    const g = this.g;
    const cubic = g.node("Mul", [g.node("Pow", [z, g.scalar(3)]), g.scalar(0.044715)]);
    const inner = g.node("Mul", [g.node("Add", [z, cubic]), g.scalar(Math.sqrt(2 / Math.PI))]);
    const gate = g.node("Add", [g.node("Tanh", [inner]), g.scalar(1)]);
    return g.node("Mul", [g.node("Mul", [z, g.scalar(0.5)]), gate]);
  }

  /**
   * The additive mask of one layer's heads, [1, nq, nk] when every head shares the graph,
   * [heads, nq, nk] otherwise; undefined when every query sees every key.
   */
  private maskBias(graphs: readonly AttentionGraph[], label: string): string | undefined {
    const { numQueries, numKeys } = graphs[0];
    if (graphs.every((graph) => graph.keys.length === numQueries * numKeys)) return undefined;
    const shared = graphs.every((graph) => graph === graphs[0]);
    const used = shared ? [graphs[0]] : graphs;
    const bias = new Float32Array(used.length * numQueries * numKeys).fill(MASKED_SCORE);
    used.forEach((graph, h) => {
      for (let i = 0; i < numQueries; i++) {
        if (graph.rowStart[i] === graph.rowStart[i + 1]) {
          throw new InputError(
            `${label} head ${h} query`,
            i,
            "attends to no key: a fully masked row has no softmax (give every token a self-loop)",
          );
        }
        for (let a = graph.rowStart[i]; a < graph.rowStart[i + 1]; a++) {
          bias[(h * numQueries + i) * numKeys + graph.keys[a]] = 0;
        }
      }
    });
    const key = "mask:" + used.map((graph) => this.graphId(graph)).join(",");
    return this.g.constant(
      `${label}.mask`,
      "float32",
      [used.length, numQueries, numKeys],
      bias,
      key,
    );
  }

  private graphId(graph: AttentionGraph): number {
    if (!this.graphIds.has(graph)) this.graphIds.set(graph, this.graphIds.size + 1);
    return this.graphIds.get(graph)!;
  }

  /**
   * Multi-head attention of `x` (length nq) over `memory` (length nk):
   * Softmax(scale · Q Kᵀ + mask) V per head, heads concatenated, then W_o.
   */
  private attention(
    x: string,
    mha: MultiHeadAttention,
    graphs: readonly AttentionGraph[],
    label: string,
    memory = x,
  ): { value: string; probs: string } {
    if (entmaxAlpha(mha.rho) !== 1) {
      throw new InputError(`${label} rho`, mha.rho, "ONNX export supports softmax attention only");
    }
    const g = this.g;
    const { heads, headSize: m } = mha;
    const { numQueries, numKeys } = graphs[0];
    const split = (value: string, length: number, perm: number[]) =>
      g.node("Transpose", [g.node("Reshape", [value, g.int64s([0, length, heads, m])])], { perm });
    const q = split(this.linear(x, mha.wq, mha.bq), numQueries, [0, 2, 1, 3]); // [B,H,nq,m]
    const kT = split(this.linear(memory, mha.wk, mha.bk), numKeys, [0, 2, 3, 1]); // [B,H,m,nk]
    const v = split(this.linear(memory, mha.wv, mha.bv), numKeys, [0, 2, 1, 3]); // [B,H,nk,m]
    let scores = g.node("Mul", [g.node("MatMul", [q, kT]), g.scalar(mha.scale)]);
    const mask = this.maskBias(graphs, label);
    if (mask) scores = g.node("Add", [scores, mask]);
    const probs = g.node("Softmax", [scores], { axis: -1 }, `${label}.probs`);
    const merged = g.node("Reshape", [
      g.node("Transpose", [g.node("MatMul", [probs, v])], { perm: [0, 2, 1, 3] }),
      g.int64s([0, numQueries, heads * m]),
    ]);
    return { value: this.linear(merged, mha.wo, mha.bo), probs };
  }

  /** pre: x + f(LN x); post: LN(x + f(x)); none: x + f(x) — as SparseTransformerBlock. */
  private residual(
    x: string,
    block: SparseTransformerBlock,
    index: number,
    sublayer: (input: string) => string,
  ): string {
    if (block.norm === "pre") {
      return this.g.node("Add", [x, sublayer(this.layerNorm(x, block.norms[index]))]);
    }
    const sum = this.g.node("Add", [x, sublayer(x)]);
    return block.norm === "post" ? this.layerNorm(sum, block.norms[index]) : sum;
  }

  /** Embedding, positional embedding, blocks and final norm of one stack; returns its states. */
  stack(
    stack: Stack,
    name: string,
    input: string,
    length: number,
    memory?: { states: string; length: number },
  ): string {
    const g = this.g;
    const source = stack.plan.source;
    this.patternNames.set(
      name,
      asSchedule(typeof source === "function" ? source(length) : source).name,
    );
    const positional = this.positional(stack, length, name);
    const graphs = stack.plan.at(length);
    let x = stack.embedding
      ? g.node("Gather", [this.weight(stack.embedding), input], { axis: 0 })
      : input;
    x = g.node("Add", [x, positional]);
    stack.blocks.forEach((block, layer) => {
      const label = `${name}.${layer}`;
      x = this.residual(x, block, 0, (h) => {
        const { value, probs } = this.attention(h, block.attention, graphs[layer], label);
        if (this.withAttention) {
          this.attentionOutputs.push({
            name: `attention.${label}`,
            value: probs,
            type: "float32",
            dims: ["batch", block.attention.heads, length, length],
          });
        }
        return value;
      });
      if (block.cross) {
        if (!memory) throw new Error(`${label}: a cross-attention block needs encoder states`);
        const cross = crossGraphs(length, memory.length, block.cross.heads);
        x = this.residual(
          x,
          block,
          1,
          (h) => this.attention(h, block.cross!, cross, `${label}.cross`, memory.states).value,
        );
      }
      x = this.residual(
        x,
        block,
        block.cross ? 2 : 1,
        (h) => this.feedForward(h, block.feedForward),
      );
    });
    return stack.finalNorm ? this.layerNorm(x, stack.finalNorm) : x;
  }

  /** Rows 0 … n − 1 of the trainable positional table (what PositionalEmbedding adds). */
  private positional(stack: Stack, length: number, name: string): string {
    const { table, maxLength } = stack.positional;
    if (length > maxLength) {
      throw new InputError("n", length, `the ${name}'s positional embedding holds ${maxLength}`);
    }
    const width = table.shape[1]!;
    const rows = (table.dataSync() as Float32Array).subarray(0, length * width);
    return this.g.constant(`${name}.positional[:${length}]`, "float32", [length, width], rows);
  }

  head(head: { w: tf.Variable; b: tf.Variable }, states: string): string {
    return this.linear(states, head.w, head.b);
  }

  /** [batch, n, width] → [batch, width]: the classifier's pooling. */
  meanOverTokens(states: string): string {
    return this.g.node("ReduceMean", [states], { axes: [1], keepdims: 0 });
  }
}
