/**
 * `deno task export`: the command reports maxAbsDiff ≤ 1e-4 and a file that passes the
 * official checker; a saved model exports with its recorded pattern; bad input is one line on
 * stderr and exit code 2, and no half-written file is left behind.
 */
import assert from "node:assert/strict";
import { readLabMetadata } from "../lib/export/metadata.ts";
import { scheduleToJson } from "../lib/pattern/pattern.ts";
import { buildPattern } from "../lib/pattern/zoo.ts";
import { runTool } from "./support/run_tool.ts";

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
    "data/models/char-placeholder",
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
    "data/models/char-placeholder",
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
      ["--model", "data/models/char-placeholder", "--seed", "1", "--n", "8", "--out", "x"],
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
