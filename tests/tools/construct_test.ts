/** `deno task construct`: text and JSON output, --ids, and the exit codes 0 / 1 / 2. */
import assert from "node:assert/strict";
import { runTool } from "../support/run_tool.ts";

async function construct(...args: string[]) {
  const { code, stdout, stderr } = await runTool("construct", args);
  return { code, out: stdout, err: stderr };
}

Deno.test("construct: verified case prints counts, c and the verdict (exit 0)", async () => {
  const { code, out } = await construct(
    "--pattern",
    "window",
    "--w",
    "1",
    "--n",
    "3",
    "--d",
    "1",
    "--delta",
    "0.25",
  );
  assert.equal(code, 0);
  assert.match(out, /contextual mapping 10 /);
  assert.match(out, /predicted contextual layers .* = 10/);
  assert.match(out, /c = 16 /);
  assert.match(out, /verified: yes/);
});

Deno.test("construct --json --ids: the documented keys, ids in grid order as decimal strings", async () => {
  const { code, out } = await construct(
    "--pattern",
    "strided",
    "--c",
    "2",
    "--n",
    "4",
    "--d",
    "1",
    "--delta",
    "1/4",
    "--json",
    "--ids",
  );
  assert.equal(code, 0);
  const result = JSON.parse(out);
  assert.equal(result.inputs, 256);
  assert.equal(result.layers.contextualMapping, 26);
  assert.equal(result.predictedContextualLayers, 26);
  assert.equal(result.c, 256);
  assert.equal(result.verified, true);
  assert.equal(result.ids.length, 256);
  assert.ok(
    result.ids.every((row: string[]) => row.length === 4 && row.every((id) => /^\d+$/.test(id))),
  );
  assert.equal(new Set(result.ids.flat()).size, 1024);
});

Deno.test("construct: an all-max constant that does not verify exits 1", async () => {
  const { code, out } = await construct(
    "--pattern",
    "star",
    "--n",
    "4",
    "--d",
    "1",
    "--delta",
    "0.25",
    "--shift-c",
    "4",
  );
  assert.equal(code, 1);
  assert.match(out, /verified: NO/);
});

Deno.test("construct: refused pattern and bad input exit 2 with one line", async () => {
  const refused: [string[], RegExp][] = [
    [
      ["--pattern", "strided-causal", "--c", "2", "--n", "4", "--d", "1", "--delta", "0.5"],
      /^construct: pattern = "strided-causal\(c=2\)": does not satisfy Assumption 1: \(3\) no mix/,
    ],
    [
      ["--pattern", "window", "--n", "4", "--d", "1", "--delta", "0.3"],
      /^construct: --delta = "0\.3": expected δ = 1\/K with K an integer ≥ 2 /,
    ],
    [
      ["--pattern", "window", "--n", "8", "--d", "2", "--delta", "0.25"],
      /^construct: --delta = "0\.25": the grid .* = 4\^\(8·2\) has 2\^32 inputs; the limit is 65/,
    ],
    [
      ["--pattern", "nope", "--n", "4", "--d", "1", "--delta", "0.5"],
      /^construct: --pattern = "nope": unknown pattern; known: dense, window, /,
    ],
  ];
  for (const [args, message] of refused) {
    const { code, err } = await construct(...args);
    assert.equal(code, 2, err);
    assert.equal(err.trim().split("\n").length, 1, err);
    assert.match(err.trim(), message, args.join(" "));
  }
});

/** Runs construct and asserts exit 2, nothing on stdout, and one stderr line holding `parts`. */
async function assertRefused(args: string[], parts: string[]) {
  const { code, out, err } = await construct(...args);
  const label = args.join(" ");
  assert.equal(code, 2, `${label}: exit code (${err})`);
  assert.equal(out, "", `${label}: nothing on stdout`);
  const lines = err.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${label}: one line, got ${err}`);
  assert.match(lines[0], /^construct: /);
  for (const part of parts) {
    assert.ok(lines[0].includes(part), `${label}: "${lines[0]}" lacks "${part}"`);
  }
}

Deno.test("construct: grids beyond 65,536 inputs are refused at once, before any layer", async () => {
  const window4 = ["--pattern", "window", "--w", "1", "--n", "4"];
  const started = performance.now();
  await assertRefused([...window4, "--d", "30", "--delta", "1/2"], [
    "--d = 30",
    "2^120 inputs",
    "the limit is 65536",
  ]);
  await assertRefused([...window4, "--d", "1", "--delta", "1/1000000"], [
    '--delta = "1/1000000"',
    "the limit is 65536",
  ]);
  await assertRefused([...window4, "--d", "1", "--delta", "0.000001"], [
    '--delta = "0.000001"',
    "the limit is 65536",
  ]);
  await assertRefused(["--pattern", "dense", "--n", "100000", "--d", "1", "--delta", "1/2"], [
    '--n = "100000"',
    "exceeds the limit 16",
  ]);
  await assertRefused(["--pattern", "window", "--n", "17", "--d", "1", "--delta", "1/2"], [
    '--n = "17"',
    "exceeds the limit 16",
  ]);
  assert.ok(performance.now() - started < 10_000, "five refusals in seconds, not minutes");
});

Deno.test("construct: bad flags, names and files are one line naming the flag", async () => {
  const base = ["--d", "1", "--delta", "1/2"];
  const cases: [string[], string[]][] = [
    [["--pattern", "constructor", "--n", "4", ...base], ['--pattern = "constructor": unknown']],
    [["--pattern", "__proto__", "--n", "4", ...base], ['--pattern = "__proto__": unknown']],
    [["--file", "/dev/zero", ...base], ['--file = "/dev/zero"', "a character device"]],
    [["--file", "f.json", "--pattern", "window", ...base], ['--file "f.json" and --pattern']],
    [["--file", "f.json", "--n", "4", ...base], ['--file "f.json" and --n = "4"']],
    [["--pattern", "window", "--n", "4", "--d", "1", "--d", "2", "--delta", "1/2"], [
      '--d = "2"',
      "given twice",
    ]],
    [["--pattern", "window", "--n", "4", "--d", "1.5", "--delta", "1/2"], ['--d = "1.5"']],
    [["--pattern", "window", "--n", "4", "--d", "1", "--delta", "1/0"], ['--delta = "1/0"']],
    [["--pattern", "window", "--n", "4", "--d", "1", "--delta", "0x4"], ['--delta = "0x4"']],
    [["--pattern", "window", "--n", "4", "--json=no", ...base], ['--json = "no"', "no value"]],
    [["--pattern", "window", "--n", "4", ...base, "--shift-c", "1e3"], ['--shift-c = "1e3"']],
  ];
  for (const [args, parts] of cases) await assertRefused(args, parts);
});

Deno.test("construct: a pattern file's name with control characters is printed escaped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/evil.json`;
    const name = "\u001b[2J\u009b31m\u007f";
    const patterns = [[[0, 1], [0, 1, 2], [1, 2, 3], [2, 3]]];
    await Deno.writeTextFile(file, JSON.stringify({ n: 4, name, patterns }));
    for (const json of [false, true]) {
      const args = ["--file", file, "--d", "1", "--delta", "1/2", ...(json ? ["--json"] : [])];
      const { code, out, err } = await construct(...args);
      assert.equal(code, 0, err);
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      if (json) assert.equal(JSON.parse(out).pattern, name);
      else assert.match(out, /^pattern \\u\{1b\}\[2J\\u\{9b\}31m\\u\{7f\}, n = 4/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
