/**
 * The named checks of notebook 04 (the sparse attention layer): answers worked out by hand or by
 * an independent computation pass; wrong ones throw one WrongAnswer line with the value given,
 * the kind expected and a hint.
 */
import assert from "node:assert/strict";
import type { HeadWeights } from "../../lib/attention/reference.ts";
import { attentionWeightMatrix, rowsAreOneHot } from "../../lib/attention/weights.ts";
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
  const n = 6, d = 4, m = 4;
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
  const pattern = slidingWindow({ n, w: 2 }).patterns[0];
  const oneHotAt = (t: number) =>
    rowsAreOneHot(
      attentionWeightMatrix(x, n, d, pattern, {
        ...head,
        wq: head.wq.map((w) => t * w),
      }, "sparsemax"),
      n,
    );
  let smallest = 1;
  while (!oneHotAt(smallest)) smallest *= 2;
  assert.ok(smallest > 1 && smallest <= 4096, `a scale inside the question's range: ${smallest}`);
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
