/**
 * `deno task export`: the README's command reports maxAbsDiff ≤ 1e-4 and a file that passes the
 * official checker; a saved model exports with its recorded pattern; bad input is one line on
 * stderr and exit code 2, and no half-written file is left behind.
 */
import assert from "node:assert/strict";
import { readLabMetadata } from "../../lib/export/metadata.ts";
import { scheduleToJson } from "../../lib/pattern/pattern.ts";
import { buildPattern } from "../../lib/pattern/zoo.ts";
import { runTool } from "../support/run_tool.ts";

const exportTool = (args: string[]) => runTool("export", args);

Deno.test("--random --pattern star --n 64 --check --json: parity and the official checker", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/m.onnx`;
  const { code, stdout, stderr } = await exportTool([
    "--random",
    "--pattern",
    "star",
    "--n",
    "64",
    "--out",
    out,
    "--check",
    "--json",
  ]);
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout);
  assert.equal(report.out, out);
  assert.ok(report.maxAbsDiff <= 1e-4, `maxAbsDiff ${report.maxAbsDiff}`);
  assert.match(report.officialChecker, /^passed/);
  assert.equal(readLabMetadata(await Deno.readFile(out)).n, 64);
  assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["m.onnx"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--model exports the saved character model with its vocabulary and attention", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/char.onnx`;
  const { code, stderr } = await exportTool([
    "--model",
    "data/models/moby-dick-best",
    "--n",
    "24",
    "--attention",
    "--out",
    out,
  ]);
  assert.equal(code, 0, stderr);
  const metadata = readLabMetadata(await Deno.readFile(out));
  assert.equal(metadata.kind, "causal-decoder");
  assert.equal(metadata.n, 24);
  assert.ok(metadata.vocabulary!.includes("a"));
  assert.deepEqual(metadata.attentionOutputs, ["attention.decoder.0", "attention.decoder.1"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--model with --file: a saved model exported with a pattern file of one's own", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/mine.json`;
  await Deno.writeTextFile(file, JSON.stringify(scheduleToJson(buildPattern("star", { n: 20 }))));
  const { code, stderr } = await exportTool([
    "--model",
    "data/models/moby-dick-best",
    "--file",
    file,
    "--n",
    "20",
    "--out",
    `${dir}/star.onnx`,
  ]);
  assert.equal(code, 0, stderr);
  const metadata = readLabMetadata(await Deno.readFile(`${dir}/star.onnx`));
  assert.deepEqual(metadata.patterns, { decoder: "star" }); // the name the file records
  await Deno.remove(dir, { recursive: true });
});

Deno.test("bad input: one line naming flag and value, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["--random", "--pattern", "nope", "--n", "8", "--out", "x.onnx"], /--pattern = "nope"/],
    [["--random", "--pattern", "star", "--n", "abc", "--out", "x.onnx"], /--n = "abc"/],
    [["--random", "--pattern", "star", "--n", "8"], /--out/],
    [["--random", "--pattern", "star", "--n", "8", "--w", "2", "--out", "x.onnx"], /--w/],
    [
      ["--random", "--pattern", "star", "--kind", "rnn", "--n", "8", "--out", "x.onnx"],
      /kind = "rnn"/,
    ],
    [["--model", "no/such/model", "--n", "8", "--out", "x.onnx"], /no\/such\/model/],
    [
      ["--model", "data/models/moby-dick-best", "--seed", "1", "--n", "8", "--out", "x"],
      /--seed/,
    ],
    [["--random", "--pattern", "star", "--n", "8", "--out", "x.onnx", "extra"], /"extra"/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await exportTool(args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stdout, "");
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, message);
  }
});

/** Runs export and asserts exit 2, nothing on stdout, and one stderr line holding `parts`. */
async function assertRefused(args: string[], parts: string[]) {
  const { code, stdout, stderr } = await exportTool(args);
  const label = args.join(" ");
  assert.equal(code, 2, `${label}: exit code (${stderr})`);
  assert.equal(stdout, "", `${label}: nothing on stdout`);
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${label}: one line, got ${stderr}`);
  assert.match(lines[0], /^export: /);
  for (const part of parts) {
    assert.ok(lines[0].includes(part), `${label}: "${lines[0]}" lacks "${part}"`);
  }
}

Deno.test("--out an existing directory: one line, exit 2, nothing written beside it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = `${dir}/models`;
    await Deno.mkdir(target);
    await assertRefused(["--random", "--pattern", "star", "--n", "8", "--out", target], [
      `--out = ${JSON.stringify(target)}: is a directory`,
    ]);
    await assertRefused(
      ["--random", "--pattern", "star", "--n", "8", "--out", `${dir}/no/x.onnx`],
      [
        "does not exist",
      ],
    );
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["models"]);
    assert.deepEqual([...Deno.readDirSync(target)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("size bombs, built-in names and strict flags: one line naming flag, value, limit", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/m.onnx`;
  const random = (...rest: string[]) => ["--random", "--out", out, ...rest];
  try {
    const started = performance.now();
    await assertRefused(random("--pattern", "star", "--n", "100000"), [
      '--n = "100000"',
      "exceeds the limit 2048",
    ]);
    assert.ok(performance.now() - started < 5000, "refused before the model is built");
    const cases: [string[], string[]][] = [
      [random("--pattern", "window", "--n", "2049"), ['--n = "2049"', "limit 2048"]],
      [random("--file", "/dev/zero", "--n", "8"), ['--file = "/dev/zero"', "character device"]],
      [random("--file", dir, "--n", "8"), ["a directory"]],
      [random("--file", "f.json", "--pattern", "star", "--n", "8"), ['--file "f.json" and']],
      [random("--pattern", "__proto__", "--n", "8"), ['--pattern = "__proto__": unknown']],
      [random("--pattern", "constructor", "--n", "8"), ['--pattern = "constructor": unknown']],
      [random("--pattern", "star", "--n", "8", "--kind", "toString"), ['--kind = "toString"']],
      [random("--pattern", "star", "--n", "8", "--n", "9"), ['--n = "9"', "given twice"]],
      [random("--pattern", "star", "--n", "0x10"), ['--n = "0x10"']],
      [random("--pattern", "star", "--n", "8", "--json=false"), ['--json = "false"']],
      [random("--pattern", "star", "--n", "8", "--seed", "1.5"), ['--seed = "1.5"']],
      [random("--model", "m", "--pattern", "star", "--n", "8"), ['--random and --model = "m"']],
      [["--train-placeholder"], ["--train-placeholder = undefined: unknown flag"]],
    ];
    for (const [args, parts] of cases) await assertRefused(args, parts);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
