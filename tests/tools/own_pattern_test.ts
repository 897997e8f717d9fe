/**
 * Bring your own pattern: `deno task experiment NAME --pattern-file FILE` trains the plan for a
 * pattern file into a folder of its own (never the committed results), saying whether the
 * pattern satisfies Assumption 1 and training it either way; `--compare DIR` prints where it
 * stands against each family at its sparsity (interpolated between the family's trained points,
 * out of range when they do not bracket it) and writes the figure with the pattern drawn in its
 * own colour. Trained here through the quick language-modelling plan at two seeds.
 */
import assert from "node:assert/strict";
import { Schedule, scheduleToJson, SparsityPattern } from "../../lib/pattern/mod.ts";
import { runTool } from "../support/run_tool.ts";

const NAME = "language-modeling";
/** The quick plan's sequence length. */
const N = 32;

async function experiment(args: string[], env: Record<string, string>) {
  const { code, stdout, stderr } = await runTool("experiment", args, env);
  return { code, stdout: stdout.trim(), stderr: stderr.trim() };
}

/** A pattern file of the token offsets `offsets` at length `n`. */
function writePattern(dir: string, name: string, offsets: number[], n = N): string {
  const pattern = SparsityPattern.fromPredicate(name, n, (k, j) => offsets.includes(j - k));
  const path = `${dir}/${name}.json`;
  Deno.writeTextFileSync(path, JSON.stringify(scheduleToJson(new Schedule(name, [pattern]))));
  return path;
}

interface Result {
  runId: string;
  pattern: string;
  sparsity: number;
  seed: number;
  final: Record<string, number>;
}

function results(dir: string): Result[] {
  return [...Deno.readDirSync(dir)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".json"))
    .map((entry) => JSON.parse(Deno.readTextFileSync(`${dir}/${entry.name}`)));
}

/** A family's per-seed metric at `level`, interpolated between its two bracketing points. */
function interpolatedMean(family: Result[], level: number): number {
  const seeds = [...new Set(family.map((r) => r.seed))];
  const values = seeds.map((seed) => {
    const points = family.filter((r) => r.seed === seed).sort((a, b) => a.sparsity - b.sparsity);
    const above = points.findIndex((p) => p.sparsity >= level);
    const [lo, hi] = [points[above - 1], points[above]];
    const t = (level - lo.sparsity) / (hi.sparsity - lo.sparsity);
    return lo.final.perplexity + t * (hi.final.perplexity - lo.final.perplexity);
  });
  return values.reduce((a, b) => a + b, 0) / values.length;
}

Deno.test("a pattern file trains on the quick plan and is compared with the families", async () => {
  const root = Deno.makeTempDirSync({ prefix: "lab own pattern " });
  const env = { RESULTS_DIR: root };
  try {
    // the families, at two seeds: the folder --compare reads for quick runs under RESULTS_DIR
    const families = await experiment([NAME, "--quick", "--seed", "0,1", "--jobs", "1"], env);
    assert.equal(families.code, 0, families.stderr);
    // a dilated window: neighbours up to 4 away and the tokens 8 away; sparsity 0.691 at n = 32
    const file = writePattern(root, "dilated", [0, 1, -1, 2, -2, 3, -3, 4, -4, 8, -8]);
    const trained = await experiment(
      [NAME, "--quick", "--pattern-file", file, "--seeds", "2", "--jobs", "1"],
      env,
    );
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(
      trained.stdout,
      /^file dilated at n = 32: sparsity 0\.6914, .*Assumption 1 holds$/m,
    );
    const own = `${root}/own-patterns/${NAME}/dilated`;
    const ownResults = results(own);
    assert.deepEqual(ownResults.map((r) => r.runId).sort(), [
      "file-dilated-L2-seed0",
      "file-dilated-L2-seed1",
    ]);
    assert.ok(
      ownResults.every((r) => r.pattern === "file" && Math.abs(r.sparsity - 708 / 1024) < 1e-12),
    );
    assert.ok(
      results(`${root}/${NAME}`).every((r) => r.pattern !== "file"),
      "the pattern's runs stay out of the families' folder",
    );
    // a scheduler addresses the pattern's runs as any plan's: --plan repeats --pattern-file
    const plan = await experiment(
      [NAME, "--quick", "--pattern-file", file, "--seeds", "2", "--plan"],
      env,
    );
    assert.deepEqual(
      plan.stdout.split("\n").map((line) => JSON.parse(line).command),
      [0, 1].map(
        (seed) =>
          `deno task experiment ${NAME} --quick --seeds 2 --pattern-file ${
            file.includes(" ") ? `'${file}'` : file
          } --run-id file-dilated-L2-seed${seed}`,
      ),
    );
    // again: resumed, nothing retrained
    const again = await experiment([NAME, "--quick", "--pattern-file", file, "--seeds", "2"], env);
    assert.match(again.stdout, /0 trained, 2 already done/);

    const compared = await experiment([NAME, "--compare", own], env);
    assert.equal(compared.code, 0, compared.stderr);
    const lines = compared.stdout.split("\n");
    assert.match(
      lines[0],
      /^language-modeling \(quick\): dilated, sparsity 0\.6914, mixing depth \d+; Assumption 1 holds$/,
    );
    const row = (family: string) => {
      const line = lines.find((l) => l.startsWith(family.padEnd(30)));
      assert.ok(line, `a row for ${family}:\n${compared.stdout}`);
      return line;
    };
    // strided sequential's curve brackets 0.691: interpolated per seed, as computed here
    const familyResults = results(`${root}/${NAME}`);
    const strided = familyResults.filter((r) => r.runId.startsWith("strided-sequential-"));
    const expected = interpolatedMean(strided, 708 / 1024);
    const stridedRow = row("strided sequential");
    assert.match(stridedRow, /0\.691 interpolated/);
    assert.match(stridedRow, new RegExp(` ${expected.toFixed(3)} `));
    assert.match(stridedRow, /(better|worse|no difference)$/);
    // window-relay's quick curve ends below it: out of range, not extrapolated
    assert.match(row("window-relay"), /trained 0\.\d+–0\.6\d+ only .* out of range$/);
    assert.match(row("dense"), /its own 0\.000/);
    const figure = `${own}/${NAME}-dilated`;
    const html = Deno.readTextFileSync(`${figure}.html`);
    assert.match(html, /your pattern: dilated · 69\.1% sparse/);
    assert.match(html, /#e6007e/, "drawn in its own colour");
    if (!/no SVG/.test(compared.stdout)) {
      assert.match(Deno.readTextFileSync(`${figure}.svg`), /your pattern: dilated/);
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a pattern failing Assumption 1 trains anyway; a wrong n is refused in one line", async () => {
  const root = Deno.makeTempDirSync({ prefix: "lab own pattern " });
  const env = { RESULTS_DIR: root };
  try {
    // even offsets only: odd and even tokens never mix
    const even = writePattern(root, "even", [0, 2, -2, 4, -4]);
    const trained = await experiment(
      [NAME, "--quick", "--pattern-file", even, "--seeds", "1"],
      env,
    );
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(
      trained.stdout,
      /^file even at n = 32: .*never mixes; Assumption 1 fails \(trained anyway: .+\)$/m,
    );
    assert.equal(results(`${root}/own-patterns/${NAME}/even`).length, 1);

    const wide = writePattern(root, "wide", [0, 1, -1], 64);
    const refused = await experiment([NAME, "--quick", "--pattern-file", wide], env);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.split("\n").length, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /--pattern-file = ".*wide\.json": its n = 64; the quick plan of language-modeling trains at n = 32$/,
    );
    const cases: [string[], RegExp][] = [
      [
        ["--pattern-file", even, "--pattern", "strided"],
        /--pattern-file .* and --pattern.*conflict/,
      ],
      [["--pattern-file", even, "--seeds", "2", "--seed", "1"], /--seeds .* and --seed.*conflict/],
      [["--pattern-file", even, "--commit"], /--commit.*only with --pattern-file and --full/],
      [
        ["--compare", root],
        /--compare = ".*": holds no run of a pattern file on language-modeling/,
      ],
      [["--compare", root, "--seed", "1"], /--seed.*not with --compare/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await experiment(
        [NAME, "--quick", ...args].filter((a) => !(args[0] === "--compare" && a === "--quick")),
        env,
      );
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.equal(stderr.split("\n").length, 1, stderr);
      assert.match(stderr, message);
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
