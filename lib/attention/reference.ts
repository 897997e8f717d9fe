/**
 * The paper's sparse Transformer in exact float64: the ground truth for the
 * theorem notebooks, the construction and every faster implementation.
 *
 * ## Shapes: the paper's d × n versus the code's n × d
 *
 * The paper writes a sequence as X ∈ R^{d×n} whose 1-indexed *columns* are tokens. The code
 * stores it token-major: `x` is a row-major `Float64Array` of n·d numbers whose 0-indexed row
 * k (entries x[k·d] … x[k·d + d − 1]) is the paper's column k + 1. Weight matrices keep the
 * paper's orientation and act on one token at a time:
 *
 * | paper                         | code (row-major)                       |
 * |-------------------------------|----------------------------------------|
 * | X ∈ R^{d×n}, column X_k       | x: n×d, row k                          |
 * | W_Q^i, W_K^i, W_V^i ∈ R^{m×d} | wq, wk, wv: m×d, q = wq·x_k + bq       |
 * | W_O^i ∈ R^{d×m}               | wo: d×m                                |
 * | W_1 ∈ R^{r×d}, b_1 ∈ R^r      | w1: r×d, b1                            |
 * | W_2 ∈ R^{d×r}, b_2 ∈ R^d      | w2: d×r, b2                            |
 * | E ∈ R^{d×n}                   | positional: n×d                        |
 * | A_k^ℓ (1-indexed)             | pattern.row(k) (0-indexed)             |
 *
 * SAttn(X)_k = X_k + Σ_i W_O^i W_V^i X_{A_k} ρ[(W_K^i X_{A_k})^T W_Q^i X_k] with a plain,
 * unscaled dot product (a scale is absorbed into W_Q) and optional affine biases on Q, K, V.
 * FF(X)_k = X_k + W_2 act(W_1 X_k + b_1) + b_2. A block is FF ∘ SAttn.
 */
import { InputError, requireInteger } from "../util/errors.ts";
import { asSchedule, type PatternLike, type SparsityPattern } from "../pattern/pattern.ts";
import { probabilityMap, type ProbabilityMapName } from "./probability_maps.ts";

/** One attention head (paper: W_Q^i, W_K^i, W_V^i ∈ R^{m×d}, W_O^i ∈ R^{d×m}). */
export interface HeadWeights {
  /** m×d row-major. */
  wq: Float64Array;
  /** length m. */
  bq?: Float64Array;
  wk: Float64Array;
  bk?: Float64Array;
  wv: Float64Array;
  bv?: Float64Array;
  /** d×m row-major. */
  wo: Float64Array;
  /** Head size. */
  m: number;
}

/** Token-wise feed-forward weights (paper: W_1 ∈ R^{r×d}, W_2 ∈ R^{d×r}). */
export interface FeedForwardWeights {
  /** r×d row-major. */
  w1: Float64Array;
  /** length r. */
  b1: Float64Array;
  /** d×r row-major. */
  w2: Float64Array;
  /** length d. */
  b2: Float64Array;
  r: number;
}

/** A named map, or any function from a score vector to a probability vector. */
export type Rho = ProbabilityMapName | ((scores: Float64Array) => Float64Array);

/** Sees, for each head and query token k, the keys A_k, the raw scores and ρ of them. */
export type ScoreListener = (
  head: number,
  k: number,
  keys: Int32Array,
  scores: Float64Array,
  probs: Float64Array,
) => void;

export interface AttentionOptions {
  /** Add the input back (the paper's X_k + …). Default true. */
  residual?: boolean;
  onScores?: ScoreListener;
}

export const relu = (z: number): number => (z > 0 ? z : 0);

/** Throws unless `x` holds n·d finite numbers; returns n and d checked as positive integers. */
export function requireSequence(x: Float64Array, n: number, d: number, name = "x"): void {
  requireInteger("n", n, 1);
  requireInteger("d", d, 1);
  requireLength(name, x, n * d, `${n}×${d}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new InputError(
        `${name}[token ${Math.floor(i / d)}, dim ${i % d}]`,
        x[i],
        "input must be finite (no NaN or Infinity)",
      );
    }
  }
}

function requireLength(name: string, array: unknown, length: number, shape: string): void {
  if (!(array instanceof Float64Array)) {
    throw new InputError(name, array, `expected a Float64Array of shape ${shape}`);
  }
  if (array.length !== length) {
    throw new InputError(
      `${name}.length`,
      array.length,
      `expected ${length} numbers (shape ${shape}, row-major)`,
    );
  }
}

/** Checks one head's weight shapes against the model width d. */
export function validateHead(head: HeadWeights, d: number, label = "head"): void {
  if (head === null || typeof head !== "object") {
    throw new InputError(label, head, "expected HeadWeights {wq, wk, wv, wo, m}");
  }
  const m = requireInteger(`${label}.m`, head.m, 1);
  for (const key of ["wq", "wk", "wv"] as const) {
    requireLength(`${label}.${key}`, head[key], m * d, `m×d = ${m}×${d}`);
  }
  requireLength(`${label}.wo`, head.wo, d * m, `d×m = ${d}×${m}`);
  for (const key of ["bq", "bk", "bv"] as const) {
    if (head[key] !== undefined) requireLength(`${label}.${key}`, head[key], m, `m = ${m}`);
  }
}

/** Checks feed-forward weight shapes against the model width d. */
export function validateFeedForward(weights: FeedForwardWeights, d: number, label = "ff"): void {
  if (weights === null || typeof weights !== "object") {
    throw new InputError(label, weights, "expected FeedForwardWeights {w1, b1, w2, b2, r}");
  }
  const r = requireInteger(`${label}.r`, weights.r, 1);
  requireLength(`${label}.w1`, weights.w1, r * d, `r×d = ${r}×${d}`);
  requireLength(`${label}.b1`, weights.b1, r, `r = ${r}`);
  requireLength(`${label}.w2`, weights.w2, d * r, `d×r = ${d}×${r}`);
  requireLength(`${label}.b2`, weights.b2, d, `d = ${d}`);
}

function requirePatternLength(pattern: SparsityPattern, n: number, label = "pattern"): void {
  if (pattern === null || typeof pattern !== "object" || typeof pattern.row !== "function") {
    throw new InputError(label, pattern, "expected a SparsityPattern");
  }
  if (pattern.n !== n) {
    throw new InputError(
      `${label}.n`,
      pattern.n,
      `the pattern "${pattern.name}" is for ${pattern.n} tokens but the input has n = ${n}`,
    );
  }
  for (let k = 0; k < n; k++) {
    if (pattern.rowSize(k) === 0) {
      throw new InputError(`${label} A_${k}`, [], "every token must attend to at least one token");
    }
  }
}

function resolveRho(rho: Rho): (scores: Float64Array) => Float64Array {
  if (typeof rho === "function") return rho;
  const map = probabilityMap(rho);
  return (scores) => map(scores);
}

/** y = W·x + b for one token: W is rows×cols row-major, x starts at x[offset]. */
function affine(
  w: Float64Array,
  b: Float64Array | undefined,
  x: Float64Array,
  offset: number,
  rows: number,
  cols: number,
  out: Float64Array,
  outOffset: number,
): void {
  for (let i = 0; i < rows; i++) {
    let sum = b ? b[i] : 0;
    const rowOffset = i * cols;
    for (let j = 0; j < cols; j++) sum += w[rowOffset + j] * x[offset + j];
    out[outOffset + i] = sum;
  }
}

/** W·X + b applied to every token: returns n×rows. */
export function projectTokens(
  w: Float64Array,
  b: Float64Array | undefined,
  x: Float64Array,
  n: number,
  cols: number,
  rows: number,
): Float64Array {
  const out = new Float64Array(n * rows);
  for (let k = 0; k < n; k++) affine(w, b, x, k * cols, rows, cols, out, k * rows);
  return out;
}

/**
 * One sparse attention layer: SAttn(X)_k = X_k + Σ_i W_O^i W_V^i X_{A_k} ρ[(W_K^i X_{A_k})^T
 * W_Q^i X_k]. `x` is n×d token-major; returns a new n×d array.
 */
export function sparseAttentionLayer(
  x: Float64Array,
  n: number,
  d: number,
  pattern: SparsityPattern,
  heads: readonly HeadWeights[],
  rho: Rho,
  options: AttentionOptions = {},
): Float64Array {
  requireSequence(x, n, d);
  requirePatternLength(pattern, n);
  if (!Array.isArray(heads)) throw new InputError("heads", heads, "expected an array of heads");
  heads.forEach((head, i) => validateHead(head, d, `heads[${i}]`));
  return attend(x, n, d, pattern, heads, resolveRho(rho), options);
}

/** sparseAttentionLayer without validation (callers have validated once). */
function attend(
  x: Float64Array,
  n: number,
  d: number,
  pattern: SparsityPattern,
  heads: readonly HeadWeights[],
  rho: (scores: Float64Array) => Float64Array,
  options: AttentionOptions,
): Float64Array {
  const out = options.residual === false ? new Float64Array(n * d) : Float64Array.from(x);
  heads.forEach((head, headIndex) => {
    const { m } = head;
    const q = projectTokens(head.wq, head.bq, x, n, d, m);
    const k = projectTokens(head.wk, head.bk, x, n, d, m);
    const v = projectTokens(head.wv, head.bv, x, n, d, m);
    const mixed = new Float64Array(m);
    for (let query = 0; query < n; query++) {
      const keys = pattern.row(query);
      const scores = new Float64Array(keys.length);
      for (let a = 0; a < keys.length; a++) {
        let dot = 0;
        for (let c = 0; c < m; c++) dot += k[keys[a] * m + c] * q[query * m + c];
        scores[a] = dot;
      }
      const probs = rho(scores);
      options.onScores?.(headIndex, query, keys, scores, probs);
      mixed.fill(0);
      for (let a = 0; a < keys.length; a++) {
        const p = probs[a];
        if (p === 0) continue;
        for (let c = 0; c < m; c++) mixed[c] += p * v[keys[a] * m + c];
      }
      // out_k += W_O · mixed
      for (let row = 0; row < d; row++) {
        let sum = 0;
        for (let c = 0; c < m; c++) sum += head.wo[row * m + c] * mixed[c];
        out[query * d + row] += sum;
      }
    }
  });
  return out;
}

/** FF(X)_k = X_k + W_2 act(W_1 X_k + b_1) + b_2 for every token k; returns a new n×d array. */
export function feedForwardLayer(
  x: Float64Array,
  n: number,
  d: number,
  weights: FeedForwardWeights,
  activation: (z: number) => number,
  options: { residual?: boolean } = {},
): Float64Array {
  requireSequence(x, n, d);
  validateFeedForward(weights, d, "weights");
  requireActivation(activation);
  return feedForward(x, n, d, weights, activation, options.residual !== false);
}

function requireActivation(activation: unknown, label = "activation"): void {
  if (typeof activation !== "function") {
    throw new InputError(label, activation, "expected a function (z: number) => number");
  }
}

function feedForward(
  x: Float64Array,
  n: number,
  d: number,
  weights: FeedForwardWeights,
  activation: (z: number) => number,
  residual: boolean,
): Float64Array {
  const { r } = weights;
  const out = residual ? Float64Array.from(x) : new Float64Array(n * d);
  const hidden = new Float64Array(r);
  const output = new Float64Array(d);
  for (let k = 0; k < n; k++) {
    affine(weights.w1, weights.b1, x, k * d, r, d, hidden, 0);
    for (let i = 0; i < r; i++) hidden[i] = activation(hidden[i]);
    affine(weights.w2, weights.b2, hidden, 0, d, r, output, 0);
    for (let c = 0; c < d; c++) out[k * d + c] += output[c];
  }
  return out;
}

/**
 * A layer of a network evaluated in sequence. The proof stacks attention-only and
 * feed-forward-only layers freely, so a network is a list of these rather than of blocks.
 */
export type LayerSpec = AttentionLayerSpec | FeedForwardLayerSpec;

export interface AttentionLayerSpec {
  kind: "attention";
  heads: readonly HeadWeights[];
  /** Overrides the schedule's pattern for this layer. */
  pattern?: SparsityPattern;
  /** Overrides the network's ρ for this layer. */
  rho?: Rho;
  residual?: boolean;
}

export interface FeedForwardLayerSpec {
  kind: "feedforward";
  weights: FeedForwardWeights;
  activation: (z: number) => number;
  residual?: boolean;
}

export interface NetworkOptions {
  /**
   * Patterns cycled over the attention layers: the l-th attention layer (0-indexed, counting
   * only attention layers, including those that override their pattern) uses
   * schedule.patternAt(l), i.e. the paper's ℓ(l) = ((l−1) mod p) + 1.
   */
  schedule?: PatternLike;
  /** Default ρ for attention layers; default "softmax". */
  rho?: Rho;
  /** Positional embedding E (n×d), added to the input before the first layer. */
  positional?: Float64Array;
  onScores?: (layer: number, ...args: Parameters<ScoreListener>) => void;
  /** Sees the output of every layer (for plots and invariant checks). */
  onLayer?: (layer: number, spec: LayerSpec, output: Float64Array) => void;
}

/** Evaluates `layers` in order on X + E. Every weight is validated before anything runs. */
export function runNetwork(
  x: Float64Array,
  n: number,
  d: number,
  layers: LayerSpec[],
  options: NetworkOptions = {},
): Float64Array {
  requireSequence(x, n, d);
  const schedule = options.schedule === undefined ? undefined : asSchedule(options.schedule);
  if (schedule) schedule.patterns.forEach((p, i) => requirePatternLength(p, n, `schedule[${i}]`));
  if (!Array.isArray(layers)) throw new InputError("layers", layers, "expected an array");
  const rho = resolveRho(options.rho ?? "softmax");
  const steps: ((input: Float64Array) => Float64Array)[] = [];
  let attentionIndex = 0;
  layers.forEach((layer, index) => {
    const label = `layers[${index}]`;
    if (layer?.kind === "attention") {
      const pattern = layer.pattern ?? schedule?.patternAt(attentionIndex);
      attentionIndex++;
      if (!pattern) {
        throw new InputError(`${label}.pattern`, undefined, "no pattern and no schedule given");
      }
      requirePatternLength(pattern, n, `${label}.pattern`);
      if (!Array.isArray(layer.heads)) {
        throw new InputError(`${label}.heads`, layer.heads, "expected an array of heads");
      }
      layer.heads.forEach((head, i) => validateHead(head, d, `${label}.heads[${i}]`));
      const layerRho = layer.rho === undefined ? rho : resolveRho(layer.rho);
      const onScores = options.onScores;
      const attentionOptions: AttentionOptions = {
        residual: layer.residual,
        onScores: onScores && ((...args) => onScores(index, ...args)),
      };
      steps.push((input) => attend(input, n, d, pattern, layer.heads, layerRho, attentionOptions));
    } else if (layer?.kind === "feedforward") {
      validateFeedForward(layer.weights, d, `${label}.weights`);
      requireActivation(layer.activation, `${label}.activation`);
      const residual = layer.residual !== false;
      steps.push((input) => feedForward(input, n, d, layer.weights, layer.activation, residual));
    } else {
      const kind = (layer as { kind?: unknown } | undefined)?.kind;
      throw new InputError(`${label}.kind`, kind, 'expected "attention" or "feedforward"');
    }
  });
  let current = x;
  if (options.positional !== undefined) {
    requireSequence(options.positional, n, d, "positional");
    current = Float64Array.from(x, (value, i) => value + options.positional![i]);
  }
  steps.forEach((step, index) => {
    current = step(current);
    options.onLayer?.(index, layers[index], current);
  });
  return current;
}

/** One sparse Transformer block t^{h,m,r} = FF ∘ SAttn. */
export interface BlockWeights {
  heads: readonly HeadWeights[];
  feedForward: FeedForwardWeights;
}

/** Blocks unrolled into the layer list runNetwork evaluates (attention, then FF, per block). */
export function blockLayers(
  blocks: BlockWeights[],
  activation: (z: number) => number = relu,
): LayerSpec[] {
  return blocks.flatMap((block): LayerSpec[] => [
    { kind: "attention", heads: block.heads },
    { kind: "feedforward", weights: block.feedForward, activation },
  ]);
}

/**
 * A network of ST^{h,m,r}: X ↦ t_L ∘ … ∘ t_1(X + E), block l using pattern l mod p of the
 * schedule.
 */
export function sparseTransformer(
  x: Float64Array,
  n: number,
  d: number,
  blocks: BlockWeights[],
  options: NetworkOptions & { schedule: PatternLike; activation?: (z: number) => number },
): Float64Array {
  return runNetwork(x, n, d, blockLayers(blocks, options.activation), options);
}
