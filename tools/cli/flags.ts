/**
 * Command-line plumbing shared by every tool: a small flag parser (built in, since the lab
 * uses no jsr: packages) and a runner that turns bad input into one line on stderr and exit code 2.
 *
 * The parser is strict, because a flag read wrongly runs the wrong computation silently: a flag
 * given twice, a boolean flag given a value (`--json=false`), a flag missing its value and two
 * flags that conflict are all errors naming the flag. Numbers are plain decimals only (`16`,
 * `-3`, `0.25`): no hex, exponents, signs, blanks or `Infinity`.
 */
import { describeValue, InputError } from "../../lib/util/errors.ts";
import { printable } from "../../lib/util/text.ts";

export interface ParsedFlags {
  /**
   * `--key value` and `--key=value` pairs; bare `--flag` maps to true. Reading a flag that was
   * given without its value (`has` or `get`) throws the InputError saying so.
   */
  flags: Map<string, string | true>;
  positional: string[];
  /** Flags given without the value they need, in the order given. */
  valueless: string[];
}

/**
 * The parsed flags, where a flag given without its value is an error the moment it is read.
 * Reporting it at parse time would call an unknown flag given last (`--bogus`) "missing a
 * value"; deferred, rejectUnknownFlags names it as unknown first.
 */
class FlagMap extends Map<string, string | true> {
  constructor(private readonly valueless: ReadonlySet<string>) {
    super();
  }
  override has(key: string): boolean {
    if (this.valueless.has(key)) throw missingValue(key);
    return super.has(key);
  }
  override get(key: string): string | true | undefined {
    if (this.valueless.has(key)) throw missingValue(key);
    return super.get(key);
  }
}

function missingValue(key: string): InputError {
  return new InputError(flagName(key), undefined, "expected a value after the flag");
}

/** `--name` for messages, its control characters escaped. */
function flagName(key: string): string {
  return `--${printable(key)}`;
}

/**
 * Parses argv. `booleans` lists flags that take no value; every other flag needs one, given
 * as `--key value` or `--key=value` (a value that itself starts with `--` only in the second
 * form). A flag given twice and a boolean given a value throw an InputError naming the flag; a
 * flag without its value throws when it is read or when rejectUnknownFlags finds it known.
 * Unknown flags are not rejected here: the caller knows which flags it accepts (see
 * rejectUnknownFlags).
 */
export function parseFlags(args: readonly string[], booleans: readonly string[] = []): ParsedFlags {
  const valueless: string[] = [];
  const valuelessSet = new Set<string>();
  const flags = new FlagMap(valuelessSet);
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--") || arg === "--") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (key === "") throw new InputError("flag", arg, "expected --name or --name=value");
    if (booleans.includes(key)) {
      if (eq !== -1) {
        throw new InputError(
          flagName(key),
          arg.slice(eq + 1),
          `takes no value (write --${key} to turn it on, leave it out to keep it off)`,
        );
      }
      rejectRepeated(flags, key, true);
      flags.set(key, true);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = args[i + 1];
      if (value !== undefined && value.startsWith("--")) value = undefined;
      else i++;
    }
    if (value === undefined || value === "") {
      if (valuelessSet.has(key) || Map.prototype.has.call(flags, key)) {
        throw new InputError(flagName(key), value, "given twice; give it once");
      }
      valueless.push(key);
      valuelessSet.add(key);
      continue;
    }
    if (valuelessSet.has(key)) {
      throw new InputError(flagName(key), value, "given twice; give it once");
    }
    rejectRepeated(flags, key, value);
    flags.set(key, value);
  }
  return { flags, positional, valueless };
}

function rejectRepeated(flags: Map<string, string | true>, key: string, value: string | true) {
  const first = flags.get(key);
  if (first === undefined) return;
  throw new InputError(
    flagName(key),
    value,
    first === true
      ? "given twice; give it once"
      : `given twice (first ${describeValue(first)}); give it once`,
  );
}

/** Throws naming the first positional argument, for tools that take flags only. */
export function rejectPositionals(parsed: ParsedFlags, hint = "see --help"): void {
  if (parsed.positional.length > 0) {
    throw new InputError(
      "argument",
      parsed.positional[0],
      `unexpected positional argument (${hint})`,
    );
  }
}

/**
 * Throws naming the first flag not in `allowed` (given with a value or without one), then the
 * first known flag given without its value.
 */
export function rejectUnknownFlags(parsed: ParsedFlags, allowed: Iterable<string>): void {
  const known = new Set(allowed);
  for (const key of [...parsed.flags.keys(), ...parsed.valueless]) {
    if (!known.has(key)) {
      throw new InputError(
        flagName(key),
        parsed.valueless.includes(key) ? undefined : parsed.flags.get(key),
        `unknown flag; known: ${[...known].map((k) => `--${k}`).join(", ")}`,
      );
    }
  }
  if (parsed.valueless.length > 0) throw missingValue(parsed.valueless[0]);
}

/**
 * Declares flags that exclude each other: throws naming both when a flag of `one` is given
 * together with a flag of `other` (for example `--file` with `--name` or a pattern parameter).
 */
export function rejectConflicts(
  parsed: ParsedFlags,
  one: string | readonly string[],
  other: string | readonly string[],
  reason = "give one or the other",
): void {
  const first = (typeof one === "string" ? [one] : one).find((key) => parsed.flags.has(key));
  if (first === undefined) return;
  const second = (typeof other === "string" ? [other] : other).find((key) =>
    key !== first && parsed.flags.has(key)
  );
  if (second === undefined) return;
  const firstValue = parsed.flags.get(first);
  throw new InputError(
    `${flagName(first)} ${
      typeof firstValue === "string" ? `${describeValue(firstValue)} ` : ""
    }and ${flagName(second)}`,
    parsed.flags.get(second),
    `conflict (${reason})`,
  );
}

const DECIMAL_INTEGER = /^-?[0-9]+$/;
const DECIMAL_NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

/**
 * Parses a flag value as a plain decimal number (`8`, `-2`, `0.25`), naming the flag when it
 * is not one: hex, exponents, a leading `+`, blanks, a trailing dot and `Infinity` are refused.
 */
export function numberFlag(name: string, value: string | true): number {
  if (typeof value !== "string" || !DECIMAL_NUMBER.test(value)) {
    throw new InputError(
      flagName(name),
      value,
      "expected a number (plain decimal, e.g. 8 or 0.25)",
    );
  }
  return Number(value);
}

/**
 * Parses a flag value as a plain decimal integer in [min, max], naming the flag, the value and
 * the bound it breaks; `limit` says what the upper bound protects, for the message. Integers
 * beyond 2^53 − 1 are refused (they do not round-trip).
 */
export function integerFlag(
  name: string,
  value: string | true,
  min = -Number.MAX_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
  limit = "",
): number {
  if (typeof value !== "string" || !DECIMAL_INTEGER.test(value)) {
    throw new InputError(flagName(name), value, "expected an integer (decimal digits, e.g. 8)");
  }
  const parsed = Number(value);
  if (parsed > max || !Number.isSafeInteger(parsed) && parsed > 0) {
    const what = limit ? ` (${limit})` : "";
    throw new InputError(flagName(name), value, `exceeds the limit ${max}${what}`);
  }
  if (parsed < min || !Number.isSafeInteger(parsed)) {
    throw new InputError(flagName(name), value, `expected an integer >= ${min}`);
  }
  return parsed;
}

/**
 * A comma-separated flag value as its items (`--pattern window,star`), or undefined when the
 * flag is absent; a bare flag, an empty value or an empty item (`a,,b`) names the flag.
 */
export function listFlag(name: string, value: string | true | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === "string" ? value.split(",").map((item) => item.trim()) : [];
  if (items.length === 0 || items.some((item) => item === "")) {
    throw new InputError(flagName(name), value, "expected a comma-separated list");
  }
  return items;
}

/** Exit status for bad input, as every tool of the lab uses it. */
export const EXIT_BAD_INPUT = 2;

/**
 * Runs a tool's main: an InputError (or a file that cannot be read) prints `tool: message` on
 * one line, control characters escaped, and exits 2; any other error is a bug and keeps its
 * stack.
 */
export async function runTool(tool: string, main: () => Promise<number | void> | number | void) {
  try {
    const code = await main();
    Deno.exit(code ?? 0);
  } catch (error) {
    if (error instanceof InputError || error instanceof Deno.errors.NotFound) {
      console.error(printable(`${tool}: ${(error as Error).message}`));
      Deno.exit(EXIT_BAD_INPUT);
    }
    throw error;
  }
}
