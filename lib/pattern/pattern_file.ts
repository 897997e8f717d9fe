/**
 * A pattern file read the way every tool reads it: a regular file of at most `maxFileBytes`
 * bytes (`/dev/zero`, a FIFO or a folder refused from the opened handle), its arrays counted on
 * the text before parsing, its n and connection count checked against the limits before any
 * mask is built, then the schedule (scheduleFromJson validates every field). Bad input throws
 * an InputError naming `parameter` (the flag that gave the path) and the path.
 *
 * Not exported from lib/pattern/mod.ts: the explorer page bundles that module for the browser,
 * and this one reads files through Deno.
 */
import { InputError } from "../util/errors.ts";
import { parseJsonFile, readRegularTextFileSync } from "../util/regular_file.ts";
import { MAX_PATTERN_CONNECTIONS, MAX_PATTERN_FILE_BYTES, MAX_PATTERN_N } from "../util/limits.ts";
import { requireFewArrays, type Schedule, scheduleFromJson } from "./pattern.ts";

export interface PatternFileLimits {
  /** The flag or setting that named the file, for messages (default "--file"). */
  parameter?: string;
  /** Largest n (default MAX_PATTERN_N), and what that limit protects. */
  maxN?: number;
  maxNReason?: string;
  /** Most connections the schedule may list (default MAX_PATTERN_CONNECTIONS). */
  maxConnections?: number;
  /** Largest file in bytes (default MAX_PATTERN_FILE_BYTES). */
  maxFileBytes?: number;
}

/** A pattern file's text, read only when it is a regular file of at most `maxBytes` bytes. */
export function readPatternFileText(path: string, maxBytes: number, parameter = "--file"): string {
  return readRegularTextFileSync(path, { parameter, maxBytes });
}

/** Refuses a parsed pattern file whose n or connection count exceeds the limits. */
function checkPatternFileSize(
  data: unknown,
  path: string,
  parameter: string,
  limits: Required<Omit<PatternFileLimits, "parameter" | "maxFileBytes">>,
): void {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return;
  const record = data as Record<string, unknown>;
  const n = Object.hasOwn(record, "n") ? record.n : undefined;
  if (typeof n === "number" && n > limits.maxN) {
    throw new InputError(
      parameter,
      path,
      `its n = ${n} exceeds the limit ${limits.maxN} (${limits.maxNReason})`,
    );
  }
  const patterns = Object.hasOwn(record, "patterns") ? record.patterns : undefined;
  if (!Array.isArray(patterns)) return;
  let connections = 0;
  for (const lists of patterns) {
    if (!Array.isArray(lists)) continue;
    for (const row of lists) if (Array.isArray(row)) connections += row.length;
  }
  if (connections > limits.maxConnections) {
    throw new InputError(
      parameter,
      path,
      `lists ${connections} connections; the limit is ${limits.maxConnections} connections`,
    );
  }
}

/** The schedule a pattern file holds, named after the file (without `.json`). */
export function readPatternFile(path: string, limits: PatternFileLimits = {}): Schedule {
  const parameter = limits.parameter ?? "--file";
  const text = readPatternFileText(path, limits.maxFileBytes ?? MAX_PATTERN_FILE_BYTES, parameter);
  requireFewArrays(text, path);
  const data = parseJsonFile(path, text, parameter);
  checkPatternFileSize(data, path, parameter, {
    maxN: limits.maxN ?? MAX_PATTERN_N,
    maxNReason: limits.maxNReason ?? "the largest sequence length this tool takes",
    maxConnections: limits.maxConnections ?? MAX_PATTERN_CONNECTIONS,
  });
  return scheduleFromJson(data, path.replace(/^.*\//, "").replace(/\.json$/, ""), path);
}
