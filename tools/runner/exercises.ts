/**
 * The runner's side of the exercises (lib/util/exercise.ts has the notebook's side). An answer
 * cell is a code cell with metadata `{"lab": {"exercise": k}}`; a notebook's solutions live in
 * `<notebooks>/solutions/NN.ts` (NN: the notebook's number, two digits), a file of blocks, each
 * opened by a line `// @exercise k`. In solutions mode each answer cell's source is replaced by
 * its block before the notebook runs; after the run, the exercise lines the check cells printed
 * are counted.
 */
import { join } from "node:path";
import {
  ANSWER_CELL_KEY,
  type ExerciseStatus,
  parseExerciseLines,
} from "../../lib/util/exercise.ts";
import type { Notebook, NotebookCell } from "./notebook.ts";

/** The folder, inside the notebooks folder, that holds the solutions files. */
export const SOLUTIONS_DIR = "solutions";

/** A marker line opening a solutions block: `// @exercise 3`. */
const BLOCK_MARKER = /^\/\/ @exercise\s+(\S+)\s*$/;

/** The notebook's exercises do not line up with its solutions; the message names both. */
export class ExerciseSetupError extends Error {
  override name = "ExerciseSetupError";
}

/** `solutions/NN.ts` for a notebook named `NN_...ipynb` (relative to the notebooks folder). */
export function solutionsFileName(notebookName: string): string | undefined {
  const number = /^(\d+)_/.exec(notebookName)?.[1];
  return number === undefined ? undefined : join(SOLUTIONS_DIR, `${number.padStart(2, "0")}.ts`);
}

/**
 * The blocks of a solutions file by exercise number, each the text after its marker line up to
 * the next marker, blank lines at either end dropped. Text before the first marker is the file's
 * header. A marker without a positive integer, a repeated number or an empty block throws,
 * naming `fileName` and the exercise.
 */
export function parseSolutions(text: string, fileName: string): Map<number, string> {
  const blocks = new Map<number, string[]>();
  let current: string[] | undefined;
  for (const [index, line] of text.split("\n").entries()) {
    const marker = BLOCK_MARKER.exec(line);
    if (marker === null) {
      current?.push(line);
      continue;
    }
    const exercise = Number(marker[1]);
    if (!Number.isInteger(exercise) || exercise < 1) {
      throw new ExerciseSetupError(
        `${fileName}, line ${
          index + 1
        }: "${line}" names no exercise (expected // @exercise 1, 2, ...)`,
      );
    }
    if (blocks.has(exercise)) {
      throw new ExerciseSetupError(`${fileName}: exercise ${exercise} has two blocks`);
    }
    current = [];
    blocks.set(exercise, current);
  }
  const solutions = new Map<number, string>();
  for (const [exercise, lines] of blocks) {
    const source = lines.join("\n").replace(/^\s*\n/, "").trimEnd();
    if (source === "") throw new ExerciseSetupError(`${fileName}: exercise ${exercise} is empty`);
    solutions.set(exercise, source);
  }
  return solutions;
}

/** The exercise number of an answer cell, or undefined for any other cell. */
export function answerCellExercise(cell: NotebookCell): number | undefined {
  const lab = (cell.metadata as Record<string, unknown> | undefined)?.lab;
  if (typeof lab !== "object" || lab === null) return undefined;
  const value = (lab as Record<string, unknown>)[ANSWER_CELL_KEY];
  return value === undefined ? undefined : value as number;
}

/**
 * The notebook's answer cells: exercise number → cell index. An answer cell that is not a code
 * cell, a number that is not a positive integer or a number used twice throws, naming the
 * notebook and the exercise.
 */
export function answerCells(notebook: Notebook, notebookName: string): Map<number, number> {
  const cells = new Map<number, number>();
  for (const [index, cell] of notebook.cells.entries()) {
    const exercise = answerCellExercise(cell);
    if (exercise === undefined) continue;
    if (!Number.isInteger(exercise) || exercise < 1) {
      throw new ExerciseSetupError(
        `${notebookName}: cell metadata lab.exercise = ${JSON.stringify(exercise)} ` +
          "(expected a positive integer)",
      );
    }
    if (cell.cell_type !== "code") {
      throw new ExerciseSetupError(
        `${notebookName}: the answer cell of exercise ${exercise} is not a code cell`,
      );
    }
    if (cells.has(exercise)) {
      throw new ExerciseSetupError(`${notebookName}: exercise ${exercise} has two answer cells`);
    }
    cells.set(exercise, index);
  }
  return cells;
}

/**
 * A copy of the notebook whose answer cells hold the solutions. Every block needs an answer cell
 * and every answer cell a block; otherwise throws naming the notebook, the file and the exercise.
 */
export function applySolutions(
  notebook: Notebook,
  notebookName: string,
  solutions: Map<number, string>,
  solutionsName: string,
): Notebook {
  const cells = answerCells(notebook, notebookName);
  for (const exercise of solutions.keys()) {
    if (!cells.has(exercise)) {
      throw new ExerciseSetupError(
        `${solutionsName} solves exercise ${exercise}, but ${notebookName} has no answer cell ` +
          `for it (a code cell with metadata {"lab": {"exercise": ${exercise}}})`,
      );
    }
  }
  for (const exercise of cells.keys()) {
    if (!solutions.has(exercise)) {
      throw new ExerciseSetupError(
        `${notebookName} has an answer cell for exercise ${exercise}, but ${solutionsName} ` +
          `has no block for it (// @exercise ${exercise})`,
      );
    }
  }
  const solved: Notebook = structuredClone(notebook);
  for (const [exercise, index] of cells) {
    solved.cells[index].source = solutions.get(exercise)!;
  }
  return solved;
}

export interface ExerciseCount {
  /** Every exercise the notebook has or printed a line for, ascending. */
  exercises: number[];
  checked: number[];
  notAnswered: number[];
  /** Answer cells whose exercise printed no line (no checkExercise ran for it). */
  silent: number[];
}

/**
 * The exercise lines an executed notebook printed, against its answer cells; an exercise that
 * printed several lines counts by its last.
 */
export function countExercises(executed: Notebook, notebookName: string): ExerciseCount {
  const answers = answerCells(executed, notebookName);
  const status = new Map<number, ExerciseStatus>();
  for (const cell of executed.cells) {
    for (const output of cell.outputs ?? []) {
      if (output.output_type !== "stream" || output.name !== "stdout") continue;
      const text = Array.isArray(output.text) ? output.text.join("") : String(output.text ?? "");
      for (const line of parseExerciseLines(text)) status.set(line.exercise, line.status);
    }
  }
  const exercises = [...new Set([...answers.keys(), ...status.keys()])].sort((a, b) => a - b);
  return {
    exercises,
    checked: exercises.filter((k) => status.get(k) === "checked"),
    notAnswered: exercises.filter((k) => status.get(k) === "not answered yet"),
    silent: exercises.filter((k) => answers.has(k) && !status.has(k)),
  };
}

/** "exercises: 2 checked, 1 not answered yet", or undefined for a notebook without exercises. */
export function describeExerciseCount(count: ExerciseCount): string | undefined {
  if (count.exercises.length === 0) return undefined;
  const silent = count.silent.length === 0 ? "" : `, ${count.silent.length} printed nothing`;
  return `exercises: ${count.checked.length} checked, ${count.notAnswered.length} not answered yet` +
    silent;
}

/**
 * Why a run with solutions fails on this count: an exercise still not answered, or an answer
 * cell whose exercise printed nothing; undefined when every exercise was checked.
 */
export function solutionsFailure(count: ExerciseCount, solutionsName: string): string | undefined {
  const list = (numbers: number[]) => numbers.join(", ");
  if (count.notAnswered.length > 0) {
    return `with ${solutionsName}, exercise ${list(count.notAnswered)} printed "not answered yet"`;
  }
  if (count.silent.length > 0) {
    return `exercise ${list(count.silent)} printed no "Exercise k:" line ` +
      "(its check cell should call checkExercise)";
  }
  return undefined;
}

/**
 * Reads the notebook's solutions file and returns the notebook with its answers filled in. A
 * notebook without a solutions file is returned as it is (its exercises then stay unanswered,
 * which the count reports).
 */
export async function withSolutions(
  notebook: Notebook,
  notebookName: string,
  notebooksDir: string,
): Promise<Notebook> {
  const fileName = solutionsFileName(notebookName);
  if (fileName === undefined) return notebook;
  let text: string;
  try {
    text = await Deno.readTextFile(join(notebooksDir, fileName));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return notebook;
    throw error;
  }
  return applySolutions(notebook, notebookName, parseSolutions(text, fileName), fileName);
}

/** True when the notebook has an answer cell or a solutions file (what solutions mode changes). */
export async function hasExercises(notebooksDir: string, notebookName: string, notebook: Notebook) {
  if (notebook.cells.some((cell) => answerCellExercise(cell) !== undefined)) return true;
  const fileName = solutionsFileName(notebookName);
  if (fileName === undefined) return false;
  try {
    return (await Deno.stat(join(notebooksDir, fileName))).isFile;
  } catch {
    return false;
  }
}
