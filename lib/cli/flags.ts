/**
 * Command-line plumbing shared by every tool: a small flag parser (no jsr:@std available
 * here) and a runner that turns bad input into one line on stderr and exit code 2.
 */
import { InputError } from "../util/errors.ts";

export interface ParsedFlags {
  /** `--key value` and `--key=value` pairs; bare `--flag` maps to true. */
  flags: Map<string, string | true>;
  positional: string[];
}

/**
 * Parses argv. `booleans` lists flags that take no value; every other flag needs one.
 * Unknown flags are not rejected here: the caller knows which flags it accepts.
 */
export function parseFlags(args: readonly string[], booleans: readonly string[] = []): ParsedFlags {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--") || arg === "--") {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (eq !== -1) {
      flags.set(key, arg.slice(eq + 1));
    } else if (booleans.includes(key)) {
      flags.set(key, true);
    } else {
      const value = args[i + 1];
      if (value === undefined || (value.startsWith("--") && isNaN(Number(value)))) {
        throw new InputError(`--${key}`, undefined, "expected a value after the flag");
      }
      flags.set(key, value);
      i++;
    }
  }
  return { flags, positional };
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

/** Throws naming the first flag not in `allowed`. */
export function rejectUnknownFlags(parsed: ParsedFlags, allowed: Iterable<string>): void {
  const known = new Set(allowed);
  for (const key of parsed.flags.keys()) {
    if (!known.has(key)) {
      throw new InputError(
        `--${key}`,
        parsed.flags.get(key),
        `unknown flag; known: ${[...known].map((k) => `--${k}`).join(", ")}`,
      );
    }
  }
}

/** Parses a flag value as a number, naming the flag when it is not one. */
export function numberFlag(name: string, value: string | true): number {
  const parsed = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  if (!Number.isFinite(parsed)) throw new InputError(`--${name}`, value, "expected a number");
  return parsed;
}

/** Exit status for bad input, as every tool of the lab uses it. */
export const EXIT_BAD_INPUT = 2;

/**
 * Runs a tool's main: an InputError (or a file that cannot be read) prints `tool: message` on
 * one line and exits 2; any other error is a bug and keeps its stack.
 */
export async function runTool(tool: string, main: () => Promise<number | void> | number | void) {
  try {
    const code = await main();
    Deno.exit(code ?? 0);
  } catch (error) {
    if (error instanceof InputError || error instanceof Deno.errors.NotFound) {
      console.error(`${tool}: ${(error as Error).message}`);
      Deno.exit(EXIT_BAD_INPUT);
    }
    throw error;
  }
}
