/**
 * The notebook runner's failure paths: errors that escape a cell asynchronously, a cell that
 * does not parse, a kernel that dies, bad --notebooks / --out, and a checkout whose path holds
 * a space and a `%`. Each fixture run starts a Deno kernel (seconds), so the failing fixtures
 * share one run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { explainUnparsedCell, parseExecutorFailure } from "../../../tools/runner/cell_error.ts";
import { missingPrerequisites } from "../../../tools/runner/jupyter.ts";
import { cellSource, readNotebook } from "../../../tools/runner/notebook.ts";
import { describeFailure, reproduce } from "../../../tools/runner/reproduce.ts";
import { pathFromUrl } from "../../../lib/util/system.ts";
import { awkwardCheckout } from "../../support/awkward_checkout.ts";
import { runTool } from "../../support/run_tool.ts";

const fixtures = pathFromUrl("../../fixtures", import.meta.url);
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
      `reproduce: --out = ${JSON.stringify(file)}: is a file, not a folder`,
    ]);
    assert.equal(await Deno.readTextFile(file), "keep me\n");
    assert.deepEqual(await listTree(scratch), ["out.txt"]);

    // A folder below a file: also one line naming --out.
    const below = await runTool("reproduce", ["--notebooks", fixtures, "--out", `${file}/sub`]);
    assert.equal(below.code, 2);
    assert.equal(below.stderr.trimEnd().split("\n").length, 1);
    assert.match(below.stderr, /^reproduce: --out = ".*out\.txt\/sub": cannot be created/);
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

/** A Deno notebook of code cells; `[source, exercise]` marks an answer cell. */
function exerciseNotebook(cells: (string | [string, number])[]): string {
  const exerciseModule = new URL("../../../lib/util/exercise.ts", import.meta.url).href;
  const claimModule = new URL("../../../lib/util/claim.ts", import.meta.url).href;
  const imports = `import { checkExercise } from ${JSON.stringify(exerciseModule)};\n` +
    `import { claim } from ${JSON.stringify(claimModule)};`;
  return JSON.stringify({
    cells: [imports, ...cells].map((cell, index) => ({
      cell_type: "code",
      id: `cell-${index}`,
      metadata: typeof cell === "string" ? {} : { lab: { exercise: cell[1] } },
      source: typeof cell === "string" ? cell : cell[0],
      execution_count: null,
      outputs: [],
    })),
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

const BLANK_ANSWER = "const answer1: number | undefined = undefined;";
const CHECK_ANSWER = 'checkExercise(1, answer1, (answer) => claim(answer === n * n, "n squared"));';

Deno.test({
  name: "reproduce with solutions: answer cells filled and checked; a wrong solution fails its " +
    "cell, solutions that do not match the answer cells and a silent exercise fail the notebook",
  ignore: missing !== undefined,
  async fn() {
    const notebooksDir = await Deno.makeTempDir({ prefix: "lab-test-exercises-" });
    const outDir = await Deno.makeTempDir({ prefix: "lab-test-out-" });
    const studentOut = await Deno.makeTempDir({ prefix: "lab-test-out-" });
    try {
      const write = (name: string, text: string) =>
        Deno.writeTextFile(join(notebooksDir, name), text);
      await Deno.mkdir(join(notebooksDir, "solutions"));
      const answered = [
        "const n = 3;",
        [BLANK_ANSWER, 1],
        CHECK_ANSWER,
        [
          "const rows2: number | undefined = undefined;\nconst columns2: number | undefined = undefined;",
          2,
        ],
        'checkExercise(2, { rows2, columns2 }, (a) => claim(a.rows2 === a.columns2, "square"));',
      ] as (string | [string, number])[];
      await write("01_good.ipynb", exerciseNotebook(answered));
      await write(
        "solutions/01.ts",
        "// Solutions to 01.\n\n// @exercise 1\nconst answer1 = n * 3;\n\n" +
          "// @exercise 2\nconst rows2 = n;\nconst columns2 = 3;\n",
      );
      await write(
        "02_wrong.ipynb",
        exerciseNotebook(["const n = 3;", [BLANK_ANSWER, 1], CHECK_ANSWER]),
      );
      await write("solutions/02.ts", "// @exercise 1\nconst answer1 = 8;\n");
      await write(
        "03_mismatch.ipynb",
        exerciseNotebook(["const n = 3;", [BLANK_ANSWER, 1], CHECK_ANSWER]),
      );
      await write(
        "solutions/03.ts",
        "// @exercise 1\nconst answer1 = 9;\n// @exercise 2\nconst b = 1;\n",
      );
      await write("04_silent.ipynb", exerciseNotebook(["const n = 3;", [BLANK_ANSWER, 1]]));
      await write("solutions/04.ts", "// @exercise 1\nconst answer1 = 9;\n");

      const lines: string[] = [];
      const report = await reproduce({
        notebooksDir,
        outDir,
        quick: true,
        solutions: true,
        keepGoing: true,
        onProgress: (line) => lines.push(line),
      });
      assert.deepEqual(report.notebooks.map((n) => [n.name, n.status]), [
        ["01_good.ipynb", "ok"],
        ["02_wrong.ipynb", "failed"],
        ["03_mismatch.ipynb", "failed"],
        ["04_silent.ipynb", "failed"],
      ]);
      assert.match(
        lines[0],
        /^\[1\/4\] 01_good\.ipynb: ok in [\d.]+ s, 0 figures, exercises: 2 checked, 0 not answered yet$/,
      );
      assert.deepEqual(report.notebooks.slice(1).map(describeFailure), [
        "notebook 02_wrong.ipynb, cell 4: WrongAnswer: Exercise 1: you gave 8, and the check " +
        "found this false: n squared",
        "notebook 03_mismatch.ipynb: solutions/03.ts solves exercise 2, but 03_mismatch.ipynb has " +
        'no answer cell for it (a code cell with metadata {"lab": {"exercise": 2}})',
        'notebook 04_silent.ipynb: exercise 1 printed no "Exercise k:" line (its check cell ' +
        "should call checkExercise)",
      ]);
      // The executed copy shows the solutions, with their checks' output.
      const executed = await readNotebook(join(outDir, "01_good.ipynb"));
      const sources = executed.cells.map(cellSource);
      assert.equal(sources[2], "const answer1 = n * 3;");
      assert.equal(sources[4], "const rows2 = n;\nconst columns2 = 3;");
      const printed = executed.cells.map((cell) =>
        (cell.outputs ?? []).map((output) => [output.text ?? ""].flat().join("")).join("")
      );
      assert.equal(printed[3], "✓ n squared\nExercise 1: checked\n");
      assert.equal(printed[5], "✓ square\nExercise 2: checked\n");
      assert.match(
        await Deno.readTextFile(join(outDir, "index.html")),
        /Quick mode \(LAB_QUICK=1\), with the exercises' solutions[^]*2 exercises/,
      );

      // As shipped: every exercise not answered yet, and the run passes.
      const student = await reproduce({
        notebooksDir,
        outDir: studentOut,
        quick: true,
        only: "01",
      });
      assert.equal(student.failure, undefined);
      assert.deepEqual(student.notebooks[0].exercises, {
        exercises: [1, 2],
        checked: [],
        notAnswered: [1, 2],
        silent: [],
      });
      const shipped = await readNotebook(join(studentOut, "01_good.ipynb"));
      assert.equal(cellSource(shipped.cells[2]), BLANK_ANSWER);
    } finally {
      for (const dir of [notebooksDir, outDir, studentOut]) {
        await Deno.remove(dir, { recursive: true });
      }
    }
  },
});
