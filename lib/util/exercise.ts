/**
 * Exercises in the notebooks. A notebook's answer cell (cell metadata `{"lab": {"exercise": k}}`)
 * ships with its answer variables `undefined`; the check cell after it calls
 * `checkExercise(k, answer, check)`, which prints one line the notebook runner counts:
 * `Exercise k: not answered yet` while the answer is blank, `Exercise k: checked` once
 * `check(answer)` returned. A wrong answer fails the cell with a WrongAnswer: one line that
 * gives the value the student gave, what kind of value was expected and a hint, with no stack
 * trace (the named checks of lib/exercises throw it through `expectAnswer`; a check written
 * with `claim` is turned into one). The line formats live here, once, for the notebooks, the
 * runner and the tests.
 */
import { ClaimError } from "./claim.ts";
import { describeValue, InputError, requireInteger } from "./errors.ts";

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
  const readable = (error: unknown): never => {
    throw asWrongAnswer(error, exercise, answer);
  };
  let checked: void | Promise<void>;
  try {
    checked = check(answer as NonNullable<T>);
  } catch (error) {
    return readable(error);
  }
  if (checked instanceof Promise) {
    return checked.then(() => console.log(exerciseLine(exercise, "checked")), readable);
  }
  console.log(exerciseLine(exercise, "checked"));
}

/** What a wrong answer's message says besides the value given. */
export interface Expectation {
  /** What kind of value is expected, in words: "a count", "a fraction", "a layer index". */
  kind: string;
  /** A hint towards the answer that does not give it away. */
  hint: string;
}

/**
 * A wrong answer to an exercise: one line, "Exercise k: you gave V, expected K. Hint: H", and a
 * stack that is that line only, so Jupyter shows no frames under it.
 */
export class WrongAnswer extends Error {
  /** The exercise's number, once checkExercise has seen the error. */
  readonly exercise?: number;

  constructor(message: string, exercise?: number) {
    super(exercise === undefined ? message : `Exercise ${exercise}: ${message}`);
    this.name = "WrongAnswer";
    this.exercise = exercise;
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** The one line of a wrong answer: the value given, the kind expected, the hint. */
export function wrongAnswerMessage(given: unknown, expectation: Expectation): string {
  return `you gave ${describeAnswer(given)}, expected ${expectation.kind}. ` +
    `Hint: ${expectation.hint}`;
}

/** A student's value as the message shows it (a pattern by its name, numbers as written). */
export function describeAnswer(given: unknown): string {
  if (typeof given === "object" && given !== null && "name" in given && "n" in given) {
    return `the pattern ${describeValue((given as { name: unknown }).name)}`;
  }
  return describeValue(given);
}

/**
 * Throws a WrongAnswer unless `given` equals `expected` (numbers within `tolerance`, other
 * values by JSON form). A value of the wrong type is wrong too: the message says what was given.
 */
export function expectAnswer<T>(
  given: unknown,
  expected: T,
  expectation: Expectation & { tolerance?: number },
): void {
  const tolerance = expectation.tolerance ?? 0;
  const right = typeof expected === "number"
    ? typeof given === "number" && Math.abs(given - expected) <= tolerance
    : JSON.stringify(given) === JSON.stringify(expected);
  if (!right) throw new WrongAnswer(wrongAnswerMessage(given, expectation));
}

/**
 * The error a failed check becomes: a WrongAnswer naming the exercise. A check's false claim
 * keeps its statement and gains the value given; an InputError (the answer could not even be
 * used, such as a level outside the grid) says so; any other error is a bug and passes unchanged.
 */
function asWrongAnswer(error: unknown, exercise: number, answer: unknown): unknown {
  if (error instanceof WrongAnswer) {
    return error.exercise === undefined ? new WrongAnswer(error.message, exercise) : error;
  }
  if (error instanceof ClaimError) {
    const statement = error.message.replace(/^claim failed: /, "");
    return new WrongAnswer(
      `you gave ${describeAnswer(answer)}, and the check found this false: ${statement}`,
      exercise,
    );
  }
  if (error instanceof InputError) {
    return new WrongAnswer(
      `you gave ${describeAnswer(answer)}, which cannot be used: ${error.message}`,
      exercise,
    );
  }
  return error;
}
