/**
 * Named checks for the exercises of the proof notebooks (05 step 1, 06 quantization,
 * 07 contextual mapping, 08 value mapping, 09 step 3). A check cell passes one of these to `checkExercise`, so the notebook shows what
 * is checked, not the expression that computes the answer. Each check throws a WrongAnswer
 * (lib/util/exercise.ts) that gives the value the student gave, what kind of value the question
 * asks for and a hint; the answers are computed here from the library, never written down.
 * A check that needs the notebook's own objects (its network, its measurements) takes them and
 * returns the check.
 */
import { layerCounts } from "../construction/counts.ts";
import type { ContextualMapping } from "../construction/contextual.ts";
import { denseLayerCounts } from "../construction/dense.ts";
import type { LpDistanceEstimate } from "../construction/distance.ts";
import { DeltaGrid, type PiecewiseConstant } from "../construction/grid.ts";
import {
  type BucketEmbedding,
  positionalEmbedding,
  quantizationLayers,
} from "../construction/quantization.ts";
import {
  constructionMargin,
  type LayerDeviation,
  perLayerDeviation,
  type Theorem1Network,
} from "../construction/network.ts";
import { analyzeAssumption1 } from "../pattern/assumption1.ts";
import { star } from "../pattern/families/star.ts";
import { strided } from "../pattern/families/strided.ts";
import { slidingWindow } from "../pattern/families/window.ts";
import type { SparsityPattern } from "../pattern/pattern.ts";
import { expectAnswer, WrongAnswer, wrongAnswerMessage } from "../util/exercise.ts";

// ---- 05: the δ-grid and the staircase f̄ ----

/** 05, exercise 1: the number of grid inputs of 𝔾_δ at n = 3, d = 2, δ = 1/4. */
export function gridInputCount(answer: number): void {
  expectAnswer(answer, new DeltaGrid(3, 2, 1 / 4).size, {
    kind: "a count of grid inputs (a whole number)",
    hint: "each of the d·n entries of X takes one of 1/δ levels, independently of the others",
  });
}

/** 05, exercise 2: f̄'s first output coordinate at X = (0.3, 0.4), for the notebook's f̄. */
export function staircaseValue(fbar: PiecewiseConstant) {
  return (answer: number): void => {
    expectAnswer(answer, fbar.evaluate(Float64Array.of(0.3, 0.4))[0], {
      kind: "an output value of f̄ (a real number, to within 1e-9)",
      hint: "round each entry of X down to a multiple of δ = 1/4 to find the corner L, then " +
        "evaluate the target f at L, not at X",
      tolerance: 1e-9,
    });
  };
}

/** 05, exercise 3: the measured ratio d₁ at δ = 1/8 over d₁ at δ = 1/16, to within 0.3. */
export function errorHalvingRatio(estimates: readonly LpDistanceEstimate[], deltas: number[]) {
  return (answer: number): void => {
    const at = (delta: number) => estimates[deltas.indexOf(delta)].estimate;
    expectAnswer(answer, at(1 / 8) / at(1 / 16), {
      kind: "a ratio d₁(δ = 1/8) / d₁(δ = 1/16) (a number near the rate's prediction, ± 0.3)",
      hint: "an O(δ) error halves when δ halves; the d₁ column of the table shows how close " +
        "the measurement comes",
      tolerance: 0.3,
    });
  };
}

// ---- 06: quantization and the positional embedding ----

/** 06, exercise 1: the quantization layers of the construction at n = 4, d = 2, δ = 1/2. */
export function quantizationLayerCount(answer: number): void {
  const grid = new DeltaGrid(4, 2, 1 / 2);
  expectAnswer(answer, quantizationLayers(grid, positionalEmbedding(grid, [0, 1, 2, 3])).length, {
    kind: "a count of feed-forward layers (a whole number)",
    hint: "one layer per coordinate and level; coordinate 1 has its levels in each of the n " +
      "buckets E adds, the other coordinates only in [0, 1)",
  });
}

/** 06, exercise 2: the quantized X = (0.6, 0.1, 0.95) minus E, token by token. */
export function snappedTokens(
  quantize: (x: Float64Array) => Float64Array,
  embedding: BucketEmbedding,
) {
  return (answer: number[]): void => {
    const y = quantize(Float64Array.of(0.6, 0.1, 0.95));
    expectAnswer(answer, Array.from(y, (v, i) => v - embedding.matrix[i]), {
      kind: "an array of 3 grid levels, one per token (multiples of δ = 1/4)",
      hint: "each entry drops to the largest multiple of δ not above it",
    });
  };
}

/** 06, exercise 3: token 2's id after quantization and E for X = (0.5, 0.25, 0.75). */
export function quantizedId(quantize: (x: Float64Array) => Float64Array, d: number) {
  return (answer: number): void => {
    expectAnswer(answer, quantize(Float64Array.of(0.5, 0.25, 0.75))[2 * d], {
      kind: "an id in real units (a multiple of δ)",
      hint: "snap token 2's entry down to the grid, then add E's offset for token 2 from the table",
    });
  };
}

// ---- 07: the sparse contextual mapping ----

/** 07, exercise 1: which of star and strided (n = 4, d = 1, δ = 1/4) needs more layers. */
export function deeperContextualMapping(answer: "star" | "strided"): void {
  const layers = (pattern: "star" | "strided") =>
    layerCounts(pattern === "star" ? star({ n: 4 }) : strided({ n: 4, c: 2 }), {
      d: 1,
      delta: 1 / 4,
    }).contextualMapping;
  const deeper = layers("star") > layers("strided") ? "star" : "strided";
  expectAnswer(answer, deeper, {
    kind: 'a pattern name, "star" or "strided"',
    hint: "a schedule of p patterns may wait up to p − 1 identity layers before each shift; " +
      "count the patterns each cycles through",
  });
}

/** 07, exercise 2: a 4-token schedule with self-loops and a Hamiltonian path but no mixing depth. */
export function unmixedPattern(answer: SparsityPattern): void {
  const verdict = analyzeAssumption1(answer);
  const fails = (missing: string, hint: string) => {
    throw new WrongAnswer(
      `${wrongAnswerMessage(answer, { kind: "a SparsityPattern of 4 tokens " + missing, hint })}`,
    );
  };
  if (answer.n !== 4) fails(`(this one has ${answer.n} tokens)`, "build it with n = 4");
  if (!verdict.selfLoops.holds) {
    fails("in which every token attends to itself", "put k into A_k for every k");
  }
  if (verdict.hamiltonianPath.status !== "found") {
    fails("with a Hamiltonian path", "let each token k ≥ 1 attend to k − 1");
  }
  if (verdict.reach.status !== "none") {
    fails(
      "that never mixes (no mixing depth)",
      "yours mixes; make some token heard only by its path neighbour, so information " +
        "from the far end never reaches it",
    );
  }
}

/** 07, exercise 3: the input levels whose phase-1 id of the last path token is `mysteryId`. */
export function decodedLevels(mapping: ContextualMapping, mysteryId: bigint) {
  return (answer: number[]): void => {
    const { grid, gamma } = mapping;
    const kind = `${grid.n} levels a = X/δ, integers in 0..${grid.levels - 1}`;
    const hint = "F_i mod D gives L_i; subtract E's offset to get the level, then step back " +
      "with F_(i−1) = (F_i + (D − 1)·L_i)/D";
    const usable = Array.isArray(answer) && answer.length === grid.n &&
      answer.every((a) => Number.isInteger(a) && a >= 0 && a < grid.levels);
    if (!usable) throw new WrongAnswer(wrongAnswerMessage(answer, { kind, hint }));
    const id = mapping.phaseOneIds[grid.indexOf(answer)][gamma[grid.n - 1]];
    if (id !== mysteryId) {
      throw new WrongAnswer(
        `${wrongAnswerMessage(answer, { kind, hint })} (your levels give f_3 = ${id})`,
      );
    }
  };
}

/** 07, exercise 4: contextual-mapping layers of dense Lemma 6 and of star with E (n = 10). */
export function contextualLayerCounts(answer: { dense: number; star: number }): void {
  const opts = { d: 2, delta: 1 / 2 };
  expectAnswer(answer.dense, denseLayerCounts({ n: 10, ...opts }).contextualMapping, {
    kind: "for dense, a count of attention layers (a whole number)",
    hint: "Lemma 6 shifts once per id value, δ^(−d) of them, then shifts globally once",
  });
  expectAnswer(answer.star, layerCounts(star({ n: 10 }), opts).contextualMapping, {
    kind: "for star, a count of attention layers (a whole number)",
    hint: "one selective shift per id value and path edge, (n − 1)·δ^(−d) with p = 1, " +
      "then s all-max shifts",
  });
}

// ---- 08: value mapping ----

/** 08, exercise 1: the value-mapping layers of the built network ḡ. */
export function valueMappingLayerCount(network: Theorem1Network) {
  return (answer: number): void => {
    expectAnswer(answer, network.valueMapping.length, {
      kind: "a count of feed-forward layers (a whole number)",
      hint: "one layer per grid input and token: n · (1/δ)^(dn)",
    });
  };
}

/** 08, exercise 2: the bound p(n−1)δ^(−d) + s and the layers used, window n = 8, w = 1. */
export function windowContextualLayers(answer: { bound: number; used: number }): void {
  const row = layerCounts(slidingWindow({ n: 8, w: 1 }), { d: 1, delta: 1 / 2 });
  expectAnswer(answer.bound, row.predicted, {
    kind: "for bound, a count of layers from p(n−1)δ^(−d) + s",
    hint: "a single window pattern has p = 1; its mixing depth s is n − 1 for w = 1",
  });
  expectAnswer(answer.used, row.contextualMapping, {
    kind: "for used, the count of layers the plan builds",
    hint: "with p = 1 no identity layer waits for a pattern; compare the plan with the bound",
  });
}

/** 08, exercise 3: the smallest n at which star (d = 1, δ = 1/2) needs over 10⁶ value layers. */
export function millionLayerLength(answer: number): void {
  const valueLayers = (n: number) => layerCounts(star({ n }), { d: 1, delta: 1 / 2 }).valueMapping;
  let n = 3;
  while (valueLayers(n) <= 1e6) n++;
  expectAnswer(answer, n, {
    kind: "a sequence length n (a whole number of tokens)",
    hint: "value mapping needs n·δ^(−dn) = n·2^n layers here; find where it first passes 10⁶",
  });
}

// ---- 09: step 3, ρ[t·] in place of hardmax ----

/** 09, exercise 1: the scale from which sparsemax is exactly one-hot in every layer of `toy`. */
export function sparsemaxScale(toy: Theorem1Network, delta: number) {
  return (answer: number): void => {
    expectAnswer(answer, 1 / constructionMargin(delta), {
      kind: "a scale t (a positive number, to within 1e-9)",
      hint: "Assumption 2's table gives sparsemax's sufficient scale in terms of the margin ζ; " +
        "this construction's margin is ζ = δ²/2",
      tolerance: 1e-9,
    });
    const moved = perLayerDeviation(toy, "sparsemax", answer).filter((r) => r.deviation !== 0);
    if (moved.length > 0) {
      throw new WrongAnswer(
        `at t = ${answer} sparsemax still moves an id in layer ${moved[0].layer}`,
      );
    }
  };
}

/** 09, exercise 2: the role of the contextual layer whose naive softmax overflows first. */
export function firstOverflowRole(rows: readonly LayerDeviation[]) {
  return (answer: string): void => {
    const first = rows.reduce((a, b) => (b.overflowScale < a.overflowScale ? b : a));
    expectAnswer(answer, first.role, {
      kind: 'a role as the overflow table writes it: "selectiveShift", "identity" or ' +
        '"allMaxShift"',
      hint: "the smallest overflow scale belongs to the largest logit; ids are largest after " +
        "the shifts have multiplied them",
    });
  };
}

/** 09, exercise 3: the first k of `scaleFactors` at which softmax's worst deviation is < 10⁻⁶. */
export function softmaxSettlingFactor(scaleFactors: readonly number[], worst: readonly number[]) {
  return (answer: number): void => {
    const first = scaleFactors.find((_, i) => worst[i] < 1e-6);
    expectAnswer(answer, first, {
      kind: `a factor k among scaleFactors (${scaleFactors.join(", ")})`,
      hint: "read the softmax curve of the per-layer plot; its y axis is the worst deviation " +
        "in units of δ",
    });
  };
}

/** The checks above under one name, as the notebooks call them (`proofExercises.gridInputCount`). */
export const proofExercises = {
  gridInputCount,
  staircaseValue,
  errorHalvingRatio,
  quantizationLayerCount,
  snappedTokens,
  quantizedId,
  deeperContextualMapping,
  unmixedPattern,
  decodedLevels,
  contextualLayerCounts,
  valueMappingLayerCount,
  windowContextualLayers,
  millionLayerLength,
  sparsemaxScale,
  firstOverflowRole,
  softmaxSettlingFactor,
} as const;
