/** Results files: atomic writes, resuming a sweep without redoing runs, corrupt files skipped. */
import assert from "node:assert/strict";
import {
  codeVersion,
  hasResult,
  NOT_A_CHECKOUT,
  parseResult,
  readResults,
  RESULTS_SCHEMA,
  resultsRoot,
  resultStatus,
  type RunResult,
  sameTraining,
  writeResult,
} from "../../lib/train/results.ts";
import { summarize } from "../../lib/train/summary.ts";
import { requireExperiment } from "../../lib/experiments/registry.ts";
import { runSweep } from "../../lib/experiments/sweeps.ts";
import { InputError } from "../../lib/util/errors.ts";
import { pathFromUrl } from "../../lib/util/system.ts";

const CHECKOUT = pathFromUrl("../../", import.meta.url);

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
    patterns: ["dense", "random"],
    layers: [1],
    resultsDir: dir,
    progress: { output: "silent" as const },
  };
  const first = await runSweep("copying", { ...options, patterns: ["dense"] });
  assert.deepEqual(first.trained, ["dense-single-full-L1-seed0"]);
  const second = await runSweep("copying", options);
  assert.deepEqual(second.reused, ["dense-single-full-L1-seed0"]);
  assert.deepEqual(second.trained, ["random-single-s0.65-L1-seed0"]);
  assert.deepEqual(second.redone, []);
  assert.deepEqual(second.removedTemporaries, []);
  const corrupt = `${dir}/random-single-s0.65-L1-seed0.json`;
  Deno.writeTextFileSync(corrupt, "{ interrupted");
  const stale = "random-single-s0.65-L1-seed0.json.4999999.0123abcd.tmp";
  Deno.writeTextFileSync(`${dir}/${stale}`, "{");
  const lines: string[] = [];
  const third = await runSweep("copying", { ...options, log: (line) => lines.push(line) });
  assert.deepEqual(third.removedTemporaries, [stale]);
  assert.deepEqual(third.redone.map((r) => r.path), [corrupt]);
  assert.match(third.redone[0].reason, /^not valid JSON/);
  assert.deepEqual(lines, [
    `removed 1 temporary file(s) an interrupted write left in ${dir}: ${stale}`,
    `${corrupt} is corrupt (${third.redone[0].reason}); running it again`,
  ]);
  assert.ok(!Deno.readDirSync(dir).some((e) => e.name.endsWith(".tmp")), "no *.tmp left");
  assert.deepEqual(third.trained, ["random-single-s0.65-L1-seed0"]);
  assert.equal(third.results.length, 2);
  const result = third.results.find((r) => r.pattern === "random")!;
  assert.equal(result.sparsity, 1 - result.connections / 16 ** 2, "the exact achieved sparsity");
  assert.ok(result.curve.length === 25 && result.final.accuracy >= 0);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("result states: done, missing, corrupt (with the reason), other sizes", () => {
  const dir = Deno.makeTempDirSync({ prefix: "results %20 " });
  writeResult(dir, { ...fakeResult("a", 0, 0.5), model: { n: 16 } });
  Deno.writeTextFileSync(`${dir}/b.json`, "[1]");
  assert.deepEqual(resultStatus(dir, "a", { n: 16 }), { state: "done", path: `${dir}/a.json` });
  assert.deepEqual(resultStatus(dir, "a", { n: 32 }), {
    state: "other-sizes",
    path: `${dir}/a.json`,
  });
  assert.deepEqual(resultStatus(dir, "b"), {
    state: "corrupt",
    path: `${dir}/b.json`,
    reason: "not a JSON object",
  });
  // fields of the wrong type make a result corrupt, not done: it is never counted or reused
  const typed = JSON.parse(Deno.readTextFileSync(`${dir}/a.json`));
  for (
    const [field, value, reason] of [
      ["curve", "done", 'curve = "done": expected a list of {step, loss, metric} points'],
      ["seed", "zero", 'seed = "zero": expected a non-negative integer'],
      ["layers", null, "layers = null: expected an integer in [1, 64]"],
      ["runId", "other", 'runId = "other": expected "a", the file\'s name'],
    ] as const
  ) {
    Deno.writeTextFileSync(`${dir}/a.json`, JSON.stringify({ ...typed, [field]: value }));
    assert.deepEqual(resultStatus(dir, "a"), { state: "corrupt", path: `${dir}/a.json`, reason });
  }
  assert.equal(resultStatus(dir, "c").state, "missing");
  // what is not a regular file within the cap is corrupt (named, then trained again), never read
  Deno.mkdirSync(`${dir}/d.json`);
  assert.deepEqual(resultStatus(dir, "d"), {
    state: "corrupt",
    path: `${dir}/d.json`,
    reason: "is a directory; expected a regular file",
  });
  Deno.symlinkSync("/dev/zero", `${dir}/e.json`);
  assert.deepEqual(resultStatus(dir, "e"), {
    state: "corrupt",
    path: `${dir}/e.json`,
    reason: "is a character device; expected a regular file",
  });
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("the results root is a real path in the checkout, or RESULTS_DIR", () => {
  const saved = Deno.env.get("RESULTS_DIR");
  try {
    Deno.env.delete("RESULTS_DIR");
    assert.equal(resultsRoot("quick"), `${CHECKOUT}out/results-quick`);
    assert.equal(resultsRoot("full"), `${CHECKOUT}data/results`);
    Deno.env.set("RESULTS_DIR", "/tmp/a b%20c//");
    assert.equal(resultsRoot("full"), "/tmp/a b%20c");
    Deno.env.set("RESULTS_DIR", "/");
    assert.equal(resultsRoot("quick"), "/");
  } finally {
    if (saved === undefined) Deno.env.delete("RESULTS_DIR");
    else Deno.env.set("RESULTS_DIR", saved);
  }
});

Deno.test("codeVersion names a commit only for the top of a git checkout", () => {
  assert.match(codeVersion(), /^[0-9a-f]{40}(\+dirty)?$/);
  const outside = Deno.makeTempDirSync({ prefix: "no git %41 " });
  assert.equal(codeVersion(outside), NOT_A_CHECKOUT);
  assert.equal(NOT_A_CHECKOUT, "unknown (not a git checkout)");
  // a folder inside another repository does not borrow that repository's commit
  assert.equal(codeVersion(`${CHECKOUT}lib`), NOT_A_CHECKOUT);
  Deno.removeSync(outside);
});

Deno.test("experiment names are looked up as own entries only", () => {
  for (const name of ["__proto__", "constructor", "toString", "valueOf"]) {
    assert.throws(
      () => requireExperiment(name),
      (e) => e instanceof InputError && e.parameter === "experiment",
    );
  }
  assert.equal(requireExperiment("copying").name, "copying");
});

Deno.test("a run that plateaued below a raised cap is the planned run; one the cap stopped is not", () => {
  const planned = { n: 128, steps: 2000, convergenceFloorSteps: 2000, convergenceCapSteps: 10000 };
  const before = { ...planned, convergenceCapSteps: 6000 };
  const result = (stepsTrained: number, plateaued: boolean, model = before) => ({
    model,
    training: { stepsTrained, plateaued },
  });
  // plateaued at 4,200 under a cap of 6,000: it would have stopped there under 10,000 too
  assert.equal(sameTraining(result(4200, true), planned), true);
  // stopped by the old cap while still improving: it must train on
  assert.equal(sameTraining(result(6000, false), planned), false);
  // a cap lowered below where the run stopped: it would have been cut short
  assert.equal(sameTraining(result(4200, true), { ...planned, convergenceCapSteps: 4000 }), false);
  assert.equal(sameTraining(result(4000, true), { ...planned, convergenceCapSteps: 4000 }), true);
  // any other size differs: not the planned run, plateaued or not
  assert.equal(sameTraining(result(4200, true, { ...before, n: 64 }), planned), false);
  assert.equal(
    sameTraining(result(4200, true, { ...before, convergenceFloorSteps: 1000 }), planned),
    false,
  );
  // without a rule the sizes must match exactly
  const fixed = { n: 128, steps: 2000 };
  assert.equal(sameTraining({ model: fixed, training: undefined }, fixed), true);
  assert.equal(
    sameTraining({ model: { ...fixed, steps: 1000 }, training: undefined }, fixed),
    false,
  );
});
