/** The training benchmark: records, kernel counts of both paths, and `bench --train`. */
import assert from "node:assert/strict";
import { initTf } from "../../lib/attention/tf/backend.ts";
import {
  countKernels,
  prepareTrainingCell,
  runTrainingBenchmark,
  TRAINING_BENCH_CONFIGS,
  trainingMarkdown,
} from "../../tools/bench/training.ts";
import { runTool } from "../support/run_tool.ts";

await initTf();
const small = TRAINING_BENCH_CONFIGS.find((c) => c.name === "small")!;

Deno.test("the configurations are the stated ones", () => {
  assert.deepEqual(
    TRAINING_BENCH_CONFIGS.map((c) => [c.name, c.n, c.width, c.layers, c.ffHidden, c.batch, c.c]),
    [["small", 64, 32, 2, 64, 16, 10], ["large", 128, 128, 4, 256, 32, 25]],
  );
});

Deno.test("a small step: the fused path runs ≤ 300 kernels, the unfused one over 1000", async () => {
  const counts: Record<string, number> = {};
  for (const fused of [true, false]) {
    const cell = prepareTrainingCell(small, fused);
    cell.step(); // the first step creates tfjs Adam's slots
    counts[String(fused)] = await countKernels(() => cell.step());
    // deterministic: the same step shape dispatches the same kernels again
    assert.equal(await countKernels(() => cell.step()), counts[String(fused)]);
    cell.dispose();
  }
  assert.ok(counts.true <= 300, `fused: ${counts.true} kernels`);
  assert.ok(counts.false > 1000, `unfused: ${counts.false} kernels`);
});

Deno.test("runTrainingBenchmark: one record per configuration, fields consistent", async () => {
  const records = await runTrainingBenchmark({
    configs: [small],
    warmup: 1,
    rounds: 1,
    steps: 1,
  });
  assert.equal(records.length, 1);
  const [r] = records;
  assert.equal(r.config, "small");
  assert.ok(r.msPerStep > 0 && r.matmulGflops > 0 && r.usefulGflops > 0);
  assert.ok(r.simdMatmulGflops !== null && r.simdMatmulGflops > 0, "the SIMD matmul's rate");
  // tokens/s is batch·n per step time
  assert.ok(
    Math.abs(r.tokensPerSec - (16 * 64) / (r.msPerStep / 1000)) / r.tokensPerSec < 0.01,
  );
  assert.ok(r.kernelsPerStep > 0 && r.kernelsPerStep <= 300);
  const table = trainingMarkdown(records);
  assert.match(table, /\| small \| [\d.]+ \| \d+ \| [\d.]+ \([\d.]+%\) \| \d+ \|/);
  assert.match(table, /the lab's SIMD matmul [\d.]+ GFLOP\/s/);
});

Deno.test("bench --train --quick --json writes training.json and .md; bad --config exits 2", async () => {
  const out = await Deno.makeTempDir();
  try {
    const output = await runTool("bench", [
      "--train",
      "--config",
      "small",
      "--quick",
      "--json",
      "--out",
      out,
    ]);
    assert.equal(output.code, 0, output.stderr);
    const printed = JSON.parse(output.stdout);
    assert.deepEqual(Object.keys(printed[0]).sort(), [
      "config",
      "fmaPeakGflops",
      "kernelsPerStep",
      "matmulGflops",
      "msPerStep",
      "nativeMatmulGflops",
      "pattern",
      "simdMatmulGflops",
      "tokensPerSec",
      "usefulGflops",
    ]);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${out}/training.json`)), printed);
    assert.match(await Deno.readTextFile(`${out}/training.md`), /\| small \|/);
    const bad = await runTool("bench", ["--train", "--config", "huge", "--out", out]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split("\n").length, 1);
    assert.match(bad.stderr, /--config.*huge/);
    const mixed = await runTool("bench", ["--train", "--n", "8", "--out", out]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /--n/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("bench --data-parallel --quick writes one record per worker count; --config is refused", async () => {
  const out = await Deno.makeTempDir();
  try {
    const output = await runTool("bench", ["--data-parallel", "--quick", "--json", "--out", out]);
    assert.equal(output.code, 0, output.stderr);
    const printed = JSON.parse(output.stdout);
    assert.deepEqual(printed.map((r: { workers: number }) => r.workers), [1, 2]);
    assert.equal(printed[0].speedup, 1);
    for (const r of printed) {
      assert.equal(r.config, "large");
      // tokens per step of the large configuration (batch 32 × n 128) over the step time
      assert.ok(
        Math.abs(r.tokensPerSecond - 4096 / (r.msPerStep / 1000)) <
          0.01 * Math.abs(r.tokensPerSecond),
      );
    }
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${out}/data_parallel.json`)), printed);
    assert.match(await Deno.readTextFile(`${out}/data_parallel.md`), /\| large \| 2 \|/);
    const bad = await runTool("bench", ["--data-parallel", "--config", "small", "--out", out]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--config/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("bench --parallel-runs --quick: one and two processes per configuration, speed-ups consistent", async () => {
  const out = await Deno.makeTempDir();
  try {
    const output = await runTool("bench", ["--parallel-runs", "--quick", "--json", "--out", out]);
    assert.equal(output.code, 0, output.stderr);
    const printed = JSON.parse(output.stdout);
    assert.deepEqual(
      printed.map((r: { config: string; processes: number }) => `${r.config}×${r.processes}`),
      ["small×1", "small×2", "large×1", "large×2"],
    );
    for (const [one, two] of [[printed[0], printed[1]], [printed[2], printed[3]]]) {
      assert.equal(one.speedup, 1);
      assert.equal(one.msPerStep.length, 1);
      assert.equal(two.msPerStep.length, 2);
      // steps per second: each process's 1000 / ms, summed; the speed-up is the ratio
      const together = two.msPerStep.reduce((sum: number, ms: number) => sum + 1000 / ms, 0);
      assert.ok(Math.abs(together - two.stepsPerSecond) < 0.02 * together);
      assert.ok(Math.abs(two.speedup - two.stepsPerSecond / one.stepsPerSecond) < 0.02);
    }
    assert.deepEqual(JSON.parse(await Deno.readTextFile(`${out}/parallel_runs.json`)), printed);
    assert.match(await Deno.readTextFile(`${out}/parallel_runs.md`), /\| large \| 2 \|/);
    const bad = await runTool("bench", ["--parallel-runs", "--config", "small", "--out", out]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--config/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
