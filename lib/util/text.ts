/**
 * Text that is safe to print on a terminal. Names that come from input (a pattern file's
 * "name", a file name, a flag typed by the user) may hold control characters; printed raw,
 * an escape sequence acts on the terminal and a newline splits a one-line error in two.
 */
import { MAX_PRINTED_NAME_CHARS } from "./limits.ts";

/**
 * C0 controls (U+0000–U+001F), DEL (U+007F), C1 controls (U+0080–U+009F), and the
 * bidirectional controls (U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069), which reorder
 * what a terminal shows: a right-to-left override makes a printed name read backwards.
 */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The text with every control character above written as `\u{..}` (hex code point, e.g.
 * ESC → `\u{1b}`, newline → `\u{a}`, RIGHT-TO-LEFT OVERRIDE → `\u{202e}`); every other
 * character is kept as it is.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** C1 controls and DEL, which JSON.stringify leaves raw (it escapes only C0). */
const JSON_RAW_CONTROL = /[\u007f-\u009f]/g;

/**
 * JSON.stringify(value) with DEL and the C1 controls also escaped (`\u0085`), so the line is
 * the same JSON value and holds no control character at all.
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value).replace(
    JSON_RAW_CONTROL,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * A name read from a file (a pattern's, a schedule's), cut to `maxChars` characters with the
 * length it had, so that a message naming it stays one short line whatever the file holds.
 */
export function shortName(name: string, maxChars = MAX_PRINTED_NAME_CHARS): string {
  if (name.length <= maxChars) return name;
  return `${name.slice(0, maxChars)}… (${name.length} characters)`;
}
