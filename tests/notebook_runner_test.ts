/**
 * The notebook runner's failure paths: errors that escape a cell asynchronously, a cell that
 * does not parse, a kernel that dies, bad --notebooks / --out, and a checkout whose path holds
 * a space and a `%`. Each fixture run starts a Deno kernel (seconds), so the failing fixtures
 * share one run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { explainUnparsedCell, parseExecutorFailure } from "../tools/runner/cell_error.ts";
import { missingPrerequisites } from "../tools/runner/jupyter.ts";
import { cellSource, readNotebook } from "../tools/runner/notebook.ts";
import { describeFailure, reproduce } from "../tools/runner/reproduce.ts";
import { pathFromUrl } from "../lib/util/system.ts";
import { awkwardCheckout } from "./support/awkward_checkout.ts";
import { runTool } from "./support/run_tool.ts";

const fixtures = pathFromUrl("./fixtures", import.meta.url);
const missing = await missingPrerequisites(true);
if (missing !== undefined) console.warn(`skipping notebook execution tests: ${missing}`);

/** Every file under `dir` (relative paths), sorted. */
async function listTree(dir: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory) found.push(...await listTree(dir, path));
    else found.push(path);
  }
  return found.sort();
}

/** A pid no process has now, for a temporary file an interrupted writer left behind. */
function deadPid(): number {
  for (let pid = 4_000_000;; pid--) {
    try {
      Deno.statSync(`/proc/${pid}`);
    } catch {
      return pid;
    }
  }
}

Deno.test("parseExecutorFailure: every kind of report becomes one line naming what happened", () => {
  const line = (report: object) => JSON.stringify(report) + "\n";
  assert.deepEqual(
    parseExecutorFailure(line({ cell: 2, ename: "Error", evalue: "late", kind: "callback" }), ""),
    { cell: 2, message: "Error: late (thrown asynchronously by a callback the cell scheduled)" },
  );
  assert.deepEqual(
    parseExecutorFailure(line({ cell: 4, ename: "Error", evalue: "x", kind: "error" }), ""),
    {
      cell: 4,
      message: "Error: x (thrown asynchronously; surfaced while the cell ran or after it)",
    },
  );
  assert.deepEqual(
    parseExecutorFailure(
      line({ cell: 1, ename: "RangeError", evalue: "r", kind: "rejection" }),
      "",
    ),
    { cell: 1, message: "RangeError: r (an unhandled promise rejection)" },
  );
  assert.deepEqual(
    parseExecutorFailure(
      line({
        cell: 3,
        evalue: "kernel died while running cell 3",
        kind: "kernel-died",
        exit_code: 7,
      }),
      "",
    ),
    { cell: 3, message: "kernel died while running cell 3 (exit code 7)", kernelDied: true },
  );
  assert.deepEqual(
    parseExecutorFailure(
      line({ cell: 5, ename: "Error", evalue: "Execution failed", kind: "syntax", source: "x y" }),
      "",
    ),
    { cell: 5, message: "Error: Execution failed", unparsedSource: "x y" },
  );
  // The executor printed no report (it crashed): the Python exception line, without a cell.
  assert.deepEqual(parseExecutorFailure("", "Traceback\nzmq.error.ZMQError: Address in use\n"), {
    message: "ZMQError: Address in use",
  });
});

Deno.test("describeFailure: notebook and cell first; a dead kernel's line names the cell once", () => {
  const report = (error: object) => ({
    name: "n.ipynb",
    status: "failed" as const,
    seconds: 1,
    figures: [],
    error: { message: "", ...error },
  });
  assert.equal(
    describeFailure(report({ cell: 2, message: "SyntaxError: Expression expected" })),
    "notebook n.ipynb, cell 2: SyntaxError: Expression expected",
  );
  assert.equal(
    describeFailure(
      report({ cell: 2, message: "kernel died while running cell 2", kernelDied: true }),
    ),
    "notebook n.ipynb: kernel died while running cell 2",
  );
  assert.equal(describeFailure(report({ message: "boom" })), "notebook n.ipynb: boom");
});

Deno.test("explainUnparsedCell: the parser's reason and position; nothing for a valid cell", async () => {
  assert.equal(
    await explainUnparsedCell('console.log("ok");\nconst ready = ;\n'),
    "SyntaxError: Expression expected (line 2, column 15)",
  );
  assert.equal(
    await explainUnparsedCell("const x: number = 1;\nawait Promise.resolve(x);\n"),
    undefined,
  );
});

Deno.test({
  name:
    "reproduce: asynchronous throw, unhandled rejection, syntax error and Deno.exit each fail " +
    "the run naming the notebook and the cell",
  ignore: missing !== undefined,
  async fn() {
    const notebooksDir = await Deno.makeTempDir({ prefix: "lab-test-failing-" });
    const outDir = await Deno.makeTempDir({ prefix: "lab-test-out-" });
    const names = [
      "async_rejection.ipynb",
      "async_throw.ipynb",
      "kernel_exit.ipynb",
      "syntax_error.ipynb",
    ];
    try {
      for (const name of names) {
        await Deno.copyFile(join(fixtures, name), join(notebooksDir, name));
      }
      const report = await reproduce({ notebooksDir, outDir, quick: true, keepGoing: true });
      assert.deepEqual(
        report.notebooks.map((n) => [n.name, n.status]),
        names.map((n) => [n, "failed"]),
      );
      assert.deepEqual(report.notebooks.map(describeFailure), [
        "notebook async_rejection.ipynb, cell 2: RangeError: rejected after cell 2 returned " +
        "(an unhandled promise rejection)",
        // Scheduled by cell 2, thrown while cell 3 was running: charged to cell 2.
        "notebook async_throw.ipynb, cell 2: Error: late failure scheduled by cell 2 " +
        "(thrown asynchronously by a callback the cell scheduled)",
        "notebook kernel_exit.ipynb: kernel died while running cell 2 (exit code 3)",
        "notebook syntax_error.ipynb, cell 2: SyntaxError: Expression expected (line 1, column 15)",
      ]);
      assert.equal(report.failure, describeFailure(report.notebooks[0]));
      // No executed notebook or page for a failed notebook; the index, and no temporary file.
      assert.deepEqual(await listTree(outDir), ["index.html"]);
      const index = await Deno.readTextFile(join(outDir, "index.html"));
      assert.equal(index.match(/<li class="notebook failed"/g)?.length, 4);
      assert.equal(index.match(/<p class="error">notebook /g)?.length, 4);
      assert.match(index, /notebook kernel_exit\.ipynb: kernel died while running cell 2/);
    } finally {
      await Deno.remove(notebooksDir, { recursive: true });
      await Deno.remove(outDir, { recursive: true });
    }
  },
});

Deno.test("reproduce CLI: --notebooks with no notebooks is one line, exit 2, nothing written", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "lab-test-empty-" });
  try {
    const empty = join(scratch, "empty");
    const outDir = join(scratch, "out");
    await Deno.mkdir(empty);
    await Deno.writeTextFile(join(empty, "notes.txt"), "not a notebook\n");
    await Deno.mkdir(outDir);
    const indexPath = join(outDir, "index.html");
    await Deno.writeTextFile(indexPath, "<p>the previous run</p>\n");
    const before = await Deno.stat(indexPath);

    const result = await runTool("reproduce", ["--notebooks", empty, "--out", outDir]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.deepEqual(result.stderr.trimEnd().split("\n"), [
      `reproduce: --notebooks = ${JSON.stringify(empty)}: no notebooks (*.ipynb) in it`,
    ]);
    assert.equal(await Deno.readTextFile(indexPath), "<p>the previous run</p>\n");
    assert.equal((await Deno.stat(indexPath)).mtime?.getTime(), before.mtime?.getTime());
    assert.deepEqual(await listTree(outDir), ["index.html"]);

    // An --out that does not exist yet is not created either.
    const fresh = join(scratch, "fresh");
    const second = await runTool("reproduce", ["--notebooks", empty, "--out", fresh]);
    assert.equal(second.code, 2);
    await assert.rejects(Deno.stat(fresh), Deno.errors.NotFound);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test("reproduce CLI: --out an existing file is one line naming --out, exit 2", async () => {
  const scratch = await Deno.makeTempDir({ prefix: "lab-test-outfile-" });
  try {
    const file = join(scratch, "out.txt");
    await Deno.writeTextFile(file, "keep me\n");
    const result = await runTool("reproduce", ["--notebooks", fixtures, "--out", file]);
    assert.equal(result.code, 2, result.stderr);
    assert.deepEqual(result.stderr.trimEnd().split("\n"), [
      `reproduce: --out = ${JSON.stringify(file)}: exists and is not a folder`,
    ]);
    assert.equal(await Deno.readTextFile(file), "keep me\n");
    assert.deepEqual(await listTree(scratch), ["out.txt"]);

    // A folder below a file: also one line naming --out.
    const below = await runTool("reproduce", ["--notebooks", fixtures, "--out", `${file}/sub`]);
    assert.equal(below.code, 2);
    assert.equal(below.stderr.trimEnd().split("\n").length, 1);
    assert.match(below.stderr, /^reproduce: --out = ".*out\.txt\/sub": cannot use it/);
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
});

Deno.test({
  name: "reproduce CLI from a checkout whose path has a space and a %: writes into its out/, " +
    "sweeps stale temporaries, keeps the executed notebook free of the runner's own code",
  ignore: missing !== undefined,
  async fn() {
    const checkout = await awkwardCheckout();
    try {
      const out = join(checkout.root, "out");
      const stale = `index.html.${deadPid()}.0123abcd.tmp`;
      // Another notebook's figure folder: only the sweep, not this run's export, clears it.
      const otherFigures = join(out, "figures", "other");
      await Deno.mkdir(otherFigures, { recursive: true });
      await Deno.writeTextFile(join(out, stale), "half an index");
      await Deno.writeTextFile(join(otherFigures, `figure-01.svg.${deadPid()}.0123abcd.tmp`), "<");
      await Deno.writeTextFile(join(otherFigures, "figure-01.svg"), "<svg/>");

      const result = await runTool(
        "reproduce",
        ["--notebooks", "tests/fixtures", "--only", "plain", "--quick"],
        {},
        checkout.root,
      );
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, "");
      assert.match(result.stdout, /\[1\/1\] plain\.ipynb: ok in [\d.]+ s, 0 figures/);
      const files = await listTree(out);
      assert.deepEqual(files, [
        "figures/other/figure-01.svg",
        "index.html",
        "plain.html",
        "plain.ipynb",
      ]);

      const executed = await readNotebook(join(out, "plain.ipynb"));
      const code = executed.cells.filter((cell) => cell.cell_type === "code");
      assert.deepEqual(code.map((cell) => cell.execution_count), [1, 2, 3]);
      const text = JSON.stringify(executed.cells.map((cell) => cell.outputs ?? []));
      assert.match(text, /n = 3/);
      assert.match(text, /caught: handled/);
      assert.doesNotMatch(executed.cells.map(cellSource).join("\n"), /asyncGuard|lab\./);
      assert.match(await Deno.readTextFile(join(out, "plain.html")), /caught: handled/);
      assert.match(
        await Deno.readTextFile(join(out, "index.html")),
        /<li class="notebook ok" data-notebook="plain\.ipynb">[^]*<h3><a href="plain\.html">Plain<\/a><\/h3>[^]*<a href="plain\.ipynb">executed notebook<\/a>/,
      );
    } finally {
      await checkout.remove();
    }
  },
});
