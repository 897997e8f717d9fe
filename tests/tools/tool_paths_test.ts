/**
 * The tools run from a checkout whose path holds a space and a `%` (a copy made by
 * awkwardCheckout): every file they write lands inside that copy, at the decoded path, and a
 * copy without git records that it has no commit instead of borrowing one.
 */
import assert from "node:assert/strict";
import { awkwardCheckout } from "../support/awkward_checkout.ts";
import { runTool } from "../support/run_tool.ts";
import { sha256 } from "../../lib/util/system.ts";

/** Every file under `dir`, recursively, relative to it. */
function filesUnder(dir: string, prefix = ""): string[] {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return entries.flatMap((entry) =>
    entry.isDirectory
      ? filesUnder(`${dir}/${entry.name}`, `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`]
  ).sort();
}

Deno.test("experiment, bench and pattern work from a checkout at a path with a space and a %", async () => {
  const copy = await awkwardCheckout();
  const { root } = copy;
  assert.match(root, / .*%/);
  const parent = root.slice(0, root.lastIndexOf("/"));
  const beside = filesUnder(parent).filter((file) =>
    !file.startsWith(root.slice(parent.length + 1))
  );
  try {
    // experiment: the quickest run of the quickest experiment, to the default quick folder
    const experiment = await runTool(
      "experiment",
      ["copying", "--quick", "--pattern", "dense", "--layers", "1"],
      {},
      root,
    );
    assert.equal(experiment.code, 0, experiment.stderr);
    const quick = `${root}/out/results-quick/copying`;
    assert.deepEqual(filesUnder(quick), ["dense-single-full-L1-seed0.json"]);
    const result = JSON.parse(Deno.readTextFileSync(`${quick}/dense-single-full-L1-seed0.json`));
    assert.equal(result.codeVersion, "unknown (not a git checkout)", "the copy has no .git");
    assert.equal(result.curve.length, 25);
    assert.ok(experiment.stdout.includes(`1 results in ${quick} `), experiment.stdout);

    // bench: a tiny ad-hoc run goes to the copy's out/bench/, data/bench/ is left alone
    const committed = sha256(Deno.readFileSync(`${root}/data/bench/attention.json`));
    const bench = await runTool(
      "bench",
      ["--pattern", "window", "--n", "8", "--impl", "sparse"],
      {},
      root,
    );
    assert.equal(bench.code, 0, bench.stderr);
    assert.deepEqual(filesUnder(`${root}/out/bench`), ["attention.json", "attention.md"]);
    const records = JSON.parse(Deno.readTextFileSync(`${root}/out/bench/attention.json`)).records;
    assert.deepEqual(records.map((r: { pattern: string; n: number }) => `${r.pattern}/${r.n}`), [
      "window/8",
    ]);
    assert.equal(sha256(Deno.readFileSync(`${root}/data/bench/attention.json`)), committed);

    // pattern: reads nothing outside the copy and prints its report
    const pattern = await runTool(
      "pattern",
      ["--name", "window", "--w", "1", "--n", "8"],
      {},
      root,
    );
    assert.equal(pattern.code, 0, pattern.stderr);
    assert.match(pattern.stdout, /window/);

    // nothing was written beside the copy (a mis-decoded path would land there or elsewhere)
    assert.deepEqual(
      filesUnder(parent).filter((file) => !file.startsWith(root.slice(parent.length + 1))),
      beside,
    );
    assert.deepEqual(filesUnder(root).filter((file) => file.endsWith(".tmp")), []);
  } finally {
    await copy.remove();
  }
});
