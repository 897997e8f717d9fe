/**
 * Named checks for the exercises of the framework notebooks (01 patterns, 02 Assumption 1,
 * 03 Assumption 2). As in proof.ts: the check cell names what is checked, the answer is computed
 * here from the library, and a wrong answer is one WrongAnswer line with the value given, the
 * kind of value expected and a hint.
 */
import { assumption2Threshold, entmax, softmax } from "../attention/probability_maps.ts";
import { worstCaseScores } from "../attention/assumption2.ts";
import { analyzeAssumption1 } from "../pattern/assumption1.ts";
import type { SparsityPattern } from "../pattern/pattern.ts";
import { buildPattern } from "../pattern/zoo.ts";
import { expectAnswer, WrongAnswer, wrongAnswerMessage } from "../util/exercise.ts";
import { logLogSlope } from "../util/fit.ts";

// ---- 01: patterns and their connections ----

/** 01, exercise 1: the connections of `window` with w = 2 at n = 16. */
export function windowConnections(answer: number): void {
  expectAnswer(answer, buildPattern("window", { n: 16, w: 2 }).connectionsPerLayer, {
    kind: "a count of query–key pairs Σ_k |A_k| (a whole number)",
    hint: "a row far from the ends has 2w + 1 keys; each of the w rows nearest either end loses " +
      "the keys that would fall outside the sequence",
  });
}

/** 01, exercise 2: the nearest of 1, 1.5 and 2 to strided's log-log slope at c = 4. */
export function fixedStrideSlope(sizes: readonly number[]) {
  return (answer: 1 | 1.5 | 2): void => {
    const connections = sizes.map((n) => buildPattern("strided", { n, c: 4 }).connectionsPerLayer);
    const slope = logLogSlope(sizes.slice(-3), connections.slice(-3));
    const nearest = [1, 1.5, 2].reduce((a, b) => Math.abs(b - slope) < Math.abs(a - slope) ? b : a);
    expectAnswer(answer, nearest, {
      kind: "a log-log slope, one of 1, 1.5 or 2",
      hint: "with c fixed, the stride pattern's keys per token grow with n/c: count both " +
        "patterns' keys per token as n grows",
    });
  };
}

/** 01, exercise 3: the sparsity at which `random` keeps star's connections at n = 64. */
export function matchedRandomSparsity(answer: number): void {
  const kind = "a sparsity level in [0, 1), 1 − connections/n²";
  const hint = 'count star\'s connections at n = 64 (buildPattern("star", { n: 64 })) and ' +
    "divide by n² = 4096";
  if (typeof answer !== "number" || !(answer >= 0 && answer < 1)) {
    throw new WrongAnswer(wrongAnswerMessage(answer, { kind, hint }));
  }
  const matched = buildPattern("random", { n: 64, sparsity: answer }).connectionsPerLayer;
  if (matched !== buildPattern("star", { n: 64 }).connectionsPerLayer) {
    const message = wrongAnswerMessage(answer, { kind, hint });
    throw new WrongAnswer(`${message} (at yours random keeps ${matched} connections, not star's)`);
  }
}

// ---- 02: Assumption 1 ----

/** 02, exercise 1: a non-causal pattern with self-loops and a Hamiltonian path but no mixing. */
export function nonCausalUnmixedPattern(answer: SparsityPattern): void {
  const verdict = analyzeAssumption1(answer);
  const fail = (what: string, hint: string) => {
    throw new WrongAnswer(wrongAnswerMessage(answer, { kind: `a SparsityPattern ${what}`, hint }));
  };
  if (!verdict.selfLoops.holds) fail("with every self-loop", "put k into A_k for every k");
  if (verdict.hamiltonianPath.status !== "found") {
    fail("with a Hamiltonian path", "let each token k ≥ 1 attend to k − 1");
  }
  if (verdict.reach.status !== "none") {
    fail(
      "that never mixes (no mixing depth)",
      "yours mixes: find a token that only its path neighbour hears, so the far end never does",
    );
  }
  if (!answer.toLists().some((keys, k) => keys.some((j) => j > k))) {
    fail("that is not causal", "let some token attend to a later one as well");
  }
}

/** 02, exercise 2: the smallest half-width w for which `window` at n = 64 mixes within 8 layers. */
export function windowWidthForDepth(answer: number): void {
  const depth = (w: number) =>
    analyzeAssumption1(buildPattern("window", { n: 64, w })).reach.mixingDepth!;
  let smallest = 1;
  while (depth(smallest) > 8) smallest++;
  expectAnswer(answer, smallest, {
    kind: "a half-width w (a whole number ≥ 1)",
    hint: "each layer lets information creep w tokens per side; token 0 must hear token 63",
  });
}

/** 02, exercise 3: the mixing depths of window and window-relay (w = 3) at n tokens. */
export function windowAndRelayDepths(n: number) {
  return (answer: { window: number; relay: number }): void => {
    const depthOf = (name: string) =>
      analyzeAssumption1(buildPattern(name, { n, w: 3 })).reach.mixingDepth;
    expectAnswer(answer.window, depthOf("window"), {
      kind: "for window, a mixing depth s (a number of layers)",
      hint: `token 0 must hear token ${n - 1}, and each layer reaches 3 tokens further`,
    });
    expectAnswer(answer.relay, depthOf("window-relay"), {
      kind: "for window-relay, a mixing depth s (a number of layers)",
      hint: "every token reaches the relay in one layer, and the relay reaches every token",
    });
  };
}

// ---- 03: Assumption 2 ----

/** 03, exercise 1: the softmax threshold at ζ = 0.25, η = 0.001, N = 16, to three decimals. */
export function softmaxThreshold(answer: number): void {
  expectAnswer(answer, assumption2Threshold("softmax", 0.25, { eta: 0.001, size: 16 }), {
    kind: "a scale t (a positive number, to within 0.001)",
    hint: "the table's softmax row: t = (1/ζ)·ln((N − 1)(1 − η)/η)",
    tolerance: 1e-3,
  });
  const weight = softmax(worstCaseScores(16, 0.25), answer)[0];
  if (weight < 1 - 0.001 - 1e-6) {
    throw new WrongAnswer(`at t = ${answer} softmax leaves only ${weight} on the winner`);
  }
}

/** 03, exercise 2: the smallest t at which 1.2-entmax is one-hot on the worst case (ζ = 0.25). */
export function entmaxOneHotScale(answer: number): void {
  const worst = worstCaseScores(8, 0.25);
  const oneHot = (t: number) => entmax(1.2)(worst, t)[0] === 1;
  const expectation = {
    kind: "the smallest scale t (a positive number: one-hot at t, not at 0.99·t)",
    hint: "α-entmax is exactly one-hot from t = 1/((α − 1)ζ) on",
  };
  if (typeof answer !== "number" || !(answer > 0)) {
    throw new WrongAnswer(wrongAnswerMessage(answer, expectation));
  }
  if (!oneHot(answer)) {
    throw new WrongAnswer(`${wrongAnswerMessage(answer, expectation)} (not one-hot at your t)`);
  }
  if (oneHot(0.99 * answer)) {
    throw new WrongAnswer(`${wrongAnswerMessage(answer, expectation)} (already one-hot below it)`);
  }
}

/** 03, exercise 3: the largest |A_k| of star at n = 64 and the softmax threshold there. */
export function starSoftmaxThreshold(margin: number, eta: number) {
  return (answer: { size: number; threshold: number }): void => {
    const largest = buildPattern("star", { n: 64 }).patterns[0].maxRowSize;
    expectAnswer(answer.size, largest, {
      kind: "for size, the largest number of keys N of any token (a whole number)",
      hint: "one W_Q serves every token, so the token with the most keys decides; which is it?",
    });
    expectAnswer(
      answer.threshold,
      assumption2Threshold("softmax", margin, { eta, size: largest }),
      {
        kind: "for threshold, a scale t (to within 0.001)",
        hint: `the softmax row of the table with N = ${largest}, ζ = ${margin}, η = ${eta}`,
        tolerance: 1e-3,
      },
    );
  };
}

/** The checks above under one name, as the notebooks call them. */
export const frameworkExercises = {
  windowConnections,
  fixedStrideSlope,
  matchedRandomSparsity,
  nonCausalUnmixedPattern,
  windowWidthForDepth,
  windowAndRelayDepths,
  softmaxThreshold,
  entmaxOneHotScale,
  starSoftmaxThreshold,
} as const;
