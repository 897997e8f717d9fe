/**
 * `deno task pattern`: the JSON report agrees with brute force on pattern files it has never
 * seen, and every kind of bad input ends in one line on stderr and exit code 2.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { scheduleToJson } from "../../lib/pattern/mod.ts";
import { runTool } from "../support/run_tool.ts";
import { bruteForceHasPath, bruteForceReach, randomSchedule } from "../support/brute_force.ts";

const runPattern = (args: string[]) => runTool("pattern", args);

Deno.test("--json for a named pattern carries the required fields", async () => {
  const { code, stdout } = await runPattern([
    "--name",
    "strided",
    "--c",
    "8",
    "--n",
    "64",
    "--json",
  ]);
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.equal(report.selfLoops, true);
  assert.deepEqual(report.hamiltonianPath, Array.from({ length: 64 }, (_, i) => i));
  assert.equal(report.mixingDepth, 2);
  assert.equal(report.satisfiesAssumption1, true);
  assert.deepEqual(report.connections, [1016, 512]);
});

Deno.test("verdicts on unseen pattern files agree with brute force", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (let seed = 0; seed < 12; seed++) {
      const schedule = randomSchedule(90_000 + seed, 3 + (seed % 5), 1 + (seed % 2));
      const file = join(dir, `p${seed}.json`);
      await Deno.writeTextFile(file, JSON.stringify(scheduleToJson(schedule)));
      const { code, stdout } = await runPattern(["--file", file, "--json"]);
      assert.equal(code, 0);
      const report = JSON.parse(stdout);
      const hasPath = bruteForceHasPath(schedule);
      const reach = bruteForceReach(schedule);
      const selfLoops = schedule.patterns.every((p) => p.tokensWithoutSelfLoop().length === 0);
      assert.equal(report.hamiltonianPath !== null, hasPath, `seed ${seed}: path`);
      assert.equal(report.mixingDepth, reach.s, `seed ${seed}: mixing depth`);
      assert.equal(report.selfLoops, selfLoops, `seed ${seed}: self-loops`);
      assert.equal(report.satisfiesAssumption1, selfLoops && hasPath && reach.s !== null);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad input: one line naming the fault, exit code 2, no stack trace", async () => {
  const dir = await Deno.makeTempDir();
  const write = async (name: string, text: string) => {
    const path = join(dir, name);
    await Deno.writeTextFile(path, text);
    return path;
  };
  try {
    const cases: [string[], RegExp][] = [
      [["--file", await write("bad.json", "{ not json")], /malformed JSON/],
      [
        ["--file", await write("range.json", '{"n":2,"patterns":[[[0],[7]]]}')],
        /pattern 0 token 1 = 7/,
      ],
      [
        ["--file", await write("rows.json", '{"n":3,"patterns":[[[0],[1]]]}')],
        /pattern 0 rows = 2/,
      ],
      [
        ["--file", await write("empty.json", '{"n":2,"patterns":[[[0],[]]]}')],
        /token 1 = \[\]: A_k is empty/,
      ],
      [["--file", join(dir, "missing.json")], /missing\.json.*cannot be read/],
      [["--name", "hexagon", "--n", "8"], /--name = "hexagon": unknown pattern/],
      [["--name", "window", "--n", "8", "--c", "2"], /--c = "2": unknown flag/],
      [["--name", "window", "--n", "eight"], /--n = "eight": expected an integer/],
      [["--name", "window", "--n", "8", "--w", "-2"], /w = -2/],
      [["--name", "window"], /--n/],
      [["--name", "random", "--n", "4", "--sparsity", "0.99"], /sparsity = 0.99/],
      [[], /--name or --file/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await runPattern(args);
      assert.equal(code, 2, `${args.join(" ")}: exit code`);
      assert.equal(stdout, "", `${args.join(" ")}: nothing on stdout`);
      const lines = stderr.trim().split("\n");
      assert.equal(lines.length, 1, `${args.join(" ")}: one line, got ${stderr}`);
      assert.match(lines[0], /^pattern: /);
      assert.match(lines[0], message, args.join(" "));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs the tool and asserts exit 2, nothing on stdout, and one stderr line holding `parts`. */
async function assertRefused(args: string[], parts: string[]) {
  const { code, stdout, stderr } = await runPattern(args);
  const label = args.join(" ");
  assert.equal(code, 2, `${label}: exit code (${stderr})`);
  assert.equal(stdout, "", `${label}: nothing on stdout`);
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${label}: one line, got ${stderr}`);
  assert.match(lines[0], /^pattern: /);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(lines[0], /[\u0000-\u001f\u007f-\u009f]/, `${label}: no control characters`);
  for (const part of parts) {
    assert.ok(lines[0].includes(part), `${label}: "${lines[0]}" lacks "${part}"`);
  }
}

Deno.test("size bombs are refused at once with the flag, the value and the limit", async () => {
  const started = performance.now();
  await assertRefused(["--name", "dense", "--n", "100000"], ['--n = "100000"', "limit 65536"]);
  assert.ok(performance.now() - started < 5000, "refused before anything is built");
  await assertRefused(["--name", "window", "--w", "1", "--n", "1000000"], [
    '--n = "1000000"',
    "exceeds the limit 65536",
  ]);
  await assertRefused(["--name", "dense", "--n", "4097"], [
    "--n = 4097",
    "16785409 connections",
    "the limit is 16777216 connections",
  ]);
  await assertRefused(["--name", "strided", "--n", "65536"], ["--n = 65536", "16777216"]);
  await assertRefused(["--name", "random", "--n", "20000"], ["--n = 20000", "16777216"]);
});

Deno.test("a refused dense n = 100000 runs in a 64 MiB heap: nothing big is allocated", async () => {
  const tool = new URL("../../tools/pattern.ts", import.meta.url);
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--max-old-space-size=64",
      tool.href,
      "--name",
      "dense",
      "--n",
      "100000",
    ],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 2, stderr);
  assert.match(stderr, /^pattern: --n = "100000": exceeds the limit 65536 .*\n$/);
});

Deno.test("built-in object names are unknown patterns, listed with the known names", async () => {
  for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty"]) {
    await assertRefused(["--name", name, "--n", "8"], [
      `--name = "${name}": unknown pattern; known: dense, window, strided`,
    ]);
  }
});

Deno.test("repeated, valueless, conflicting and non-decimal flags are refused", async () => {
  const cases: [string[], string[]][] = [
    [["--name", "window", "--n", "8", "--n", "9"], ['--n = "9"', "given twice"]],
    [["--name", "window", "--n", "8", "--json=false"], ['--json = "false"', "takes no value"]],
    [["--name", "window", "--n", "8", "--json=1"], ['--json = "1"', "takes no value"]],
    [["--name", "window", "--n"], ["--n = undefined", "expected a value"]],
    [["--name", "window", "--n", "8", "--bogus"], ["--bogus = undefined", "unknown flag"]],
    [["--file", "f.json", "--name", "window"], ['--file "f.json" and --name = "window"']],
    [["--file", "f.json", "--w", "2"], ['--file "f.json" and --w = "2"']],
    [["--file", "f.json", "--n", "8"], ['--file "f.json" and --n = "8"']],
    [["--list", "--name", "window"], ['--name = "window": unknown flag']],
  ];
  for (const bad of ["0x10", "1e3", "+8", "8.", "Infinity", " 8", "-8"]) {
    cases.push([["--name", "window", "--n", bad], [`--n = ${JSON.stringify(bad)}`]]);
  }
  for (const [args, parts] of cases) await assertRefused(args, parts);
});

Deno.test("pattern files: devices, FIFOs, folders, oversized files and wide n are refused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const huge = join(dir, "huge.json");
    await Deno.writeTextFile(huge, "");
    await Deno.truncate(huge, 40 * 1024 * 1024); // sparse: no disk used
    const wide = join(dir, "wide.json");
    await Deno.writeTextFile(wide, '{"n":70000,"patterns":[[[0]]]}');
    const cases: [string, string[]][] = [
      ["/dev/zero", ['--file = "/dev/zero"', "a character device"]],
      [dir, ["a directory"]],
      [huge, ["is 41943040 bytes; the limit is 33554432 bytes"]],
      [wide, ["its n = 70000 exceeds the limit 65536"]],
      // a control character in the path is escaped, so the error stays on one line
      [join(dir, "new\nline\u001b[2J.json"), ["new\\nline\\u001b[2J.json", "cannot be read"]],
    ];
    const fifo = join(dir, "fifo");
    if ((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success) {
      cases.push([fifo, ["a FIFO"]]);
    }
    for (const [path, parts] of cases) await assertRefused(["--file", path], parts);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a pattern file's name with control characters is printed escaped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "evil.json");
    const name = "\u001b]0;owned\u0007\u001b[2J\u009bred\u007f";
    await Deno.writeTextFile(file, JSON.stringify({ n: 2, name, patterns: [[[0, 1], [0, 1]]] }));
    const json = await runPattern(["--file", file, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(json.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.equal(JSON.parse(json.stdout).name, name);
    const text = await runPattern(["--file", file]);
    assert.equal(text.code, 0, text.stderr);
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(text.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    assert.ok(text.stdout.includes("\\u{1b}]0;owned\\u{7}"), text.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
