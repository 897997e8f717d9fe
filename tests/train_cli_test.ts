/** `deno task experiment` on bad input: one line, exit code 2, no result file written. */
import assert from "node:assert/strict";

const tool = new URL("../tools/experiment.ts", import.meta.url).pathname;
const cache = new URL("../data/cache/", import.meta.url).pathname;

async function experiment(args: string[], env: Record<string, string> = {}) {
  const resultsDir = Deno.makeTempDirSync();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", tool, ...args],
    env: { RESULTS_DIR: resultsDir, NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const files = [...Deno.readDirSync(resultsDir)].length;
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
});

Deno.test("a sparsity level the pattern cannot reach names the levels it can", async () => {
  await refused(
    ["seq2seq", "--full", "--pattern", "strided", "--configuration", "union", "--sparsity", "0.9"],
    /--sparsity = 0.9: strided union at n=32 cannot reach it.*reaches 0.234, 0.262/,
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
