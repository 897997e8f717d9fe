/**
 * Exercises in the notebooks. A notebook's answer cell (cell metadata `{"lab": {"exercise": k}}`)
 * ships with its answer variables `undefined`; the check cell after it calls
 * `checkExercise(k, answer, check)`, which prints one line the notebook runner counts:
 * `Exercise k: not answered yet` while the answer is blank, `Exercise k: checked` once
 * `check(answer)` returned (a wrong answer throws through `claim`, as any false claim does).
 * The line formats live here, once, for the notebooks, the runner and the tests.
 */
import { InputError, requireInteger } from "./errors.ts";

/** What an exercise line says about the exercise. */
export type ExerciseStatus = "checked" | "not answered yet";

export interface ExerciseLine {
  exercise: number;
  status: ExerciseStatus;
}

/** `Exercise k: checked` or `Exercise k: not answered yet`, alone on a line of output. */
export const EXERCISE_LINE = /^Exercise (\d+): (checked|not answered yet)$/gm;

/** The cell metadata key under `lab` that marks an answer cell with its exercise number. */
export const ANSWER_CELL_KEY = "exercise";

/** The line `checkExercise` prints for exercise `exercise`. */
export function exerciseLine(exercise: number, status: ExerciseStatus): string {
  return `Exercise ${exercise}: ${status}`;
}

/** Every exercise line in `output` (a cell's printed text), in order. */
export function parseExerciseLines(output: string): ExerciseLine[] {
  return [...output.matchAll(EXERCISE_LINE)].map((match) => ({
    exercise: Number(match[1]),
    status: match[2] as ExerciseStatus,
  }));
}

/**
 * True when an answer has not been given: `undefined`, or an array or plain object whose every
 * value is `undefined` (an exercise with several answer variables passes them together).
 */
export function isBlankAnswer(answer: unknown): boolean {
  if (answer === undefined) return true;
  if (Array.isArray(answer)) return answer.every((value) => value === undefined);
  if (
    typeof answer === "object" && answer !== null &&
    Object.getPrototypeOf(answer) === Object.prototype
  ) {
    return Object.values(answer).every((value) => value === undefined);
  }
  return false;
}

/**
 * Checks exercise `exercise`'s answer: prints `Exercise k: not answered yet` and returns when the
 * answer is blank (see isBlankAnswer); otherwise runs `check(answer)` and prints
 * `Exercise k: checked` once it returned (or its promise resolved). A wrong answer makes
 * `check` throw, and the error propagates unchanged. `check` sees the answer without `undefined`
 * in its type: a blank answer cell's `const answerK = undefined` narrows the answer to
 * `undefined`, and the check cell still type-checks (as `never`) in an editor.
 */
// The asynchronous overload comes first: an async check is also a `(answer) => void`.
export function checkExercise<T>(
  exercise: number,
  answer: T,
  check: (answer: NonNullable<T>) => Promise<void>,
): Promise<void>;
export function checkExercise<T>(
  exercise: number,
  answer: T,
  check: (answer: NonNullable<T>) => void,
): void;
export function checkExercise<T>(
  exercise: number,
  answer: T,
  check: (answer: NonNullable<T>) => void | Promise<void>,
): void | Promise<void> {
  requireInteger("exercise", exercise, 1);
  if (typeof check !== "function") {
    throw new InputError("check", check, "expected a function (answer) => void that claims");
  }
  if (isBlankAnswer(answer)) return void console.log(exerciseLine(exercise, "not answered yet"));
  const checked = check(answer as NonNullable<T>);
  if (checked instanceof Promise) {
    return checked.then(() => console.log(exerciseLine(exercise, "checked")));
  }
  console.log(exerciseLine(exercise, "checked"));
}
