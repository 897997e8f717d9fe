/**
 * Steps 2c and 3, and the whole network: ḡ = g_v ∘ g_c ∘ g_q on X + E (notebooks/paper.md §2.2,
 * §2.7–2.8).
 *
 * Value mapping (step 2c) adds one token-wise layer per grid input L and token k:
 * Z ↦ Z + (f̄(L)_k − z_{L,k})·φ(u^T Z − q_{L,k}), φ = 1 on [−δ/2, δ/2), 0 elsewhere. Contextual
 * ids are distinct multiples of δ, so each layer fires on exactly one (L, k); once mapped, a
 * token's id u^T f̄(L)_k stays below every window (checked when building), so it never fires
 * again. Hence ḡ = f̄ on every grid cell: verified exactly, and run in float64.
 *
 * Step 3 swaps hardmax for ρ[t·] and each Φ for its ReLU ramp of width η (r ≤ 4), giving g.
 */
import { probabilityMap, type ProbabilityMapName } from "../attention/probability_maps.ts";
import { type LayerSpec, runNetwork } from "../attention/reference.ts";
import type { PatternLike } from "../pattern/pattern.ts";
import { InputError, requireNumber } from "../util/errors.ts";
import { seededRng } from "../util/random.ts";
import {
  buildContextualMapping,
  type ContextualMapping,
  type ContextualOptions,
  referenceIds,
} from "./contextual.ts";
import { lpDistance, type LpDistanceEstimate } from "./distance.ts";
import { PiecewiseConstant, type SequenceFunction } from "./grid.ts";
import {
  type ConstructionLayer,
  idVector,
  type QuantizeLayer,
  referenceLayer,
  type Smoothing,
  type ValueMapLayer,
} from "./layers.ts";
import { quantizationLayers } from "./quantization.ts";

export interface StageCounts {
  quantization: number;
  contextualMapping: number;
  valueMapping: number;
  total: number;
}

/** The modified network ḡ of Theorem 1's proof for one target, pattern and grid. */
export interface Theorem1Network {
  mapping: ContextualMapping;
  fbar: PiecewiseConstant;
  quantization: QuantizeLayer[];
  valueMapping: ValueMapLayer[];
  /** Every layer in order: quantization, contextual mapping, value mapping. */
  layers: ConstructionLayer[];
  counts: StageCounts;
}

/**
 * The value-mapping layers for every grid input and token. Throws when some target's id
 * u^T f̄(L)_k could reach a window (the targets are too large next to the contextual ids).
 */
export function valueMappingLayers(
  mapping: ContextualMapping,
  fbar: PiecewiseConstant,
): ValueMapLayer[] {
  const { grid } = mapping;
  const { d } = grid;
  const u = idVector(d, grid.levels).map(Number);
  let smallestId = mapping.ids[0][0];
  for (const row of mapping.ids) for (const id of row) if (id < smallestId) smallestId = id;
  const layers: ValueMapLayer[] = [];
  mapping.ids.forEach((row, input) => {
    const target = fbar.valueAt(input);
    row.forEach((id, token) => {
      const to = target.slice(token * d, token * d + d);
      const targetId = to.reduce((sum, value, c) => sum + Math.abs(value) * u[c], 0) * grid.levels;
      if (targetId * (1 + 1e-9) + 1 >= Number(smallestId)) {
        throw new InputError(
          "f",
          Array.from(to),
          `|u^T f̄(L)_k|/δ = ${targetId} is not below the smallest contextual id ${smallestId}; ` +
            "a mapped token could fire a later value-mapping layer (rescale f)",
        );
      }
      layers.push({
        kind: "valueMap",
        id,
        from: mapping.states[input].slice(token * d, token * d + d),
        to,
        input,
        token,
      });
    });
  });
  return layers;
}

/** Builds ḡ for `target` on `pattern` (Assumption 1 required) with the contextual mapping verified. */
export function buildTheorem1Network(
  target: SequenceFunction,
  pattern: PatternLike,
  options: ContextualOptions,
): Theorem1Network {
  const mapping = buildContextualMapping(pattern, options);
  if (!mapping.verified) {
    throw new InputError(
      "c",
      options.c ?? "search",
      `the contextual mapping did not verify (${mapping.invariantFailures[0] ?? "ids collide"})`,
    );
  }
  const fbar = new PiecewiseConstant(target, mapping.grid);
  const quantization = quantizationLayers(mapping.grid, mapping.embedding);
  const valueMapping = valueMappingLayers(mapping, fbar);
  const layers: ConstructionLayer[] = [...quantization, ...mapping.layers, ...valueMapping];
  return {
    mapping,
    fbar,
    quantization,
    valueMapping,
    layers,
    counts: {
      quantization: quantization.length,
      contextualMapping: mapping.layers.length,
      valueMapping: valueMapping.length,
      total: layers.length,
    },
  };
}

/**
 * ḡ on a grid input, exactly: the exact contextual state, then the value-mapping layers. A
 * layer adds (f̄(L)_k − z)·φ(u^T z − q), which is nonzero only when the token's id equals q,
 * and then leaves exactly f̄(L)_k; a mapped token never fires again (valueMappingLayers), so
 * the layers that fire are found by id instead of scanning all n·|G_δ| of them.
 */
export function exactNetworkOutput(network: Theorem1Network, input: number): Float64Array {
  const { grid, ids, states } = network.mapping;
  const { n, d } = grid;
  const byId = new Map(network.valueMapping.map((layer) => [layer.id, layer]));
  const out = new Float64Array(n * d);
  for (let k = 0; k < n; k++) {
    const layer = byId.get(ids[input][k]);
    for (let c = 0; c < d; c++) {
      out[k * d + c] = layer ? layer.to[c] : Number(states[input][k * d + c]) * grid.delta;
    }
  }
  return out;
}

export interface ValueMappingCheck {
  /** Exact ḡ(L) = f̄(L) on every grid input. */
  exact: boolean;
  cells: number;
  exactMismatches: number;
  /** Float64 reference on each grid point and one random point inside each cell. */
  referenceMaxError: number;
  /** Rounding allowance: the value-mapping weight f̄ − z rounds at the scale of |z|. */
  referenceTolerance: number;
  referenceWithinTolerance: boolean;
}

/** The reference layers of the network (step 2 by default, step 3 with `smoothing`). */
export function referenceLayers(network: Theorem1Network, smoothing: Smoothing = {}): LayerSpec[] {
  const { grid, schedule } = network.mapping;
  return network.layers.map((layer) =>
    referenceLayer(layer, { schedule, d: grid.d, levels: grid.levels }, smoothing)
  );
}

/** X ↦ network(X + E) in the float64 reference of lib/attention. */
export function referenceFunction(
  network: Theorem1Network,
  smoothing: Smoothing = {},
): SequenceFunction {
  const { grid, embedding } = network.mapping;
  const layers = referenceLayers(network, smoothing);
  return (x: Float64Array) =>
    runNetwork(x, grid.n, grid.d, layers, { positional: embedding.matrix });
}

/** Step 2c's check: ḡ = f̄ on every grid cell, exactly, and in float64 within rounding. */
export function checkValueMapping(network: Theorem1Network, seed = 0): ValueMappingCheck {
  const { grid } = network.mapping;
  const gbar = referenceFunction(network);
  const rng = seededRng(seed);
  let exactMismatches = 0;
  let referenceMaxError = 0;
  let largestId = 0;
  for (const row of network.mapping.ids) {
    for (const id of row) largestId = Math.max(largestId, Number(id));
  }
  for (let input = 0; input < network.mapping.inputs; input++) {
    const expected = network.fbar.valueAt(input);
    const exact = exactNetworkOutput(network, input);
    if (exact.some((value, i) => value !== expected[i])) exactMismatches++;
    const corner = grid.pointAt(input);
    const inside = corner.map((value) => value + rng.next() * grid.delta);
    for (const x of [corner, inside]) {
      const y = gbar(x);
      for (let i = 0; i < y.length; i++) {
        referenceMaxError = Math.max(referenceMaxError, Math.abs(y[i] - expected[i]));
      }
    }
  }
  // z + fl(f̄ − z) rounds twice at the scale of |z|, and |z| ≤ the largest id (real units).
  const referenceTolerance = 4 * Number.EPSILON * largestId * grid.delta;
  return {
    exact: exactMismatches === 0,
    cells: network.mapping.inputs,
    exactMismatches,
    referenceMaxError,
    referenceTolerance,
    referenceWithinTolerance: referenceMaxError <= referenceTolerance,
  };
}

/** ρ[t·] as a score map for the reference layers. */
export function scaledRho(
  name: ProbabilityMapName,
  t: number,
): (scores: Float64Array) => Float64Array {
  requireNumber("t", t, 0);
  const map = probabilityMap(name);
  return (scores) => map(scores, t);
}

/** Step 3's settings: ρ, its scale t and the ramp width η. */
export interface SmoothingSetting {
  rho: ProbabilityMapName;
  t: number;
  eta: number;
}

/** d_p(ḡ, g) by Monte Carlo (common samples for every setting when `seed` is fixed). */
export function smoothingDistance(
  network: Theorem1Network,
  setting: SmoothingSetting,
  options: { lp?: number; samples?: number; seed?: number } = {},
): LpDistanceEstimate & { nonFinite: number } {
  const { grid } = network.mapping;
  const gbar = referenceFunction(network);
  const g = referenceFunction(network, {
    rho: scaledRho(setting.rho, setting.t),
    eta: setting.eta,
  });
  let nonFinite = 0;
  // Overflow (t·score = ±Infinity, then Infinity − Infinity = NaN) is counted, and scored as
  // the largest error f̄ can make so that the estimate stays finite and honest about it.
  const bound = 2 *
    Math.max(...network.valueMapping.flatMap((layer) => Array.from(layer.to, Math.abs)), 1);
  const guarded = (x: Float64Array) => {
    const y = Float64Array.from(g(x));
    if (y.every(Number.isFinite)) return y;
    nonFinite++;
    return Float64Array.from(gbar(x), (value) => value + bound);
  };
  const estimate = lpDistance(gbar, guarded, { n: grid.n, d: grid.d, ...options });
  return { ...estimate, nonFinite };
}

/** Margin ζ = δ²/2 between the top two logits of every construction layer (paper.md §2.4). */
export function constructionMargin(delta: number): number {
  return (delta * delta) / 2;
}

export interface LayerDeviation {
  layer: number;
  role: string;
  /** max over tokens and inputs of |id with ρ[t·] − id with hardmax|, in units of δ. */
  deviation: number;
  nonFinite: boolean;
  /** Largest |logit| the layer forms, and the scale t past which t·logit overflows float64. */
  maxScore: number;
  overflowScale: number;
}

/**
 * Per-layer deviation of step 3: each contextual attention layer gets the exact hardmax input
 * (the float64 reference state of ḡ) and is applied once with hardmax and once with ρ[t·].
 */
export function perLayerDeviation(
  network: Theorem1Network,
  rho: ProbabilityMapName,
  t: number,
  options: { inputs?: number[] } = {},
): LayerDeviation[] {
  const { grid, schedule, embedding } = network.mapping;
  const { n, d } = grid;
  const context = { schedule, d, levels: grid.levels };
  const hard = network.mapping.layers.map((layer) => referenceLayer(layer, context, {}));
  const soft = network.mapping.layers.map((layer) =>
    referenceLayer(layer, context, { rho: scaledRho(rho, t) })
  );
  const inputs = options.inputs ?? Array.from({ length: network.mapping.inputs }, (_, i) => i);
  const deviations: LayerDeviation[] = network.mapping.layers.map((layer, index) => ({
    layer: index,
    role: layer.role.type,
    deviation: 0,
    nonFinite: false,
    maxScore: 0,
    overflowScale: Infinity,
  }));
  for (const input of inputs) {
    let x: Float64Array = grid.pointAt(input).map((value, i) => value + embedding.matrix[i]);
    hard.forEach((layer, index) => {
      const entry = deviations[index];
      const next = runNetwork(x, n, d, [layer], {
        onScores: (_layer, _head, _k, _keys, scores) => {
          for (const score of scores) entry.maxScore = Math.max(entry.maxScore, Math.abs(score));
        },
      });
      const smooth = runNetwork(x, n, d, [soft[index]]);
      const exactIds = referenceIds(next, grid);
      const smoothIds = referenceIds(smooth, grid);
      for (let k = 0; k < n; k++) {
        const gap = Math.abs(smoothIds[k] - exactIds[k]);
        if (!Number.isFinite(gap)) entry.nonFinite = true;
        else entry.deviation = Math.max(entry.deviation, gap);
      }
      entry.overflowScale = Number.MAX_VALUE / entry.maxScore;
      x = next;
    });
  }
  return deviations;
}
