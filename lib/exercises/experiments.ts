/**
 * Named checks for the exercises of notebook 10 (Theorem 1 end to end) and of the experiment
 * notebooks (11 copying, 12 language modelling, 13 grapheme → phoneme, 14 classification,
 * 15 depth against mixing, 16 ONNX and the browser). As in proof.ts: the check cell names what
 * is checked, the answer is computed here from the library (the experiment's registered plan,
 * its patterns, its metrics), and a wrong answer is one WrongAnswer line with the value given,
 * the kind of value expected and a hint. A check that needs the notebook's own objects (its
 * target, its network, its data, its measurements) takes them and returns the check.
 */
import type { SequenceFunction } from "../construction/grid.ts";
import { buildTheorem1Network, type Theorem1Network } from "../construction/network.ts";
import { copying, copyOffset } from "../experiments/copying.ts";
import { languageModeling } from "../experiments/language_modeling.ts";
import { seq2seq } from "../experiments/seq2seq.ts";
import { classification, rhymeEvaluationPairs } from "../experiments/classification.ts";
import { MATCHED_LEVELS } from "../experiments/paper_comparison.ts";
import { depthVsMixing } from "../experiments/depth_vs_mixing.ts";
import type { ExperimentDefinition } from "../train/experiment_definition.ts";
import { planSweep } from "../experiments/sweeps.ts";
import { summarizeOnnxGraph } from "../export/graph_summary.ts";
import { exportToOnnx } from "../export/export_model.ts";
import { randomModel } from "../export/parity.ts";
import { analyzeAssumption1 } from "../pattern/assumption1.ts";
import { star } from "../pattern/families/star.ts";
import { slidingWindow } from "../pattern/families/window.ts";
import { buildPattern } from "../pattern/zoo.ts";
import { rhymeOf } from "../train/datasets.ts";
import { atMatchedSparsity } from "../train/matched_sparsity.ts";
import { perplexity, phonemeErrorRate } from "../train/metrics.ts";
import { copyAccuracyBound, copySourceHops, reversalAccuracyBound } from "../train/summary.ts";
import { admissiblePatterns, requireChoice, resolvePattern } from "../train/sweep_grid.ts";
import { InputError } from "../util/errors.ts";
import { expectAnswer, WrongAnswer, wrongAnswerMessage } from "../util/exercise.ts";
import { wilsonInterval } from "../util/statistics.ts";

const CEILING_KIND = "an accuracy ceiling (a fraction in [0, 1], to within 1e-9)";
/** Sparsities closer than this are the same level (exact sparsities are ratios of integers). */
const SAME_LEVEL = 1e-9;

/** An experiment's full budget: the sizes and levels its committed sweep trains. */
const fullSize = (experiment: ExperimentDefinition) => experiment.budgets.full.size;
const fullLevels = (experiment: ExperimentDefinition) => experiment.budgets.full.levels;

/**
 * The exact sparsities at which an experiment's full plan trains one family in one
 * configuration, ascending: the points of its curve.
 */
function plannedSparsities(
  experiment: ExperimentDefinition,
  pattern: string,
  configuration: string,
): number[] {
  const sparsities = planSweep(experiment, { mode: "full" }).runs
    .filter((r) => r.pattern.pattern === pattern && r.pattern.configuration === configuration)
    .map((r) => r.pattern.sparsity);
  if (sparsities.length === 0) {
    throw new Error(`the full plan of ${experiment.name} trains no ${pattern} ${configuration}`);
  }
  return [...new Set(sparsities)].sort((a, b) => a - b);
}

// ---- 10: Theorem 1 end to end ----

/** True when buildTheorem1Network builds ḡ for `target` on `pattern`, false when it refuses. */
function accepts(
  target: SequenceFunction,
  pattern: Parameters<typeof buildTheorem1Network>[1],
  d: number,
): boolean {
  try {
    buildTheorem1Network(target, pattern, { d, delta: 1 / 4 });
    return true;
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return false;
  }
}

/** 10, exercise 1: a zoo pattern besides strided-causal that fails Assumption 1 and is refused. */
export function refusedZooPattern(target: SequenceFunction, n: number, d: number) {
  return (answer: { name?: string; params?: Record<string, number> }): void => {
    const kind = `a zoo pattern { name, params } other than strided-causal that fails ` +
      `Assumption 1 at n = ${n}`;
    const fail = (hint: string, why = ""): never => {
      throw new WrongAnswer(`${wrongAnswerMessage(answer, { kind, hint })}${why}`);
    };
    if (answer.name === "strided-causal") {
      fail(
        "that one is shown above; look through ZOO for a pattern whose parameters can leave " +
          "some token unheard at n = 3",
      );
    }
    let pattern;
    try {
      pattern = buildPattern(answer.name!, { n, ...answer.params });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      fail(
        "give a name listed in ZOO and the parameters it needs besides n",
        ` (${error.message})`,
      );
    }
    const analysis = analyzeAssumption1(pattern!);
    if (analysis.satisfied) {
      fail(
        "analyzeAssumption1 finds self-loops, a Hamiltonian path and a mixing depth in yours; " +
          "try parameters that do not fit n = 3",
        ` (${answer.name} satisfies Assumption 1)`,
      );
    }
    if (accepts(target, pattern!, d)) {
      fail("the construction must refuse it too", " (buildTheorem1Network accepts it)");
    }
  };
}

/** 10, exercise 2: the total layer count of the notebook's ḡ for star, n = 3, d = 1, δ = 1/4. */
export function theorem1LayerTotal(network: Theorem1Network) {
  return (answer: number): void => {
    expectAnswer(answer, network.counts.total, {
      kind: "a count of layers (a whole number): quantization + contextual mapping + value " +
        "mapping",
      hint: "(n + d − 1)/δ quantization layers, p(n − 1)δ^(−d) + s contextual layers with p = 1 " +
        "and s from analyzeAssumption1, and n·δ^(−dn) value-mapping layers",
    });
  };
}

/** 10, exercise 3: a factor a at which the scaled target is refused while a/2 is accepted. */
export function refusedTargetScale(target: SequenceFunction, n: number, d: number) {
  const acceptsScaled = (a: number) =>
    accepts((x) => Array.from(target(x), (v) => a * v), star({ n }), d);
  return (answer: number): void => {
    const kind = "a positive factor a: the target scaled by a is refused, by a/2 accepted";
    const hint = "scaling f scales every mapped id u^T f̄(L)_k; find the a at which the largest " +
      "reaches the smallest contextual id, and stay within a factor 2 above it";
    const fail = (why: string): never => {
      throw new WrongAnswer(`${wrongAnswerMessage(answer, { kind, hint })} (${why})`);
    };
    if (typeof answer !== "number" || !(answer > 0)) fail("not a positive number");
    if (acceptsScaled(answer)) fail("the target scaled by yours is still accepted");
    if (!acceptsScaled(answer / 2)) fail("scaled by half of yours it is refused too");
  };
}

// ---- 11: copying ----

/** 11, exercise 1: STAR's copy ceiling at L = 1 at the copying experiment's full length. */
export function starCopyCeiling(answer: number): void {
  const { n, extra: symbols } = fullSize(copying);
  expectAnswer(answer, copyAccuracyBound(star({ n }), 1, symbols, copyOffset(n)), {
    kind: CEILING_KIND,
    hint: "a copy position whose source is in reach copies it; the others guess one of the " +
      "symbols; average over the n − o copy positions",
    tolerance: 1e-9,
  });
}

/** 11, exercise 2: the strides STRIDED SEQUENTIAL admits at the full level, and those trained. */
export function stridedSequentialStrides(
  answer: { admissible: number | undefined; trained: number | undefined },
): void {
  const { n } = fullSize(copying);
  const [level] = fullLevels(copying);
  const admissible = admissiblePatterns(requireChoice("strided", "sequential"), n, level);
  expectAnswer(answer.admissible, admissible.length, {
    kind: "for admissible, a count of strides c (a whole number)",
    hint: "a stride is admissible when the sparsity of its two patterns, averaged, is within " +
      `±0.02 of the level ${level}`,
  });
  const planned = planSweep(copying, { mode: "full" }).runs
    .filter((r) => r.pattern.pattern === "strided" && r.pattern.configuration === "sequential")
    .map((r) => r.pattern.label);
  expectAnswer(answer.trained, new Set(planned).size, {
    kind: "for trained, a count of the STRIDED series the sweep plans (a whole number)",
    hint: "a sweep trains at most the budget's parametersPerLevel of the admissible strides",
  });
}

/** 11, exercise 3: the layers after which a window of half-width 16 reaches every copy source. */
export function windowCopyHops(answer: number): void {
  const { n } = fullSize(copying);
  const hops = copySourceHops(slidingWindow({ n, w: 16 }), copyOffset(n), n);
  expectAnswer(answer, Math.max(...hops.map((h) => h ?? Infinity)), {
    kind: "a number of layers L (a whole number)",
    hint: "after L layers a window of half-width w reaches tokens up to L·w away; every copy " +
      "source is o tokens before its copy position",
  });
}

// ---- 12: language modelling ----

/** The paper's length for language modelling and translation (paper.md §4.1). */
const PAPER_LENGTH = 256;

/** 12, exercise 1: causal STAR's exact sparsity at the paper's length. */
export function causalStarSparsity(answer: number): void {
  const causalStar = resolvePattern(
    requireChoice("causal-star", "single"),
    PAPER_LENGTH,
    undefined,
    0,
    {},
  );
  expectAnswer(answer, causalStar.sparsity, {
    kind: `an exact sparsity 1 − connections/n² at n = ${PAPER_LENGTH} (a number, to within 1e-9)`,
    hint: "the relay, token 0, attends to all n tokens; every other token to itself, its " +
      "neighbours and the relay (token 1's left neighbour is the relay, the last token has one " +
      "neighbour); check your count against the plan table's at the plan's n",
    tolerance: 1e-9,
  });
}

/** 12, exercise 2: the highest dense test perplexity per character that meets the bar. */
export function densePerplexityBar(answer: number): void {
  const [bar] = languageModeling.competence;
  const bits = Number(/≤ ([\d.]+)/.exec(bar.requirement)![1]);
  expectAnswer(answer, perplexity(bits * Math.LN2), {
    kind: "a perplexity per character (a number, to within 1e-6)",
    hint: "perplexity is e to the mean loss in nats, which is 2 to the loss in bits",
    tolerance: 1e-6,
  });
}

/** 12, exercise 3: the families whose curves reach causal STAR's own sparsity. */
export function familiesReachingCausalStar(answer: number): void {
  const { runs } = planSweep(languageModeling, { mode: "full" });
  const starSparsity = runs.find((r) => r.pattern.pattern === "causal-star")!.pattern.sparsity;
  const sparsest = new Map<string, number>();
  for (const { pattern } of runs) {
    if (pattern.pattern === "dense" || pattern.pattern === "causal-star") continue;
    const family = `${pattern.pattern} ${pattern.configuration}`;
    sparsest.set(family, Math.max(sparsest.get(family) ?? 0, pattern.sparsity));
  }
  const reaching = [...sparsest.values()].filter((s) => s >= starSparsity - SAME_LEVEL);
  expectAnswer(answer, reaching.length, {
    kind: "a count of families, a family being a pattern in one configuration (a whole number)",
    hint: "a curve reaches as far as the sparsest parameter of its family, or the top of the " +
      "plan's range; compare each family's sparsest trained point with causal STAR's sparsity",
  });
}

// ---- 13: grapheme → phoneme ----

/** 13, exercise 1: the phoneme error rate of hypothesis K AH T S against reference K AE T. */
export function phonemeErrorRateByHand(answer: number): void {
  expectAnswer(answer, phonemeErrorRate([["K", "AE", "T"]], [["K", "AH", "T", "S"]]), {
    kind: "a rate: edits over reference phonemes (a number, to within 1e-9)",
    hint: "count the fewest substitutions, insertions and deletions that turn the reference " +
      "into the hypothesis, and divide by the reference's length",
    tolerance: 1e-9,
  });
}

/** The matched level exercise 2 of notebook 13 interpolates at. */
const INTERPOLATED_LEVEL = 0.7;

/** 13, exercise 2: the weight of FIXED UNION's sparser bracketing point at level 0.7. */
export function fixedUnionInterpolationWeight(answer: number): void {
  if (!MATCHED_LEVELS.includes(INTERPOLATED_LEVEL)) {
    throw new Error(`${INTERPOLATED_LEVEL} is not one of the matched levels`);
  }
  // the library's interpolation of a metric that is 0 at every point but one: that point's weight
  const points = plannedSparsities(seq2seq, "fixed", "union");
  const sparser = points.find((s) => s > INTERPOLATED_LEVEL);
  const weight = atMatchedSparsity(
    points.map((s) => ({ sparsity: s, bySeed: new Map([[0, s === sparser ? 1 : 0]]) })),
    INTERPOLATED_LEVEL,
  )?.get(0);
  if (weight === undefined) {
    throw new Error(`FIXED UNION's curve does not cover ${INTERPOLATED_LEVEL}`);
  }
  expectAnswer(answer, weight, {
    kind: "a weight in [0, 1] (a number, to within 1e-3)",
    hint: "find the two trained points whose exact sparsities (1 − connections/n²) bracket the " +
      "level; the sparser one's weight is how far the level lies from the denser, as a " +
      "fraction of the distance between them",
    tolerance: 1e-3,
  });
}

// ---- 14: classification ----

/** 14, exercise 1: the best expected test accuracy of a model whose tokens never mix. */
export function noMixingAccuracy(answer: number): void {
  const { test } = rhymeEvaluationPairs(fullSize(classification).n);
  const rhyming = test.filter((example) => example.label === 1).length / test.length;
  expectAnswer(answer, Math.max(rhyming, 1 - rhyming), {
    kind: "an accuracy (a fraction in [0, 1], to within 1e-9)",
    hint: "each word on its own says nothing of the label, so without mixing the best is to " +
      "give every pair the commoner label; count the test pairs of each label",
    tolerance: 1e-9,
  });
}

/** The pronunciations exercise 2 of notebook 14 quotes, as CMUdict writes them. */
export const RHYME_EXERCISE_PRONUNCIATIONS = {
  RELAY: "R IY1 L EY2",
  DISPLAY: "D IH0 S P L EY1",
} as const;

/** 14, exercise 2: RELAY's rhyme by `rhymeOf`, and whether RELAY and DISPLAY rhyme. */
export function relayRhyme(
  answer: { rhyme: string | undefined; rhymes: boolean | undefined },
): void {
  const rhymeOfWord = (word: keyof typeof RHYME_EXERCISE_PRONUNCIATIONS) =>
    rhymeOf(RHYME_EXERCISE_PRONUNCIATIONS[word].split(" "));
  expectAnswer(answer.rhyme, rhymeOfWord("RELAY"), {
    kind: 'for rhyme, phonemes without stress digits, separated by single spaces ("EY N")',
    hint: "a rhyme runs from the last vowel with primary stress (digit 1) to the end; a " +
      "vowel with secondary stress (2) after it does not start it",
  });
  expectAnswer(answer.rhymes, rhymeOfWord("RELAY") === rhymeOfWord("DISPLAY"), {
    kind: "for rhymes, true or false",
    hint: "two words rhyme when their rhymes are the same phonemes",
  });
}

/** The half-width (upper − lower)/2 of the 95% Wilson interval of `correct` of `trials`. */
const wilsonHalfWidth = (correct: number, trials: number) => {
  const { lower, upper } = wilsonInterval(correct, trials);
  return (upper - lower) / 2;
};

/** 14, exercise 3: the half-width of the 95% Wilson interval of half the test pairs right. */
export function chanceHalfWidth(answer: number): void {
  const pairs = rhymeEvaluationPairs(fullSize(classification).n).test.length;
  expectAnswer(answer, wilsonHalfWidth(pairs / 2, pairs), {
    kind: "a half-width (upper − lower)/2 (a number, to within 5e-4)",
    hint: "Wilson's half-width is z·√(p(1−p)/N + z²/4N²)/(1 + z²/N) with z ≈ 1.96, p = 1/2 " +
      "and N the number of test pairs",
    tolerance: 5e-4,
  });
}

// ---- 15: depth against mixing ----

/** 15, exercise 1: a window of half-width 3's reversal ceiling at L = 2, full length. */
export function windowReversalCeiling(answer: number): void {
  const { n, extra: symbols } = fullSize(depthVsMixing);
  expectAnswer(answer, reversalAccuracyBound(slidingWindow({ n, w: 3 }), 2, symbols), {
    kind: CEILING_KIND,
    hint: "token k reads its mirror n − 1 − k when |n − 1 − 2k| ≤ L·w; the others guess one " +
      "of the symbols",
    tolerance: 1e-9,
  });
}

/** 15, exercise 2: the mixing depth s of a window of half-width 4 at the full length. */
export function windowMixingDepth(answer: number): void {
  const { n } = fullSize(depthVsMixing);
  expectAnswer(answer, analyzeAssumption1(slidingWindow({ n, w: 4 })).reach.mixingDepth, {
    kind: "a mixing depth s (a number of layers)",
    hint: `token 0 must hear token ${n - 1}, and each layer reaches 4 tokens further`,
  });
}

/** 15, exercise 3: STAR's reversal ceiling at L = 1, full length. */
export function starReversalCeiling(answer: number): void {
  const { n, extra: symbols } = fullSize(depthVsMixing);
  expectAnswer(answer, reversalAccuracyBound(star({ n }), 1, symbols), {
    kind: CEILING_KIND,
    hint: "count the tokens whose mirror is a neighbour, the relay or (for the relay) anyone; " +
      "the others guess one of the symbols",
    tolerance: 1e-9,
  });
}

// ---- 16: ONNX and the browser ----

/** 16, exercise 1: the bytes of the mask of a star encoder exported for n = 128. */
export function starMaskBytes(answer: number): void {
  const model = randomModel({
    kind: "encoder",
    pattern: (length: number) => star({ n: length }),
    n: 128,
    seed: 1,
  });
  try {
    const [mask] = summarizeOnnxGraph(exportToOnnx(model, { n: 128 }).bytes).masks;
    expectAnswer(answer, mask.bytes, {
      kind: "a number of bytes (a whole number)",
      hint: "the mask holds n × n float32 entries, each of Float32Array.BYTES_PER_ELEMENT bytes",
    });
  } finally {
    model.dispose();
  }
}

/** 16, exercise 2: the keys the last prompt position attends to in `attention` (used × used). */
export function attendedKeys(attention: Float32Array | Float64Array, used: number) {
  return (answer: number): void => {
    const last = attention.subarray((used - 1) * used, used * used);
    expectAnswer(answer, last.filter((probability) => probability > 0).length, {
      kind: "a count of keys (a whole number)",
      hint: "build the saved patternSpec's pattern at the model's length and count row " +
        "used − 1 of its first layer; a causal row holds only keys up to its own position",
    });
  };
}

/** The checks above under one name, as notebooks 10–16 call them. */
export const experimentExercises = {
  refusedZooPattern,
  theorem1LayerTotal,
  refusedTargetScale,
  starCopyCeiling,
  stridedSequentialStrides,
  windowCopyHops,
  causalStarSparsity,
  densePerplexityBar,
  familiesReachingCausalStar,
  phonemeErrorRateByHand,
  fixedUnionInterpolationWeight,
  noMixingAccuracy,
  relayRhyme,
  chanceHalfWidth,
  windowReversalCeiling,
  windowMixingDepth,
  starReversalCeiling,
  starMaskBytes,
  attendedKeys,
} as const;
