import assert from "node:assert/strict";
import { runTool } from "../support/run_tool.ts";
import { awkwardCheckout } from "../support/awkward_checkout.ts";
import {
  BENCH_PATTERNS,
  type BenchRecord,
  type BenchResult,
  checkFloors,
  requireBenchPattern,
  runBenchmark,
  usefulFlops,
} from "../../lib/bench/attention.ts";
import {
  benchMarkdown,
  mergeRecords,
  parseBenchResult,
} from "../../tools/bench/attention_results.ts";
import {
  bigbird,
  slidingWindow,
  type SparsityPattern,
  star,
  strided,
  unionOf,
} from "../../lib/pattern/mod.ts";
import { InputError } from "../../lib/util/errors.ts";
import { BENCH_DENSE_MAX_TOKENS, BENCH_MAX_TOKENS } from "../../lib/util/limits.ts";
import { pathFromUrl, sha256 } from "../../lib/util/system.ts";

const COMMITTED = pathFromUrl("../../data/bench/attention.json", import.meta.url);
const COMMITTED_TABLE = pathFromUrl("../../data/bench/attention.md", import.meta.url);

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

Deno.test("bad flags: one line naming the flag, the value and the limit, exit code 2", async () => {
  const out = Deno.makeTempDirSync({ prefix: "bench out " });
  for (
    const [args, expected] of [
      [["--pattern", "spiral"], '--pattern = "spiral": expected one of window, star'],
      [["--pattern", "__proto__"], '--pattern = "__proto__": expected one of'],
      [["--pattern", "toString"], '--pattern = "toString": expected one of'],
      [["--n", "12x"], '--n = "12x"'],
      [["--n", "1"], "--n = 1: expected an integer in [2, 32768]"],
      [["--n", "64,40000"], `--n = 40000: expected an integer in [2, ${BENCH_MAX_TOKENS}]`],
      [["--n", "64.5"], "--n = 64.5: expected an integer"],
      [["--dense-max-n", "-5"], "--dense-max-n = -5: expected an integer in [2, 8192]"],
      [
        ["--dense-max-n", "16384"],
        `--dense-max-n = 16384: expected an integer in [2, ${BENCH_DENSE_MAX_TOKENS}]`,
      ],
      [["--impl", "fast"], '--impl = "fast"'],
      [["--speed", "1"], "--speed"],
      [["--save", "--out", out], '--out = "'],
    ] as const
  ) {
    const output = await runTool(
      "bench",
      (args as readonly string[]).includes("--out") ? args : [...args, "--out", out],
    );
    const stderr = output.stderr.trim();
    assert.equal(output.code, 2, stderr);
    assert.equal(stderr.split("\n").length, 1, stderr);
    assert.ok(stderr.startsWith("bench: ") && stderr.includes(expected), stderr);
    assert.equal(output.stdout, "", "nothing ran");
  }
  assert.deepEqual([...Deno.readDirSync(out)], [], "nothing written");
  Deno.removeSync(out);
});

Deno.test("pattern names are own keys: inherited names are refused, not called", () => {
  for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
    assert.throws(
      () => requireBenchPattern(name),
      (e) => e instanceof InputError && e.parameter === "--pattern",
    );
  }
  assert.deepEqual(Object.keys(BENCH_PATTERNS).map(requireBenchPattern), [
    "window",
    "star",
    "bigbird",
    "strided",
  ]);
});

Deno.test("the benchmark's patterns are the zoo's, with the benchmark's parameters", () => {
  for (const n of [16, 100]) {
    const c = Math.ceil(Math.sqrt(n));
    const expected: Record<string, SparsityPattern> = {
      window: slidingWindow({ n, w: 8 }).patterns[0],
      star: star({ n }).patterns[0],
      bigbird: bigbird({ n, w: 3, g: 2, r: 3, seed: 0 }).patterns[0],
      strided: unionOf(strided({ n, c })),
    };
    for (const [name, build] of Object.entries(BENCH_PATTERNS)) {
      const pattern = build(n);
      assert.equal(pattern.n, n);
      assert.deepEqual(pattern.toLists(), expected[name].toLists(), `${name} at n=${n}`);
    }
    assert.equal(BENCH_PATTERNS.window(n).name, "window(w=8)");
    assert.equal(BENCH_PATTERNS.strided(n).name, `union strided(c=${c})`);
  }
});

Deno.test("the committed results parse; damaged ones are named with the reason", () => {
  const committed = parseBenchResult(Deno.readTextFileSync(COMMITTED));
  assert.ok(typeof committed !== "string", String(committed));
  assert.ok(committed.records.length > 0);
  const broken = (change: (result: Record<string, unknown>) => void) => {
    const copy = structuredClone(committed) as unknown as Record<string, unknown>;
    change(copy);
    return parseBenchResult(JSON.stringify(copy));
  };
  assert.match(String(parseBenchResult('{"records": [')), /^not valid JSON/);
  assert.equal(parseBenchResult("[]"), "not a JSON object");
  assert.equal(broken((r) => delete r.records), '"records" is not an array');
  assert.equal(
    broken((r) => ((r.records as Record<string, unknown>[])[2].ms = "fast")),
    'record 2: "ms" is not a finite number',
  );
  assert.equal(
    broken((r) => ((r.records as Record<string, unknown>[])[0].impl = "gpu")),
    'record 0: impl "gpu" is not dense or sparse',
  );
});

/** *.tmp files left anywhere under `dir`. */
function temporaries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) =>
    entry.isDirectory
      ? temporaries(`${dir}/${entry.name}`)
      : entry.name.endsWith(".tmp")
      ? [`${dir}/${entry.name}`]
      : []
  );
}

Deno.test("an ad-hoc run writes to its own folder and leaves data/bench/ untouched", async () => {
  const before = [sha256(Deno.readFileSync(COMMITTED)), sha256(Deno.readFileSync(COMMITTED_TABLE))];
  const out = `${Deno.makeTempDirSync({ prefix: "bench %41 " })}/new folder`;
  const output = await runTool("bench", [
    "--pattern",
    "star",
    "--n",
    "8,16",
    "--impl",
    "sparse",
    "--json",
    "--out",
    out,
  ]);
  assert.equal(output.code, 0, output.stderr);
  assert.deepEqual(
    [sha256(Deno.readFileSync(COMMITTED)), sha256(Deno.readFileSync(COMMITTED_TABLE))],
    before,
    "data/bench/ untouched",
  );
  const written = parseBenchResult(Deno.readTextFileSync(`${out}/attention.json`)) as BenchResult;
  assert.deepEqual(written.records.map((r) => `${r.impl}/${r.pattern}/${r.n}`), [
    "sparse/star/8",
    "sparse/star/16",
  ], "this run's records only, nothing merged in");
  assert.deepEqual(JSON.parse(output.stdout), written.records);
  const table = Deno.readTextFileSync(`${out}/attention.md`);
  for (const r of written.records) {
    assert.ok(table.includes(`\n| star | ${r.n} | ${r.connections} | – | ${r.ms} |`), table);
  }
  assert.ok(
    output.stderr.trim().endsWith(
      `wrote ${out}/attention.json and ${out}/attention.md ` +
        "(--save merges into data/bench/)",
    ),
    output.stderr,
  );
  assert.deepEqual(temporaries(out), []);
  Deno.removeSync(out.slice(0, out.lastIndexOf("/")), { recursive: true });
});

Deno.test("an unusable output folder is refused before anything runs", async () => {
  const scratch = Deno.makeTempDirSync({ prefix: "bench out " });
  const file = `${scratch}/attention.json`;
  Deno.writeTextFileSync(file, "{}");
  for (
    const [out, why] of [
      [file, "is a file, not a folder"],
      [`${file}/sub`, "cannot be created (Not a directory)"],
      ["/proc/lab-bench", "cannot be created (No such file or directory)"],
    ]
  ) {
    const output = await runTool("bench", ["--n", "8", "--out", out]);
    const stderr = output.stderr.trim();
    assert.equal(output.code, 2, stderr);
    assert.equal(stderr, `bench: --out = ${JSON.stringify(out)}: ${why}`);
    assert.equal(output.stdout, "");
  }
  assert.equal(Deno.readTextFileSync(file), "{}");
  assert.deepEqual([...Deno.readDirSync(scratch)].map((e) => e.name), ["attention.json"]);
  Deno.removeSync(scratch, { recursive: true });
});

Deno.test("--save merges into data/bench/ and refuses a corrupt results file before running", async () => {
  const copy = await awkwardCheckout();
  try {
    const results = `${copy.root}/data/bench/attention.json`;
    const table = `${copy.root}/data/bench/attention.md`;
    const committed = JSON.parse(Deno.readTextFileSync(results)) as BenchResult;
    const args = ["--save", "--pattern", "star", "--n", "8", "--impl", "sparse", "--json"];
    const saved = await runTool("bench", args, {}, copy.root);
    assert.equal(saved.code, 0, saved.stderr);
    const merged = JSON.parse(Deno.readTextFileSync(results)) as BenchResult;
    assert.equal(merged.records.length, committed.records.length + 1);
    assert.deepEqual(
      merged.records.filter((r) => r.n === 8).map((r) => `${r.impl}/${r.pattern}`),
      ["sparse/star"],
    );
    assert.match(Deno.readTextFileSync(table), /\| star\S* \| 8 \|/);
    assert.throws(() => Deno.statSync(`${copy.root}/out/bench`), Deno.errors.NotFound);

    Deno.writeTextFileSync(results, '{"records": [');
    const refused = await runTool("bench", args, {}, copy.root);
    const stderr = refused.stderr.trim();
    assert.equal(refused.code, 2, stderr);
    assert.match(
      stderr,
      new RegExp(
        `^bench: ${RegExp.escape(results)}: is corrupt \\(not valid JSON .*\\); ` +
          "--save merges into it: restore it with git or move it aside$",
      ),
    );
    assert.equal(refused.stdout, "", "nothing ran");
    assert.equal(Deno.readTextFileSync(results), '{"records": [', "left as it was");
    assert.deepEqual(temporaries(`${copy.root}/data/bench`), []);
  } finally {
    await copy.remove();
  }
});

Deno.test("bench --help prints both forms and where results go; --help=1 is one line, exit 2", async () => {
  const help = await runTool("bench", ["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /deno task bench \[--pattern/);
  assert.match(help.stdout, /deno task bench --train/);
  assert.match(help.stdout, /only --save touches data\/bench\//);
  const bad = await runTool("bench", ["--help=1"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split("\n").length, 1, bad.stderr);
});
