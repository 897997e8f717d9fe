import assert from "node:assert/strict";
import { runTool } from "./support/run_tool.ts";
import {
  benchMarkdown,
  type BenchRecord,
  checkFloors,
  mergeRecords,
  runBenchmark,
  usefulFlops,
} from "../lib/attention/bench.ts";

function record(impl: "dense" | "sparse", pattern: string, n: number, ms: number): BenchRecord {
  return {
    impl,
    pattern,
    patternName: pattern,
    n,
    ms,
    runs: 1,
    connections: 3 * n,
    tensorPeakBytes: 1,
    coreBytes: 0,
    peakBytes: 1,
    usefulGflops: 1,
    fractionOfMatmul: 0.1,
  };
}

Deno.test("floors: linear growth from n = 2048 and a 10× speed-up at n = 4096", () => {
  const records = [
    record("sparse", "window", 1024, 1),
    record("sparse", "window", 2048, 10),
    record("sparse", "window", 4096, 22),
    record("sparse", "window", 8192, 60),
    record("dense", "window", 4096, 219),
  ];
  const checks = checkFloors(records, ["window"]);
  assert.deepEqual(checks.map((c) => c.holds), [true, false, false]);
  assert.match(checks[1].statement, /×2\.73 from n=4096 to 8192/);
  assert.match(checks[2].statement, /10× faster/); // 219/22 = 9.95 rounds to 10 but fails
});

Deno.test("mergeRecords replaces re-measured cells and keeps the rest in order", () => {
  const merged = mergeRecords(
    [record("sparse", "star", 256, 5), record("dense", "star", 256, 9)],
    [record("sparse", "star", 256, 4), record("sparse", "window", 256, 3)],
  );
  assert.deepEqual(merged.map((r) => `${r.pattern}/${r.impl}/${r.ms}`), [
    "window/sparse/3",
    "star/dense/9",
    "star/sparse/4",
  ]);
});

Deno.test("a tiny live run produces both implementations and a Markdown row per cell", async () => {
  const result = await runBenchmark({ patterns: ["star"], lengths: [64] });
  assert.deepEqual(result.records.map((r) => r.impl), ["dense", "sparse"]);
  for (const r of result.records) {
    assert.ok(r.ms > 0 && r.peakBytes > 0 && r.usefulGflops > 0);
    const expected = usefulFlops(64, r.connections) / (r.ms * 1e6); // ms is rounded
    assert.ok(Math.abs(r.usefulGflops - expected) <= 0.01 * expected, `${r.usefulGflops}`);
  }
  const table = benchMarkdown(result);
  assert.equal(table.split("\n").filter((line) => line.startsWith("| star")).length, 1);
});

Deno.test("bad flags: one line naming the flag and value, exit code 2", async () => {
  for (
    const [args, expected] of [
      [["--pattern", "spiral"], '--pattern = "spiral"'],
      [["--n", "12x"], '--n = "12x"'],
      [["--impl", "fast"], '--impl = "fast"'],
      [["--speed", "1"], "--speed"],
    ] as const
  ) {
    const output = await runTool("bench", args);
    const stderr = output.stderr.trim();
    assert.equal(output.code, 2, stderr);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.ok(stderr.includes(expected), stderr);
  }
});
