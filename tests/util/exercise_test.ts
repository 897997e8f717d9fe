/**
 * Exercises: checkExercise's lines and blank answers (lib/util/exercise.ts), and the runner's
 * solutions files, answer cells and counts (tools/runner/exercises.ts). Executing notebooks
 * with exercises is tested in notebook_runner_test.ts.
 */
import assert from "node:assert/strict";
import {
  checkExercise,
  exerciseLine,
  expectAnswer,
  isBlankAnswer,
  parseExerciseLines,
  WrongAnswer,
} from "../../lib/util/exercise.ts";
import { claim } from "../../lib/util/claim.ts";
import { InputError, requireInteger } from "../../lib/util/errors.ts";
import {
  answerCells,
  applySolutions,
  countExercises,
  describeExerciseCount,
  ExerciseSetupError,
  parseSolutions,
  solutionsFailure,
  solutionsFileName,
} from "../../tools/runner/exercises.ts";
import type { Notebook, NotebookCell } from "../../tools/runner/notebook.ts";
import { answeredAsShipped } from "../../tools/runner/suite.ts";

/** What `run` printed with console.log, one string per call. */
async function printed(run: () => unknown): Promise<string[]> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await run();
  } finally {
    console.log = original;
  }
  return lines;
}

Deno.test("checkExercise: a blank answer is not answered yet and its check does not run", async () => {
  let ran = false;
  const lines = await printed(() => checkExercise(2, undefined, () => void (ran = true)));
  assert.deepEqual(lines, ["Exercise 2: not answered yet"]);
  assert.equal(ran, false);
});

Deno.test("checkExercise: a right answer prints the check's claims, then checked", async () => {
  const lines = await printed(() =>
    checkExercise(3, 12, (answer) => claim(answer === 3 * 4, "three rows of four connections"))
  );
  assert.deepEqual(lines, ["✓ three rows of four connections", "Exercise 3: checked"]);
});

/** What `run` printed with console.log before it threw or rejected, and what it threw. */
async function printedBeforeFailing(
  run: () => unknown,
): Promise<{ lines: string[]; error: unknown }> {
  const lines: string[] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await run();
  } catch (error) {
    return { lines, error };
  } finally {
    console.log = original;
  }
  throw new Error(`expected a failure, but it returned after printing ${JSON.stringify(lines)}`);
}

Deno.test("checkExercise: a false claim becomes one WrongAnswer line with the value given, no frames", async () => {
  const { lines, error } = await printedBeforeFailing(() =>
    checkExercise(1, 11, (answer) => claim(answer === 12, "twelve"))
  );
  assert.ok(error instanceof WrongAnswer, `expected a WrongAnswer, got ${error}`);
  assert.equal(error.message, "Exercise 1: you gave 11, and the check found this false: twelve");
  assert.equal(error.stack, `WrongAnswer: ${error.message}`);
  // a wrong answer prints no check mark and no "checked" line: nothing at all
  assert.ok(!lines.some((line) => line.includes("✓") || line.includes("checked")), `${lines}`);
  assert.deepEqual(lines, []);
});

Deno.test("checkExercise: a named check's WrongAnswer gives value, kind and hint; bugs pass through", async () => {
  const countOfTwelve = (answer: number) =>
    expectAnswer(answer, 12, { kind: "a count", hint: "three rows of four" });
  await assert.rejects(
    printed(() => checkExercise(2, 13, countOfTwelve)),
    (error) =>
      error instanceof WrongAnswer && error.exercise === 2 &&
      error.message === "Exercise 2: you gave 13, expected a count. Hint: three rows of four" &&
      !error.stack!.includes("\n"),
  );
  assert.deepEqual(await printed(() => checkExercise(2, 12, countOfTwelve)), [
    "Exercise 2: checked",
  ]);
  await assert.rejects(
    printed(() => checkExercise(3, "12" as unknown as number, countOfTwelve)),
    /Exercise 3: you gave "12", expected a count/,
  );
  // within the tolerance, and outside it
  expectAnswer(0.3004, 0.3, { kind: "a fraction", hint: "h", tolerance: 1e-3 });
  assert.throws(
    () => expectAnswer(0.302, 0.3, { kind: "a fraction", hint: "h", tolerance: 1e-3 }),
    /you gave 0\.302, expected a fraction/,
  );
  // an answer the library cannot use is said so; an error of any other kind is a bug, unchanged
  await assert.rejects(
    printed(() => checkExercise(4, -1, () => requireInteger("n", -1, 1))),
    /^WrongAnswer: Exercise 4: you gave -1, which cannot be used: n = -1: expected an integer >= 1$/m,
  );
  await assert.rejects(
    printed(() =>
      checkExercise(5, 1, () => {
        throw new TypeError("a bug");
      })
    ),
    TypeError,
  );
});

Deno.test("checkExercise: an asynchronous check is awaited before checked is printed", async () => {
  const order: string[] = [];
  const lines = await printed(async () => {
    await checkExercise(1, [1, 2], async (answer) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(`checked ${answer.length}`);
    });
  });
  assert.deepEqual(order, ["checked 2"]);
  assert.deepEqual(lines, ["Exercise 1: checked"]);
  await assert.rejects(
    checkExercise(1, 5, async () => {
      await Promise.resolve();
      claim(false, "never");
    }),
    /^WrongAnswer: Exercise 1: you gave 5, and the check found this false: never$/,
  );
});

Deno.test("checkExercise: several answers are blank only when every one is undefined", async () => {
  assert.equal(isBlankAnswer(undefined), true);
  assert.equal(isBlankAnswer({ rows: undefined, columns: undefined }), true);
  assert.equal(isBlankAnswer([undefined, undefined]), true);
  assert.equal(isBlankAnswer({ rows: 3, columns: undefined }), false);
  assert.equal(isBlankAnswer([undefined, 0]), false);
  assert.equal(isBlankAnswer(0), false);
  assert.equal(isBlankAnswer(null), false);
  assert.equal(isBlankAnswer(""), false);
  assert.equal(isBlankAnswer(new Map()), false, "a class instance is an answer, not a bundle");
  const partial = await printed(() =>
    checkExercise(4, { rows: 3, columns: undefined }, (answer) => {
      claim(answer.rows === 3, "three rows");
    })
  );
  assert.deepEqual(partial, ["✓ three rows", "Exercise 4: checked"]);
});

Deno.test("checkExercise: the exercise number and the check are validated", () => {
  assert.throws(() => checkExercise(0, 1, () => {}), InputError);
  assert.throws(() => checkExercise(1.5, 1, () => {}), /exercise = 1\.5: expected an integer/);
  assert.throws(
    () => checkExercise(1, 1, undefined as unknown as () => void),
    /check = undefined: expected a function/,
  );
});

Deno.test("exercise lines: the printed format and the parser agree; other lines are ignored", () => {
  const output = [
    "✓ a claim",
    exerciseLine(1, "checked"),
    "Exercise 2: not answered yet",
    "  Exercise 3: checked",
    "Exercise 4: checked!",
    "Exercise 5: not answered yet",
    "",
  ].join("\n");
  assert.deepEqual(parseExerciseLines(output), [
    { exercise: 1, status: "checked" },
    { exercise: 2, status: "not answered yet" },
    { exercise: 5, status: "not answered yet" },
  ]);
});

const SOLUTIONS = `// Solutions to notebook 07's exercises, one block per answer cell.
// (the header is not a block)

// @exercise 1
const answer1 = 4;

// @exercise 2
const rows2 = 3;
const columns2 = rows2 + 1;
`;

Deno.test("parseSolutions: blocks by marker, header dropped, blank lines at the ends trimmed", () => {
  assert.deepEqual(
    parseSolutions(SOLUTIONS, "solutions/07.ts"),
    new Map([[1, "const answer1 = 4;"], [2, "const rows2 = 3;\nconst columns2 = rows2 + 1;"]]),
  );
});

Deno.test("parseSolutions: a repeated, unnumbered or empty block names the file and exercise", () => {
  assert.throws(
    () => parseSolutions("// @exercise 1\na;\n// @exercise 1\nb;\n", "solutions/07.ts"),
    (error) =>
      error instanceof ExerciseSetupError &&
      error.message === "solutions/07.ts: exercise 1 has two blocks",
  );
  assert.throws(
    () => parseSolutions("// @exercise one\na;\n", "solutions/07.ts"),
    /solutions\/07\.ts, line 1: "\/\/ @exercise one" names no exercise/,
  );
  assert.throws(
    () => parseSolutions("// @exercise 1\n\n// @exercise 2\nb;\n", "solutions/07.ts"),
    /solutions\/07\.ts: exercise 1 is empty/,
  );
});

Deno.test("solutionsFileName: the notebook's number, two digits; none without a number", () => {
  assert.equal(solutionsFileName("07_contextual.ipynb"), "solutions/07.ts");
  assert.equal(solutionsFileName("3_short.ipynb"), "solutions/03.ts");
  assert.equal(solutionsFileName("plain.ipynb"), undefined);
});

function code(source: string, exercise?: unknown): NotebookCell {
  return {
    cell_type: "code",
    source,
    metadata: exercise === undefined ? {} : { lab: { exercise } },
    outputs: [],
  };
}

function notebookOf(cells: NotebookCell[]): Notebook {
  return { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 };
}

const BLANK_1 = "const answer1: number | undefined = undefined;";
const BLANK_2 = "const rows2 = undefined;\nconst columns2 = undefined;";

Deno.test("applySolutions: each answer cell gets its block; the shipped notebook is untouched", () => {
  const shipped = notebookOf([
    code("const n = 4;"),
    code(BLANK_1, 1),
    code("checkExercise(1, answer1, () => {});"),
    code(BLANK_2, 2),
  ]);
  const solved = applySolutions(
    shipped,
    "07_x.ipynb",
    parseSolutions(SOLUTIONS, "solutions/07.ts"),
    "solutions/07.ts",
  );
  assert.deepEqual(solved.cells.map((cell) => cell.source), [
    "const n = 4;",
    "const answer1 = 4;",
    "checkExercise(1, answer1, () => {});",
    "const rows2 = 3;\nconst columns2 = rows2 + 1;",
  ]);
  assert.equal(shipped.cells[1].source, BLANK_1);
  assert.deepEqual(solved.cells[1].metadata, { lab: { exercise: 1 } });
});

Deno.test("applySolutions: a block without answer cell and an answer cell without block are refused", () => {
  const solutions = parseSolutions(SOLUTIONS, "solutions/07.ts");
  assert.throws(
    () =>
      applySolutions(notebookOf([code(BLANK_1, 1)]), "07_x.ipynb", solutions, "solutions/07.ts"),
    (error) =>
      error instanceof ExerciseSetupError &&
      error.message === "solutions/07.ts solves exercise 2, but 07_x.ipynb has no answer cell " +
          'for it (a code cell with metadata {"lab": {"exercise": 2}})',
  );
  const three = notebookOf([code(BLANK_1, 1), code(BLANK_2, 2), code("", 3)]);
  assert.throws(
    () => applySolutions(three, "07_x.ipynb", solutions, "solutions/07.ts"),
    /07_x\.ipynb has an answer cell for exercise 3, but solutions\/07\.ts has no block for it/,
  );
});

Deno.test("answerCells: numbers repeated, not positive integers, or on a markdown cell are refused", () => {
  assert.deepEqual(
    answerCells(notebookOf([code("a", 2), code("b"), code("c", 1)]), "n.ipynb"),
    new Map([[2, 0], [1, 2]]),
  );
  assert.throws(
    () => answerCells(notebookOf([code("a", 1), code("b", 1)]), "n.ipynb"),
    /^ExerciseSetupError: n\.ipynb: exercise 1 has two answer cells$/,
  );
  assert.throws(
    () => answerCells(notebookOf([code("a", "1")]), "n.ipynb"),
    /n\.ipynb: cell metadata lab\.exercise = "1" \(expected a positive integer\)/,
  );
  const markdown: NotebookCell = {
    cell_type: "markdown",
    source: "",
    metadata: { lab: { exercise: 1 } },
  };
  assert.throws(
    () => answerCells(notebookOf([markdown]), "n.ipynb"),
    /the answer cell of exercise 1 is not a code cell/,
  );
});

function printedBy(cell: NotebookCell, ...texts: string[]): NotebookCell {
  return {
    ...cell,
    outputs: texts.map((text) => ({ output_type: "stream", name: "stdout", text })),
  };
}

Deno.test("countExercises: checked, not answered and silent exercises; verdicts on the count", () => {
  const executed = notebookOf([
    code(BLANK_1, 1),
    printedBy(code("check 1"), "✓ right\nExercise 1: checked\n"),
    code(BLANK_2, 2),
    printedBy(code("check 2"), "Exercise 2: not answered yet\n"),
    code("", 3),
    {
      ...code("stderr only"),
      outputs: [{ output_type: "stream", name: "stderr", text: "Exercise 3: checked\n" }],
    },
  ]);
  const count = countExercises(executed, "n.ipynb");
  assert.deepEqual(count, { exercises: [1, 2, 3], checked: [1], notAnswered: [2], silent: [3] });
  assert.equal(
    describeExerciseCount(count),
    "exercises: 1 checked, 1 not answered yet, 1 printed nothing",
  );
  assert.equal(
    solutionsFailure(count, "notebooks/solutions/07.ts"),
    'with notebooks/solutions/07.ts, exercise 2 printed "not answered yet"',
  );
  const silentOnly = { ...count, notAnswered: [] };
  assert.equal(
    solutionsFailure(silentOnly, "x"),
    'exercise 3 printed no "Exercise k:" line (its check cell should call checkExercise)',
  );
  assert.equal(solutionsFailure({ ...silentOnly, silent: [] }, "x"), undefined);
  assert.equal(describeExerciseCount(countExercises(notebookOf([code("x")]), "n")), undefined);
});

Deno.test("answeredAsShipped: a notebook run as shipped must not check any exercise", () => {
  const report = {
    name: "07_x.ipynb",
    status: "ok" as const,
    seconds: 1,
    figures: [],
    exercises: { exercises: [1, 2], checked: [2], notAnswered: [1], silent: [] },
  };
  assert.equal(
    answeredAsShipped(report),
    'notebook 07_x.ipynb: exercise 2 printed "checked" as shipped (its answer cell should be ' +
      "blank; the solution belongs in notebooks/solutions/)",
  );
  assert.equal(
    answeredAsShipped({ ...report, exercises: { ...report.exercises, checked: [] } }),
    undefined,
  );
});
