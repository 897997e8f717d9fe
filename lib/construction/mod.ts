/**
 * lib/construction: Theorem 1's constructive proof as a real network — the δ-grid and f̄
 * (step 1), quantization and the positional embedding (2a), the sparse contextual mapping
 * (2b) and the ICLR dense one beside it, value mapping (2c), the softmax/ReLU network (3),
 * exact verification and layer counts. The names code outside lib/construction uses and a
 * student reaches for; lib/mod.ts re-exports them to the notebooks.
 */
// step 1: the δ-grid, f̄ piecewise constant on it, and the ℓp distance between two functions
export { DeltaGrid, levelsFromDelta, piecewiseConstant, requireEnumerableGrid } from "./grid.ts";
export { lpDistance } from "./distance.ts";
// the piecewise-linear φ built from ReLUs that the construction's feed-forward layers apply
export { evaluateRamp, quantizerPhi, reluRamp } from "./phi.ts";
// a construction layer's id vector u and the layer as float64 reference weights
export { idVector, referenceLayer } from "./layers.ts";
// step 2a: the quantization layers, the positional embedding and a grid input embedded by it
export { embeddedGridState, positionalEmbedding, quantizationLayers } from "./quantization.ts";
// step 2b: the sparse contextual mapping, its two phases, its checks and what it requires
export {
  buildContextualMapping,
  checkDistinct,
  type ContextualMapping,
  phaseOneLayers,
  phaseTwoLayers,
  requireConstructible,
} from "./contextual.ts";
// the exact integer executor: one attention layer and the token ids of a state
export { exactAttention, exactIds } from "./exact.ts";
// the ICLR dense contextual mapping (Lemma 6), verified, and its layers per stage
export { buildDenseContextualMapping, denseLayerCounts } from "./dense.ts";
// steps 2c and 3: the whole network, its value mapping, margins and distance to f̄
export {
  buildTheorem1Network,
  checkValueMapping,
  constructionMargin,
  perLayerDeviation,
  referenceFunction,
  smoothingDistance,
} from "./network.ts";
// layers per stage of the construction, built and set against the paper's formulas
export { layerCounts } from "./counts.ts";
