/**
 * The named checks of notebook 04 (the sparse attention layer): answers worked out by hand or by
 * an independent computation pass; wrong ones throw one WrongAnswer line with the value given,
 * the kind expected and a hint.
 */
import assert from "node:assert/strict";
import type { HeadWeights } from "../../lib/attention/reference.ts";
import type { BenchResult } from "../../lib/bench/attention.ts";
import {
  sparsemaxOneHotScale,
  stridedTimeSlope,
  windowConnectionCount,
} from "../../lib/exercises/layers.ts";
import { slidingWindow } from "../../lib/pattern/families/window.ts";
import { assertWrongAnswer } from "../support/wrong_answer.ts";
import { seededRng } from "../../lib/util/random.ts";

Deno.test("04: window(w = 2) on 10 tokens has 10·5 − 2·3 = 44 connections", () => {
  const check = windowConnectionCount(slidingWindow({ n: 10, w: 2 }).patterns[0]);
  check(44);
  assertWrongAnswer(() => check(50), "50", /a count of query–key pairs/);
});

Deno.test("04: the one-hot scale is the smallest power of two at which sparsemax is one-hot", () => {
  const n = 6, d = 4, m = 4, w = 2;
  const rng = seededRng(7);
  const draw = (length: number) => Float64Array.from({ length }, () => rng.next() * 2 - 1);
  const x = draw(n * d);
  const head: HeadWeights = {
    m,
    wq: draw(m * d),
    wk: draw(m * d),
    wv: draw(m * d),
    wo: draw(d * m),
  };
  const pattern = slidingWindow({ n, w }).patterns[0];
  // The window by hand: query k sees keys k − w … k + w inside the sequence.
  const window = (k: number) =>
    Array.from({ length: n }, (_, j) => j).filter((j) => Math.abs(k - j) <= w);
  for (let k = 0; k < n; k++) assert.deepEqual([...pattern.row(k)], window(k), `A_${k}`);
  // Scores as the layer defines them, unscaled: (W_K x_j) · (W_Q x_k), weights m×d row-major.
  const project = (weights: Float64Array, token: number) =>
    Array.from({ length: m }, (_, i) => {
      let sum = 0;
      for (let c = 0; c < d; c++) sum += weights[i * d + c] * x[token * d + c];
      return sum;
    });
  // Sparsemax on t·z (sorted z₁ ≥ z₂ ≥ …) puts the runner-up in its support exactly when
  // 1 + 2t·z₂ > t·z₁ + t·z₂, so a row is one-hot exactly when t·(z₁ − z₂) ≥ 1.
  let margin = Infinity;
  for (let k = 0; k < n; k++) {
    const query = project(head.wq, k);
    const scores = window(k).map((j) =>
      project(head.wk, j).reduce((sum, key, i) => sum + key * query[i], 0)
    ).sort((a, b) => b - a);
    margin = Math.min(margin, scores[0] - scores[1]);
  }
  let smallest: number | undefined;
  for (let t = 1; t <= 4096 && smallest === undefined; t *= 2) {
    if (t * margin >= 1) smallest = t;
  }
  assert.ok(smallest !== undefined && smallest > 1, `a scale in 2 … 4096: margin ${margin}`);
  // Far from the threshold on both sides, so rounding in the scores cannot decide the answer.
  assert.ok(smallest * margin > 1 + 1e-9 && (smallest / 2) * margin < 1 - 1e-9);
  const check = sparsemaxOneHotScale(x, n, d, pattern, head);
  check(smallest);
  assertWrongAnswer(() => check(smallest * 2), String(smallest * 2), /the smallest power of two t/);
  assertWrongAnswer(() => check(smallest / 2), String(smallest / 2), /the smallest power of two t/);
});

Deno.test("04: a time growing as n^1.5 has slope 1.5, read to within 0.15", () => {
  const records = [256, 1024, 2048, 4096, 8192].flatMap((n) => [
    { impl: "sparse", pattern: "strided", n, ms: 1e-3 * n ** 1.5 },
    { impl: "dense", pattern: "strided", n, ms: 1e-5 * n ** 2 },
    { impl: "sparse", pattern: "window", n, ms: 1e-3 * n },
  ]);
  const check = stridedTimeSlope({ records } as unknown as BenchResult);
  check(1.5);
  check(1.6);
  assertWrongAnswer(() => check(2), "2", /a log-log slope of time against n/);
  assertWrongAnswer(() => check(1), "1", /to within 0\.15/);
});
