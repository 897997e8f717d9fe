/**
 * `deno task pattern`: the JSON report agrees with brute force on pattern files it has never
 * seen, and every kind of bad input ends in one line on stderr and exit code 2.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { scheduleToJson } from "../lib/pattern/mod.ts";
import { runTool } from "./support/run_tool.ts";
import { bruteForceHasPath, bruteForceReach, randomSchedule } from "./support/brute_force.ts";

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
