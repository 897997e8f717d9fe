/**
 * Text that is safe to print on a terminal. Names that come from input (a pattern file's
 * "name", a file name, a flag typed by the user) may hold control characters; printed raw,
 * an escape sequence acts on the terminal and a newline splits a one-line error in two.
 */

/** C0 controls (U+0000–U+001F), DEL (U+007F) and C1 controls (U+0080–U+009F). */
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * The text with every C0 and C1 control character and DEL written as `\u{..}` (hex code point,
 * e.g. ESC → `\u{1b}`, newline → `\u{a}`); every other character is kept as it is.
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
