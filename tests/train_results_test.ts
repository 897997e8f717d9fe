/** Results files: atomic writes, resuming a sweep without redoing runs, corrupt files skipped. */
import assert from "node:assert/strict";
import {
  hasResult,
  parseResult,
  readResults,
  RESULTS_SCHEMA,
  type RunResult,
  runSweep,
  summarize,
  writeResult,
} from "../lib/train/mod.ts";

function fakeResult(runId: string, seed: number, accuracy: number): RunResult {
  return {
    schema: RESULTS_SCHEMA,
    experiment: "copying",
    mode: "quick",
    runId,
    pattern: "star",
    configuration: "single",
    patternName: "star",
    patternParameters: { w: 1 },
    sparsity: 0.61,
    sparsityTarget: 0.6,
    connections: 100,
    mixingDepth: 2,
    n: 16,
    layers: 2,
    seed,
    model: {},
    metricName: "accuracy",
    curve: [{ step: 1, loss: 2, metric: accuracy }],
    final: { accuracy },
    wallSeconds: 1,
    codeVersion: "test",
    dataChecksum: null,
    finishedAt: "2026-01-01T00:00:00Z",
  };
}

Deno.test("writes are atomic and corrupt or incomplete files are reported and skipped", () => {
  const dir = Deno.makeTempDirSync();
  writeResult(dir, fakeResult("a", 0, 0.5));
  writeResult(dir, fakeResult("b", 1, 0.7));
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["a.json", "b.json"]);
  Deno.writeTextFileSync(
    `${dir}/truncated.json`,
    JSON.stringify(fakeResult("t", 2, 1)).slice(0, 80),
  );
  const { final: _, ...missing } = fakeResult("m", 3, 1);
  Deno.writeTextFileSync(`${dir}/missing.json`, JSON.stringify(missing));
  Deno.writeTextFileSync(
    `${dir}/nan.json`,
    JSON.stringify(fakeResult("x", 4, 1)).replace('"accuracy":1}', '"accuracy":"NaN"}'),
  );
  const { results, skipped } = readResults(dir, { quiet: true });
  assert.deepEqual(results.map((r) => r.runId), ["a", "b"]);
  assert.deepEqual(skipped.map((s) => s.path.split("/").pop()).sort(), [
    "missing.json",
    "nan.json",
    "truncated.json",
  ]);
  assert.match(String(parseResult("{")), /not valid JSON/);
  assert.equal(hasResult(dir, "a"), true);
  assert.equal(hasResult(dir, "truncated"), false, "a corrupt run is redone");
  const [series] = summarize(results, "accuracy", "layers");
  assert.equal(series.points[0].mean, 0.6);
  assert.ok(Math.abs(series.points[0].std - Math.SQRT2 * 0.1) < 1e-12);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("an interrupted sweep resumes: finished runs are reused, a corrupt one is redone", async () => {
  const dir = Deno.makeTempDirSync();
  const options = {
    mode: "quick" as const,
    patterns: ["dense", "star"],
    layers: [1],
    resultsDir: dir,
    progress: { output: "silent" as const },
  };
  const first = await runSweep("copying", { ...options, patterns: ["dense"] });
  assert.deepEqual(first.trained, ["dense-single-full-L1-seed0"]);
  const second = await runSweep("copying", options);
  assert.deepEqual(second.reused, ["dense-single-full-L1-seed0"]);
  assert.deepEqual(second.trained, ["star-single-s0.65-L1-seed0"]);
  Deno.writeTextFileSync(`${dir}/star-single-s0.65-L1-seed0.json`, "{ interrupted");
  const third = await runSweep("copying", options);
  assert.deepEqual(third.trained, ["star-single-s0.65-L1-seed0"]);
  assert.equal(third.results.length, 2);
  const result = third.results.find((r) => r.pattern === "star")!;
  assert.equal(result.sparsity, 1 - result.connections / 16 ** 2, "the exact achieved sparsity");
  assert.ok(result.curve.length === 25 && result.final.accuracy >= 0);
  Deno.removeSync(dir, { recursive: true });
});
