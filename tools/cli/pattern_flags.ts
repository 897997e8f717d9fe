/**
 * The pattern every tool reads the same way: `--<nameFlag> NAME [pattern flags] --n N` for a
 * named pattern of the zoo (its parameters are flags of the same names), or `--file FILE` for
 * a pattern file. Bad input throws an InputError naming the flag and value; a pattern too
 * large for the tool (n, connections, file bytes) is refused before anything big is allocated.
 */
import { readPatternFile } from "../../lib/pattern/pattern_file.ts";
import {
  requireZooEntry,
  resolvePatternParams,
  type Schedule,
  ZOO,
} from "../../lib/pattern/mod.ts";
import { describeValue, InputError } from "../../lib/util/errors.ts";
import {
  MAX_PATTERN_CONNECTIONS,
  MAX_PATTERN_FILE_BYTES,
  MAX_PATTERN_N,
} from "../../lib/util/limits.ts";
import {
  integerFlag,
  numberFlag,
  type ParsedFlags,
  rejectConflicts,
  rejectUnknownFlags,
} from "./flags.ts";

export interface PatternFlagOptions {
  /** "name" for `deno task pattern`, "pattern" elsewhere. */
  nameFlag: string;
  /** The tool's own flags (besides the pattern's). */
  toolFlags: readonly string[];
  /** Largest n the tool takes (default MAX_PATTERN_N), and what that limit protects. */
  maxN?: number;
  maxNReason?: string;
  /** Most connections the schedule may have (default MAX_PATTERN_CONNECTIONS). */
  maxConnections?: number;
  /** Largest pattern file in bytes (default MAX_PATTERN_FILE_BYTES). */
  maxFileBytes?: number;
}

/** Every parameter name of every zoo pattern (n, w, c, …): the flags a pattern file excludes. */
export function patternParameterFlags(): string[] {
  return [...new Set(Object.values(ZOO).flatMap((entry) => entry.params.map((p) => p.name)))];
}

/**
 * Rejects flags that neither the tool (`toolFlags`) nor the chosen pattern takes, and a
 * pattern file given together with a pattern name or parameter; refuses n, a connection count
 * or a file above the limits; then builds the schedule.
 */
export function scheduleFromFlags(
  parsed: ParsedFlags,
  options: PatternFlagOptions,
): Schedule {
  const { flags } = parsed;
  const { nameFlag, toolFlags } = options;
  const maxN = options.maxN ?? MAX_PATTERN_N;
  const maxNReason = options.maxNReason ?? "the largest sequence length this tool takes";
  const maxConnections = options.maxConnections ?? MAX_PATTERN_CONNECTIONS;
  const patternFlags = patternParameterFlags().filter((flag) => !toolFlags.includes(flag));
  rejectConflicts(
    parsed,
    "file",
    [nameFlag, ...patternFlags],
    "a pattern file or a named pattern with its parameters, not both",
  );
  if (flags.has("file")) {
    rejectUnknownFlags(parsed, ["file", ...toolFlags]);
    return readPatternFile(String(flags.get("file")), {
      maxN,
      maxNReason,
      maxConnections,
      maxFileBytes: options.maxFileBytes ?? MAX_PATTERN_FILE_BYTES,
    });
  }
  const name = flags.get(nameFlag);
  if (typeof name !== "string") {
    // a flag no form of the command takes is named before the missing pattern is
    rejectUnknownFlags(parsed, [nameFlag, "file", ...toolFlags, ...patternParameterFlags()]);
    throw new InputError(`--${nameFlag} or --file`, undefined, "one is required (see --help)");
  }
  const entry = requireZooEntry(name, `--${nameFlag}`);
  rejectUnknownFlags(parsed, [nameFlag, "file", ...toolFlags, ...entry.params.map((p) => p.name)]);
  if (!flags.has("n")) throw new InputError("--n", undefined, "the sequence length is required");
  const params: Record<string, number | string> = {};
  for (const spec of entry.params) {
    const value = flags.get(spec.name);
    if (value === undefined) continue;
    params[spec.name] = spec.name === "n"
      ? integerFlag("n", value, 1, maxN, maxNReason)
      : spec.kind === "integer"
      ? integerFlag(spec.name, value)
      : spec.kind === "number"
      ? numberFlag(spec.name, value)
      : String(value);
  }
  const flagNames = new Set(entry.params.map((p) => p.name));
  return asFlagError(flagNames, () => {
    const resolved = resolvePatternParams(name, params);
    const bound = entry.maxConnections(resolved);
    if (!(bound <= maxConnections)) {
      throw new InputError(
        "--n",
        resolved.n,
        `pattern "${name}" with these parameters has up to ${bound} connections; ` +
          `the limit is ${maxConnections} connections`,
      );
    }
    return entry.build(resolved);
  });
}

/** Runs `build`, renaming an InputError about a pattern parameter `w` to the flag `--w`. */
function asFlagError<T>(flagNames: Set<string>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof InputError && flagNames.has(error.parameter)) {
      const prefix = `${error.parameter} = ${describeValue(error.value)}: `;
      const expectation = error.message.startsWith(prefix)
        ? error.message.slice(prefix.length)
        : error.message;
      throw new InputError(`--${error.parameter}`, error.value, expectation);
    }
    throw error;
  }
}
