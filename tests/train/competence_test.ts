/** Competence bars: measured on committed results, pending without them, missed named. */
import assert from "node:assert/strict";
import { firstCrossing } from "../../lib/train/competence.ts";
import { competenceRows } from "../../lib/experiments/report.ts";
import { RESULTS_SCHEMA, type RunResult } from "../../lib/train/results.ts";

function run(
  pattern: string,
  layers: number,
  seed: number,
  final: Record<string, number>,
  curve: [number, number][] = [],
  steps = 1500,
): RunResult {
  return {
    schema: RESULTS_SCHEMA,
    experiment: "depth-vs-mixing",
    mode: "full",
    runId: `${pattern}-L${layers}-seed${seed}`,
    pattern,
    configuration: "single",
    patternName: pattern,
    patternParameters: {},
    sparsity: pattern === "dense" ? 0 : 0.8,
    sparsityTarget: null,
    connections: 1,
    mixingDepth: 1,
    n: 16,
    layers,
    seed,
    model: { steps },
    metricName: "accuracy",
    curve: curve.map(([step, metric]) => ({ step, loss: 1, metric })),
    final,
    wallSeconds: 1,
    codeVersion: "test",
    dataChecksum: null,
    finishedAt: "2026-01-01T00:00:00Z",
  };
}

const seeds = [0, 1, 2, 3, 4];

Deno.test("depth vs mixing: dense L = 2 above 0.99 and trained 3× past its crossing", () => {
  assert.deepEqual(competenceRows("depth-vs-mixing", []).map((r) => r.status), [
    "pending",
    "pending",
  ]);
  // the mean over seeds first reaches 0.9 at step 450 (one seed crosses at 375 already)
  const curve = (seed: number): [number, number][] => [
    [375, seed === 0 ? 0.95 : 0.3],
    [450, 0.92],
    [1500, 1],
  ];
  const dense = seeds.map((s) => run("dense", 2, s, { accuracy: 0.995 }, curve(s)));
  assert.equal(firstCrossing(dense, 2, 0.9), 450);
  const rows = competenceRows("depth-vs-mixing", dense);
  assert.deepEqual(rows.map((r) => r.status), ["met", "met"]);
  assert.equal(rows[0].measured, "0.995");
  assert.match(rows[1].measured, /crossing at step 450; 1500 steps \(3\.3×\)/);
  // a run stopped at 1,000 steps is less than 3× past the crossing: missed
  const short = [...dense, run("star", 6, 0, { accuracy: 0.3 }, [], 1000)];
  assert.equal(competenceRows("depth-vs-mixing", short)[1].status, "missed");
});

Deno.test("a missed bar says so; four seeds are not enough to measure it", () => {
  const weak = seeds.map((s) => run("dense", 2, s, { bleu: 40, phonemeErrorRate: 0.3 }));
  assert.deepEqual(competenceRows("seq2seq", weak).map((r) => r.status), ["missed", "missed"]);
  assert.deepEqual(
    competenceRows("seq2seq", weak.slice(0, 4)).map((r) => r.status),
    ["pending", "pending"],
  );
});

Deno.test("classification: dense accuracy, its margin over no mixing, and 1,000 test pairs", () => {
  const dense = seeds.map((s) => run("dense", 2, s, { accuracy: 0.7, testExamples: 300 }));
  const rows = competenceRows("classification", dense);
  assert.deepEqual(rows.map((r) => r.status), ["met", "pending", "missed"]);
  assert.equal(rows[2].measured, "fewest 300");
  const baseline = (accuracy: number) =>
    seeds.map((s) => run("no-mixing-baseline", 2, s, { accuracy, testExamples: 2000 }));
  const wide = competenceRows("classification", [...dense, ...baseline(0.5)])[1];
  assert.equal(wide.status, "met");
  assert.equal(wide.measured, "0.700 − 0.500 = 0.200");
  // a gap of 0.04 is under the 0.05 the bar asks
  assert.equal(competenceRows("classification", [...dense, ...baseline(0.66)])[1].status, "missed");
});

Deno.test("copying: dense at every depth, and the best sparse series named", () => {
  const results = [1, 2, 3, 4].flatMap((l) =>
    seeds.map((s) => run("dense", l, s, { accuracy: 0.995 }))
  ).concat(seeds.map((s) => run("strided", 4, s, { accuracy: 0.999 })));
  const rows = competenceRows("copying", results);
  assert.deepEqual(rows.map((r) => r.status), ["met", "met"]);
  assert.match(rows[1].measured, /^best 0\.999 \(strided single/);
});
