/**
 * Errors for bad input. Every public function of the lab validates its arguments and throws
 * an InputError whose message names the parameter and the offending value, so a notebook cell
 * or a command shows one clear line instead of a stack of frames.
 */
export class InputError extends Error {
  readonly parameter: string;
  readonly value: unknown;

  constructor(parameter: string, value: unknown, expectation: string) {
    super(`${parameter} = ${describeValue(value)}: ${expectation}`);
    this.name = "InputError";
    this.parameter = parameter;
    this.value = value;
  }
}

/** Short, printable form of a bad value (long arrays and strings are cut). */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  }
  if (typeof value === "number" || typeof value === "boolean" || value === null) {
    return String(value);
  }
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return `${value}n`;
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? text.slice(0, 57) + "..." : text;
  } catch {
    return String(value);
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function requireInteger(
  parameter: string,
  value: unknown,
  min = -Infinity,
  max = Infinity,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new InputError(parameter, value, `expected ${range}`);
  }
  return value;
}

/** Throws unless `value` is a finite number in [min, max]. */
export function requireNumber(
  parameter: string,
  value: unknown,
  min = -Infinity,
  max = Infinity,
): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new InputError(parameter, value, `expected a finite number in [${min}, ${max}]`);
  }
  return value;
}
