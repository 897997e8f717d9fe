/**
 * The command-line parser and the checks every tool shares, as library calls: repeated,
 * valueless and conflicting flags, decimal-only numbers, the size limits (grid, layer plan,
 * pattern file, connections) refused before anything is allocated, own-property registry
 * lookups, and printable() for control characters.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  integerFlag,
  listFlag,
  numberFlag,
  parseFlags,
  rejectConflicts,
  rejectUnknownFlags,
} from "../../tools/cli/flags.ts";
import { scheduleFromFlags } from "../../tools/cli/pattern_flags.ts";
import { readPatternFileText } from "../../lib/pattern/pattern_file.ts";
import { requireEnumerableGrid, requirePlannableLayers } from "../../lib/construction/grid.ts";
import { layerCounts } from "../../lib/construction/counts.ts";
import { slidingWindow, star } from "../../lib/pattern/zoo.ts";
import { InputError } from "../../lib/util/errors.ts";
import {
  MAX_CONSTRUCT_N,
  MAX_EXHAUSTIVE_INPUTS,
  MAX_PATTERN_CONNECTIONS,
  MAX_PATTERN_FILE_BYTES,
  MAX_PATTERN_N,
  MAX_PLANNED_LAYERS,
} from "../../lib/util/limits.ts";
import { printable, printableJson } from "../../lib/util/text.ts";

/** Asserts that `run` throws an InputError whose message holds every one of `parts`. */
function assertInputError(run: () => unknown, parts: (string | RegExp)[], label = "") {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof InputError, `${label}: expected an InputError, got ${caught}`);
  for (const part of parts) {
    if (typeof part === "string") {
      assert.ok(caught.message.includes(part), `${label}: "${caught.message}" lacks "${part}"`);
    } else {
      assert.match(caught.message, part, label);
    }
  }
  return caught;
}

Deno.test("parseFlags reads --key value, --key=value, booleans and positionals", () => {
  const parsed = parseFlags(
    ["--n", "8", "--w=-2", "--json", "--out=--odd-name", "--shift", "-3", "extra"],
    ["json"],
  );
  assert.deepEqual([...parsed.flags], [
    ["n", "8"],
    ["w", "-2"],
    ["json", true],
    ["out", "--odd-name"],
    ["shift", "-3"],
  ]);
  assert.deepEqual(parsed.positional, ["extra"]);
});

Deno.test("a flag given twice is an error naming the flag and both values", () => {
  assertInputError(() => parseFlags(["--n", "8", "--n", "9"]), [
    '--n = "9"',
    'first "8"',
    "given twice",
  ]);
  assertInputError(() => parseFlags(["--n=8", "--n", "8"]), ["--n", "given twice"]);
  assertInputError(() => parseFlags(["--json", "--json"], ["json"]), ["--json", "given twice"]);
});

Deno.test("a boolean flag takes no value: --json=false and --json=1 are errors", () => {
  for (const value of ["false", "1", "true", ""]) {
    assertInputError(() => parseFlags([`--json=${value}`], ["json"]), [
      `--json = "${value}"`,
      "takes no value",
    ], value);
  }
});

Deno.test("a flag missing its value is an error naming the flag, when read or checked", () => {
  for (
    const args of [["--n"], ["--n", "--json"], ["--n="], ["--name", "window", "--n"], ["--n", ""]]
  ) {
    const parsed = parseFlags(args, ["json"]);
    assert.deepEqual(parsed.valueless, ["n"], args.join(" "));
    assertInputError(() => parsed.flags.get("n"), ["--n", "expected a value"], args.join(" "));
    assertInputError(() => parsed.flags.has("n"), ["--n", "expected a value"], args.join(" "));
    assertInputError(
      () => rejectUnknownFlags(parsed, ["n", "name", "json"]),
      ["--n", "expected a value"],
      args.join(" "),
    );
  }
  assertInputError(() => parseFlags(["--=8"]), ['flag = "--=8"']);
  assertInputError(() => parseFlags(["--n", "--n", "8"]), ["--n", "given twice"]);
  assertInputError(() => parseFlags(["--n", "8", "--n"]), ["--n", "given twice"]);
});

Deno.test("an unknown flag given last, without a value, is named as unknown", () => {
  const parsed = parseFlags(["--name", "window", "--bogus"], ["json"]);
  assert.equal(parsed.flags.get("name"), "window");
  assertInputError(() => rejectUnknownFlags(parsed, ["name", "n", "json"]), [
    "--bogus = undefined",
    "unknown flag; known: --name, --n, --json",
  ]);
});

Deno.test("unknown flags name the flag, with control characters escaped", () => {
  const parsed = parseFlags(["--bad\u001b[2J", "1"]);
  const error = assertInputError(() => rejectUnknownFlags(parsed, ["n"]), [
    "--bad\\u{1b}[2J",
    "unknown flag; known: --n",
  ]);
  assert.ok(!error.message.includes("\u001b"));
});

Deno.test("rejectConflicts names both flags and only fires when both are given", () => {
  const both = parseFlags(["--file", "f.json", "--name", "window"]);
  assertInputError(() => rejectConflicts(both, "file", ["name", "w"], "one or the other"), [
    '--file "f.json" and --name = "window"',
    "conflict (one or the other)",
  ]);
  const parameter = parseFlags(["--w", "2", "--file", "f.json"]);
  assertInputError(() => rejectConflicts(parameter, "file", ["name", "w"]), [
    '--file "f.json" and --w = "2"',
  ]);
  const booleans = parseFlags(["--random", "--model", "m"], ["random"]);
  assertInputError(() => rejectConflicts(booleans, "random", "model"), [
    '--random and --model = "m"',
  ]);
  rejectConflicts(parseFlags(["--file", "f.json", "--json"], ["json"]), "file", ["name", "w"]);
  rejectConflicts(parseFlags(["--name", "window", "--w", "2"]), "file", ["name", "w"]);
});

Deno.test("numbers are plain decimals: hex, exponents, signs, blanks and Infinity are refused", () => {
  assert.equal(numberFlag("x", "8"), 8);
  assert.equal(numberFlag("x", "-2"), -2);
  assert.equal(numberFlag("x", "0.25"), 0.25);
  assert.equal(numberFlag("x", "007"), 7);
  for (
    const bad of ["0x10", "1e3", "+8", "8.", ".5", " 8", "8 ", "Infinity", "NaN", "", "1/2", "1_0"]
  ) {
    assertInputError(() => numberFlag("x", bad), [`--x = ${JSON.stringify(bad)}`], bad);
  }
  assertInputError(() => numberFlag("x", true), ["--x = true", "expected a number"]);
});

Deno.test("integers are decimal digits with an optional minus, within their limit", () => {
  assert.equal(integerFlag("n", "16"), 16);
  assert.equal(integerFlag("w", "-3"), -3);
  assert.equal(integerFlag("n", "65536", 1, 65_536), 65_536);
  for (const bad of ["2.5", "0x10", "1e3", "+8", " 8", "Infinity", "8."]) {
    assertInputError(() => integerFlag("n", bad), [`--n = ${JSON.stringify(bad)}`, "integer"]);
  }
  assertInputError(() => integerFlag("n", "100000", 1, 65_536, "the analysis"), [
    '--n = "100000"',
    "exceeds the limit 65536 (the analysis)",
  ]);
  assertInputError(() => integerFlag("n", "0", 1, 65_536), [
    '--n = "0"',
    "expected an integer >= 1",
  ]);
  // beyond 2^53 a digit string no longer round-trips: refused rather than rounded
  assertInputError(() => integerFlag("seed", "9007199254740993"), [
    '--seed = "9007199254740993"',
    "exceeds the limit 9007199254740991",
  ]);
});

Deno.test("the grid limit is decided on logarithms, naming the parameter at fault", () => {
  assert.equal(MAX_EXHAUSTIVE_INPUTS, 65_536);
  assert.equal(MAX_CONSTRUCT_N, 16);
  const names = { n: "--n", d: "--d", delta: "--delta" };
  assert.equal(requireEnumerableGrid(8, 2, 2, MAX_EXHAUSTIVE_INPUTS, names), 65_536);
  assert.equal(requireEnumerableGrid(3, 1, 4, MAX_EXHAUSTIVE_INPUTS, names), 64);
  assert.equal(requireEnumerableGrid(10, 1, 3, MAX_EXHAUSTIVE_INPUTS, names), 59_049);
  const started = performance.now();
  assertInputError(() => requireEnumerableGrid(4, 30, 2, MAX_EXHAUSTIVE_INPUTS, names), [
    "--d = 30",
    "2^120 inputs",
    "the limit is 65536",
  ]);
  assertInputError(
    () =>
      requireEnumerableGrid(4, 1, 1_000_000, MAX_EXHAUSTIVE_INPUTS, {
        ...names,
        deltaText: "0.000001",
      }),
    ['--delta = "0.000001"', "the limit is 65536"],
  );
  assertInputError(() => requireEnumerableGrid(40, 1, 2, MAX_EXHAUSTIVE_INPUTS, names), [
    "--n = 40",
    "the limit is 65536",
  ]);
  assertInputError(() => requireEnumerableGrid(9, 2, 2), ["d = 2", "2^18 inputs", "65536"]);
  assertInputError(() => requireEnumerableGrid(2, 1, 2 ** 40), ['delta = "1/1099511627776"']);
  assert.ok(performance.now() - started < 50, "no power is formed, nothing enumerated");
});

Deno.test("layer counts refuse a plan above MAX_PLANNED_LAYERS before planning a layer", () => {
  assert.equal(MAX_PLANNED_LAYERS, 1_048_576);
  requirePlannableLayers(2, 16, 2, 4); // the notebooks' largest: 2·15·16 layers
  assertInputError(() => requirePlannableLayers(1, 4, 30, 2), ["d = 30", "the limit is 1048576"]);
  assertInputError(() => requirePlannableLayers(1, 4, 1, 1_000_000), [
    'delta = "1/1000000"',
    "the limit is 1048576",
  ]);
  const started = performance.now();
  assertInputError(() => layerCounts(slidingWindow({ n: 4, w: 1 }), { d: 30, delta: 0.5 }), [
    "d = 30",
  ]);
  assertInputError(() => layerCounts(slidingWindow({ n: 4, w: 1 }), { d: 1, delta: 1e-6 }), [
    "delta",
  ]);
  assert.ok(performance.now() - started < 1000, "refused before the plan is built");
  assert.equal(layerCounts(star({ n: 4 }), { d: 1, delta: 0.25 }).contextualMapping, 14);
});

Deno.test("pattern files: only a regular file within the byte limit is read", async () => {
  assert.equal(MAX_PATTERN_FILE_BYTES, 2 * MAX_PATTERN_CONNECTIONS);
  const dir = await Deno.makeTempDir();
  try {
    const small = join(dir, "small.json");
    await Deno.writeTextFile(small, '{"n":1,"patterns":[[[0]]]}');
    assert.equal(await readPatternFileText(small, 100), '{"n":1,"patterns":[[[0]]]}');
    const refusals: [string, number, string[]][] = [
      ["/dev/zero", 100, ['--file = "/dev/zero"', "a character device"]],
      [dir, 100, [`--file = ${JSON.stringify(dir)}`, "a directory"]],
      [small, 10, ["is 26 bytes; the limit is 10 bytes"]],
      [join(dir, "missing.json"), 100, ["missing.json", "cannot be read (no such file)"]],
    ];
    const fifo = join(dir, "fifo");
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output().catch(() => null);
    if (made?.success) refusals.push([fifo, 100, ["a FIFO"]]); // refused from its stat, never opened
    for (const [path, limit, parts] of refusals) {
      let caught: unknown;
      try {
        await readPatternFileText(path, limit);
      } catch (error) {
        caught = error;
      }
      assert.ok(caught instanceof InputError, path);
      for (const part of parts) assert.ok(caught.message.includes(part), caught.message);
    }
    // a sparse 64 MiB file is refused from its size alone
    const huge = join(dir, "huge.json");
    await Deno.writeTextFile(huge, "");
    await Deno.truncate(huge, 2 * MAX_PATTERN_FILE_BYTES);
    const parsed = parseFlags(["--file", huge]);
    assert.throws(
      () => scheduleFromFlags(parsed, { nameFlag: "name", toolFlags: [] }),
      (error: Error) =>
        error instanceof InputError &&
        error.message.includes(`is ${2 * MAX_PATTERN_FILE_BYTES} bytes`) &&
        error.message.includes(`the limit is ${MAX_PATTERN_FILE_BYTES} bytes`),
    );
    // a file whose n exceeds the tool's limit is refused before the schedule is built
    const wide = join(dir, "wide.json");
    await Deno.writeTextFile(wide, '{"n":100000,"patterns":[[[0]]]}');
    assert.throws(
      () => scheduleFromFlags(parseFlags(["--file", wide]), { nameFlag: "name", toolFlags: [] }),
      /--file = ".*wide\.json": its n = 100000 exceeds the limit 65536/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scheduleFromFlags: own-property names, conflicts, and sparse patterns up to n = 65,536", async () => {
  const build = (args: string[], maxN?: number) =>
    scheduleFromFlags(parseFlags(args, ["json"]), { nameFlag: "name", toolFlags: ["json"], maxN });
  for (const name of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
    assert.throws(
      () => build(["--name", name, "--n", "8"]),
      (error: Error) =>
        error instanceof InputError &&
        error.message.startsWith(`--name = "${name}": unknown pattern; known: dense, window,`),
      name,
    );
  }
  assert.throws(
    () => build(["--file", "f.json", "--name", "window"]),
    /--file "f\.json" and --name/,
  );
  assert.throws(() => build(["--file", "f.json", "--c", "2"]), /--file "f\.json" and --c/);
  assert.throws(() => build(["--name", "window", "--n", "8", "--w", "-2"]), /--w = -2/);
  assert.throws(
    () => build(["--name", "dense", "--n", "4097"]),
    /--n = 4097: pattern "dense" with these parameters has up to 16785409 connections; the limit is 16777216/,
  );
  assert.throws(
    () => build(["--name", "window", "--n", "20"], 16),
    /--n = "20": exceeds the limit 16/,
  );
  assert.equal(MAX_PATTERN_N, 65_536);
  const n = String(MAX_PATTERN_N);
  const started = performance.now();
  const sparse = [
    [await build(["--name", "window", "--w", "1", "--n", n]), 3 * 65_536 - 2],
    [await build(["--name", "star", "--n", n]), 5 * 65_536 - 6],
    [await build(["--name", "longformer", "--n", n]), 5 * 65_536 - 6],
  ] as const;
  for (const [schedule, connections] of sparse) {
    assert.equal(schedule.n, 65_536);
    assert.equal(schedule.patterns[0].connections, connections, schedule.name);
  }
  const bigbird = await build(["--name", "bigbird", "--r", "2", "--n", n]);
  assert.ok(bigbird.patterns[0].connections <= 7 * 65_536, "bigbird is O(n)");
  assert.ok(performance.now() - started < 20_000, "built in seconds, not minutes");
});

Deno.test("printable escapes C0, C1 and DEL as \\u{..}; printableJson keeps the JSON value", () => {
  assert.equal(printable("\u001b[31mred\u0007"), "\\u{1b}[31mred\\u{7}");
  assert.equal(printable("a\nb\r\tc"), "a\\u{a}b\\u{d}\\u{9}c");
  assert.equal(
    printable("del\u007f csi\u009b nbsp\u00a0 é ∑"),
    "del\\u{7f} csi\\u{9b} nbsp\u00a0 é ∑",
  );
  assert.equal(printable("plain text"), "plain text");
  const value = { name: "\u001b]0;title\u0007\u0085\u009b\u007f", n: 2 };
  const line = printableJson(value);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f]/);
  assert.deepEqual(JSON.parse(line), value);
});

Deno.test("listFlag splits a comma list and names the flag for an empty list or item", () => {
  assert.equal(listFlag("n", undefined), undefined);
  assert.deepEqual(listFlag("pattern", "window, star"), ["window", "star"]);
  for (const bad of [true, "", "a,,b", "a,"] as const) {
    assert.throws(
      () => listFlag("pattern", bad),
      (error: unknown) =>
        error instanceof InputError && /^--pattern = .*comma-separated list/.test(error.message),
    );
  }
});
