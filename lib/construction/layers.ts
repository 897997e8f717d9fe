/**
 * The layers the proof chooses, as data. Every weight of the construction is an integer once
 * lengths are measured in units of δ (ids, levels, biases), so a layer stores its weights in
 * that integer form; `referenceLayer` turns it into the float64 weights that lib/attention's
 * reference runs, and lib/construction/exact.ts runs the very same integers exactly.
 *
 *   attention (h ≤ 2, m = 1, hardmax or ρ[t·]):  W_Q = W_K = W_V = u^T, query bias −b_Q,
 *       W_O = ±κ·e^{(1)}, u = (1, δ^{−1}, …, δ^{−(d−1)})           (notebooks/paper.md §2.4)
 *   quantization (r = 1, Φ):  W_1 = e^{(j)T}, b_1 = −v, W_2 = e^{(j)}   (notebooks/paper.md §2.3)
 *   value mapping (r = 1, Φ): W_1 = u^T, b_1 = −q, W_2 = f̄(L)_k − z     (notebooks/paper.md §2.7)
 *
 * Step 3 (`smoothing`) swaps each Φ for a ReLU ramp (r ≤ 4) and hardmax for ρ[t·].
 */
import type { FeedForwardWeights, HeadWeights, LayerSpec, Rho } from "../attention/reference.ts";
import { relu } from "../attention/reference.ts";
import type { Schedule } from "../pattern/pattern.ts";
import { indicatorPhi, type PhiActivation, quantizerPhi, reluRamp } from "./phi.ts";

/** One attention head of size 1, integer weights (lengths in units of δ). */
export interface SizeOneHead {
  /** W_Q, W_K, W_V (1×d, dimensionless integers). */
  query: readonly bigint[];
  key: readonly bigint[];
  value: readonly bigint[];
  /** The query bias in units of δ/2: q = W_Q x + queryBias·δ/2 (the paper's −b_Q). */
  queryBias: bigint;
  /** W_O (d×1, dimensionless integers). */
  output: readonly bigint[];
}

/** What an attention layer of the contextual mapping is for. */
export type AttentionRole =
  | {
    type: "selectiveShift";
    /** The token γ(i) that moves, its predecessor γ(i−1), and i (0-indexed path position). */
    token: number;
    predecessor: number;
    pathIndex: number;
    /** The id b (units of δ) that selects the token. */
    value: bigint;
  }
  | { type: "allMaxShift"; c: bigint }
  | { type: "identity"; why: "pattern cycle" | "padding" }
  /** Dense (ICLR Lemma 6): every token whose id is b moves. */
  | { type: "denseSelectiveShift"; /** The id b (units of δ) whose tokens move. */ value: bigint }
  /** Dense (ICLR Lemma 6): every token adds κ·(max − min) over all tokens. */
  | {
    type: "globalShift";
    /** κ = δ^{−(n+1)d}, and the id window (−δ/2, B + δ/2) that contains every id. */
    scale: bigint;
    windowTop: bigint;
  };

export interface AttentionLayer {
  kind: "attention";
  /** Index of the pattern in the schedule (= attention-layer index mod p). */
  pattern: number;
  heads: SizeOneHead[];
  role: AttentionRole;
}

export interface QuantizeLayer {
  kind: "quantize";
  /** The coordinate j snapped by this layer (0-indexed). */
  coordinate: number;
  /** The level v (units of δ): entries in [v, v+1) snap to v. */
  level: bigint;
}

export interface ValueMapLayer {
  kind: "valueMap";
  /** The contextual id q (units of δ) the layer fires on. */
  id: bigint;
  /** The full token column z (units of δ) that carries that id, and its target f̄(L)_k. */
  from: readonly bigint[];
  to: Float64Array;
  /** Which grid input and token the layer serves (for reports). */
  input: number;
  token: number;
}

export type ConstructionLayer = AttentionLayer | QuantizeLayer | ValueMapLayer;

/** How the reference evaluates the layers: step 2 (hardmax, Φ) or step 3 (ρ[t·], ReLU ramps). */
export interface Smoothing {
  /** ρ for attention; hardmax when omitted. */
  rho?: Rho;
  /** Ramp width η replacing each jump of Φ; exact Φ when omitted. */
  eta?: number;
}

/** u = (1, K, K², …, K^{d−1}) with K = 1/δ, so u^T x / δ is the token's base-K id. */
export function idVector(d: number, levels: number): bigint[] {
  return Array.from({ length: d }, (_, j) => BigInt(levels) ** BigInt(j));
}

const toFloats = (values: readonly bigint[]) => Float64Array.from(values, Number);

/** The float64 head the reference runs: biases and lengths back in real units. */
export function headWeights(head: SizeOneHead, delta: number): HeadWeights {
  return {
    m: 1,
    wq: toFloats(head.query),
    bq: Float64Array.of(Number(head.queryBias) * delta / 2),
    wk: toFloats(head.key),
    wv: toFloats(head.value),
    wo: toFloats(head.output),
  };
}

/**
 * A token-wise layer Z ↦ Z + w2 · φ(w1·Z + b1): with Φ as is (r = 1), or with φ replaced by its
 * ReLU ramp of width η (r = number of ReLUs, at most 4).
 */
function phiFeedForward(
  w1: Float64Array,
  b1: number,
  w2: Float64Array,
  phi: PhiActivation,
  eta: number | undefined,
): { weights: FeedForwardWeights; activation: (z: number) => number } {
  const d = w1.length;
  if (eta === undefined) {
    return {
      weights: { r: 1, w1, b1: Float64Array.of(b1), w2, b2: new Float64Array(d) },
      activation: phi.apply,
    };
  }
  const ramp = reluRamp(phi, eta);
  const r = ramp.terms.length;
  const weights: FeedForwardWeights = {
    r,
    w1: new Float64Array(r * d),
    b1: new Float64Array(r),
    w2: new Float64Array(d * r),
    b2: Float64Array.from(w2, (w) => w * ramp.constant),
  };
  ramp.terms.forEach(({ weight, knot }, i) => {
    weights.w1.set(w1, i * d);
    weights.b1[i] = b1 - knot;
    for (let c = 0; c < d; c++) weights.w2[c * r + i] = w2[c] * weight;
  });
  return { weights, activation: relu };
}

/** The reference layer (lib/attention's LayerSpec) for one construction layer. */
export function referenceLayer(
  layer: ConstructionLayer,
  context: { schedule: Schedule; d: number; levels: number },
  smoothing: Smoothing = {},
): LayerSpec {
  const { d, levels } = context;
  const delta = 1 / levels;
  switch (layer.kind) {
    case "attention":
      return {
        kind: "attention",
        pattern: context.schedule.patterns[layer.pattern],
        heads: layer.heads.map((head) => headWeights(head, delta)),
        ...(smoothing.rho === undefined ? { rho: "hardmax" } : { rho: smoothing.rho }),
      };
    case "quantize": {
      const unit = new Float64Array(d);
      unit[layer.coordinate] = 1;
      const { weights, activation } = phiFeedForward(
        unit,
        -Number(layer.level) * delta,
        unit,
        quantizerPhi(delta),
        smoothing.eta,
      );
      return { kind: "feedforward", weights, activation };
    }
    case "valueMap": {
      const u = toFloats(idVector(d, levels));
      const jump = Float64Array.from(
        layer.to,
        (target, c) => target - Number(layer.from[c]) * delta,
      );
      const { weights, activation } = phiFeedForward(
        u,
        -Number(layer.id) * delta,
        jump,
        indicatorPhi(delta),
        smoothing.eta,
      );
      return { kind: "feedforward", weights, activation };
    }
  }
}
