/** `deno task experiment` on bad input: one line, exit code 2, no result file written. */
import assert from "node:assert/strict";
import { pathFromUrl } from "../../lib/util/system.ts";

const tool = pathFromUrl("../../tools/experiment.ts", import.meta.url);
const cache = pathFromUrl("../../data/cache/", import.meta.url);

/** Every file (not folder) under `dir`, recursively, as paths relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) =>
    entry.isDirectory
      ? filesUnder(`${dir}/${entry.name}`, `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`]
  );
}

async function experiment(args: string[], env: Record<string, string> = {}) {
  const resultsDir = Deno.makeTempDirSync();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", tool, ...args],
    env: { RESULTS_DIR: resultsDir, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const files = filesUnder(resultsDir).length;
  Deno.removeSync(resultsDir, { recursive: true });
  return {
    code: output.code,
    stderr: new TextDecoder().decode(output.stderr).trim(),
    stdout: new TextDecoder().decode(output.stdout).trim(),
    files,
  };
}

async function refused(args: string[], message: RegExp, env?: Record<string, string>) {
  const { code, stderr, files } = await experiment(args, env);
  assert.equal(code, 2, stderr);
  assert.equal(stderr.split("\n").length, 1, `one line: ${stderr}`);
  assert.match(stderr, message);
  assert.equal(files, 0, "no partial result files");
}

Deno.test("unknown experiment, pattern, configuration and flag are refused", async () => {
  await refused(
    ["translation", "--quick"],
    /experiment = "translation".*copying, language-modeling/,
  );
  await refused(["copying", "--pattern", "spiral"], /--pattern = "spiral": unknown pattern/);
  await refused(["seq2seq", "--configuration", "interleaved"], /--configuration = "interleaved"/);
  await refused(["copying", "--pattern", "star", "--configuration", "union"], /no pattern/);
  await refused(["copying", "--epochs", "3"], /--epochs.*unknown flag/);
  await refused([], /experiment = undefined: expected one name \(copying, .*; see --help\)$/);
  await refused(["copying", "seq2seq"], /experiment = "copying seq2seq": expected one name/);
  assert.doesNotMatch((await experiment([])).stderr, /\\u\{a\}|usage:/, "no usage text folded in");
});

Deno.test("a sparsity level the pattern cannot reach names the levels it can", async () => {
  await refused(
    ["seq2seq", "--full", "--pattern", "strided", "--configuration", "union", "--sparsity", "0.9"],
    /--sparsity = 0.9: strided union at n=128 cannot reach it.*reaches 0.246, /,
  );
});

Deno.test("a data set failing its checksum is refused before any result is written", async () => {
  const dir = Deno.makeTempDirSync();
  for (const entry of Deno.readDirSync(cache)) {
    Deno.copyFileSync(cache + entry.name, `${dir}/${entry.name}`);
  }
  const path = `${dir}/moby-dick-chars.json`;
  Deno.writeTextFileSync(path, Deno.readTextFileSync(path).replace("whale", "whalf"));
  await refused(
    ["language-modeling", "--quick", "--pattern", "dense"],
    /data set "moby-dick-chars".*checksum mismatch/,
    { DATA_CACHE_DIR: dir },
  );
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("--dry-run lists the plan with the exact achieved sparsity of each run", async () => {
  const { code, stdout } = await experiment(["copying", "--dry-run", "--pattern", "random"]);
  assert.equal(code, 0);
  assert.match(stdout, /random-single-s0.65-L1-seed0 +sparsity 0.6484/);
});

Deno.test("names that only an object inherits are not experiments, patterns or configurations", async () => {
  for (const name of ["__proto__", "constructor", "toString"]) {
    await refused([name, "--dry-run"], new RegExp(`^experiment: experiment = "${name}": unknown`));
  }
  await refused(["copying", "--pattern", "__proto__"], /--pattern = "__proto__": unknown pattern/);
  await refused(
    ["copying", "--configuration", "constructor"],
    /--configuration = "constructor": unknown configuration/,
  );
});

Deno.test("an unusable RESULTS_DIR: one line naming it, its value and why, exit 2", async () => {
  const scratch = Deno.makeTempDirSync({ prefix: "results dir %41 " });
  const file = `${scratch}/a file`;
  Deno.writeTextFileSync(file, "not a folder");
  const cases: [string, RegExp][] = [
    [file, /is a file, not a folder/],
    [`${file}/results`, /cannot be created \(Not a directory\)/],
    ["/proc/lab-results", /cannot be created \(No such file or directory\)/],
    ["/proc/self", /is not writable/],
  ];
  for (const [value, why] of cases) {
    const { code, stderr, files } = await experiment(
      ["copying", "--quick", "--pattern", "dense", "--layers", "1"],
      { RESULTS_DIR: value },
    );
    assert.equal(code, 2, stderr);
    assert.equal(stderr.split("\n").length, 1, `one line: ${stderr}`);
    assert.ok(stderr.startsWith(`experiment: RESULTS_DIR = ${JSON.stringify(value)}: `), stderr);
    assert.match(stderr, why);
    assert.equal(files, 0);
  }
  assert.deepEqual(filesUnder(scratch), ["a file"], "nothing written beside the file");
  Deno.removeSync(scratch, { recursive: true });
});

Deno.test("a sweep removes stale temporaries and names a corrupt result before redoing it", async () => {
  const root = Deno.makeTempDirSync({ prefix: "results %2e " });
  const dir = `${root}/copying`;
  Deno.mkdirSync(dir);
  const runId = "dense-single-full-L1-seed0";
  // the name an atomic write of a process that no longer runs leaves (pids stay below 2^22)
  const stale = `${runId}.json.4999999.0123abcd.tmp`;
  Deno.writeTextFileSync(`${dir}/${stale}`, '{"half": ');
  Deno.writeTextFileSync(`${dir}/${runId}.json`, "{ interrupted");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", tool, "copying", "--quick", "--pattern", "dense", "--layers", "1"],
    env: { RESULTS_DIR: root, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr).trim();
  assert.equal(output.code, 0, stderr);
  const lines = stderr.split("\n");
  assert.deepEqual(lines, [
    `experiment: removed 1 temporary file(s) an interrupted write left in ${dir}: ${stale}`,
    `experiment: ${dir}/${runId}.json is corrupt (not valid JSON (Expected property name or ` +
    `'}' in JSON at position 2 (line 1 column 3))); running it again`,
  ]);
  assert.deepEqual(filesUnder(root), [`copying/${runId}.json`], "no temporary file is left");
  const result = JSON.parse(Deno.readTextFileSync(`${dir}/${runId}.json`));
  assert.equal(result.runId, runId);
  assert.match(result.codeVersion, /^[0-9a-f]{40}(\+dirty)?$/, "the checkout's commit");
  assert.equal(result.curve.length, 25, "the quick budget's 25 steps were trained");
  Deno.removeSync(root, { recursive: true });
});

Deno.test("--jobs outside 1..cores, or not an integer: one line naming it, exit 2", async () => {
  const cores = navigator.hardwareConcurrency;
  const cases: [string, RegExp][] = [
    ["0", /^experiment: --jobs = "0": expected an integer >= 1$/],
    [
      String(cores + 1),
      new RegExp(
        `^experiment: --jobs = "${
          cores + 1
        }": exceeds the limit ${cores} \\(the machine's cores\\)$`,
      ),
    ],
    ["1.5", /^experiment: --jobs = "1.5": expected an integer \(decimal digits, e\.g\. 8\)$/],
    ["x", /^experiment: --jobs = "x": expected an integer/],
  ];
  for (const [value, message] of cases) {
    await refused(["copying", "--quick", "--pattern", "dense", "--jobs", value], message);
  }
  await refused(["copying", "--quick", "--jobs"], /^experiment: --jobs/);
});

Deno.test("--help names --jobs with the machine's cores as its limit and default", async () => {
  const { code, stdout } = await experiment(["--help"]);
  assert.equal(code, 0);
  const cores = navigator.hardwareConcurrency;
  assert.ok(
    stdout.includes(`--jobs N: runs trained at once, each in its own process (1 to ${cores}`),
    stdout,
  );
  assert.ok(stdout.includes(`default ${cores})`), stdout);
});
