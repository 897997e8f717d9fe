/**
 * Reading a file the lab did not write itself (a pattern file, a model's weights, a result, a
 * notebook) as untrusted input: only a regular file is read, its size is capped before a byte is
 * allocated, and what is read is the file that was checked. The file is opened without blocking
 * and its opened handle is stat-ed (never the path, which may change in between): a FIFO, a
 * device such as `/dev/zero` (which never ends), a folder, or a symbolic link to any of them is
 * refused; a file that grows past the cap while being read (or whose stat lies, as `/proc`
 * files do) is refused at the cap; a read error is reported, not thrown raw. Every failure is
 * a PathError: one line naming the setting, the path and why.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { PathError } from "./output_folder.ts";
import { printable } from "./text.ts";

/** Where a file comes from, for messages: the setting that named it and its limit. */
export interface FileSource {
  /** The flag or setting that named the file (`--file`, `--model`, `result`). */
  parameter: string;
  /** The most bytes the file may hold. */
  maxBytes: number;
}

/** The answer for a file that does not exist, when the caller asks for it instead of an error. */
export const MISSING = Symbol("missing file");

/** The operating system's reason for a failed call, from a node:fs error ("ENOENT: no such …"). */
function fsReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^E[A-Z]+: /, "").replace(/, \w+( '.*)?$/s, "").split("\n")[0];
}

function tooLarge(path: string, size: string, source: FileSource): PathError {
  return new PathError(
    source.parameter,
    path,
    `is ${size} bytes; the limit is ${source.maxBytes} bytes`,
  );
}

/**
 * Reads at most `maxBytes + 1` bytes of `fd` into a buffer sized from its stat (grown only if
 * the file grows), so that a file longer than its stat said is caught at the cap.
 */
function readCapped(path: string, fd: number, statSize: number, source: FileSource): Uint8Array {
  let bytes = new Uint8Array(Math.min(statSize, source.maxBytes) + 1);
  let length = 0;
  try {
    while (length <= source.maxBytes) {
      if (length === bytes.length) {
        const grown = new Uint8Array(Math.min(source.maxBytes + 1, 2 * bytes.length + 4096));
        grown.set(bytes);
        bytes = grown;
      }
      const count = readSync(fd, bytes, length, bytes.length - length, null);
      if (count === 0) break;
      length += count;
    }
  } catch (error) {
    throw new PathError(source.parameter, path, `cannot be read (${fsReason(error)})`);
  }
  if (length > source.maxBytes) throw tooLarge(path, `more than ${source.maxBytes}`, source);
  return bytes.subarray(0, length);
}

/**
 * The bytes of the regular file at `path`, at most `source.maxBytes` of them; MISSING when
 * `missingOk` and the file does not exist; a PathError otherwise. The file is opened without
 * blocking (a FIFO's open returns at once) and the opened handle is stat-ed: what is read is
 * exactly the file that was checked, whatever the path points to a moment later.
 */
export function readRegularFileSync(
  path: string,
  source: FileSource & { missingOk: true },
): Uint8Array | typeof MISSING;
export function readRegularFileSync(path: string, source: FileSource): Uint8Array;
export function readRegularFileSync(
  path: string,
  source: FileSource & { missingOk?: boolean },
): Uint8Array | typeof MISSING {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") {
      if (source.missingOk) return MISSING;
      throw new PathError(source.parameter, path, "cannot be read (no such file)");
    }
    throw new PathError(source.parameter, path, `cannot be read (${fsReason(error)})`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) {
      throw new PathError(source.parameter, path, `is ${kindOf(info)}; expected a regular file`);
    }
    if (info.size > source.maxBytes) throw tooLarge(path, String(info.size), source);
    return readCapped(path, fd, info.size, source);
  } finally {
    closeSync(fd);
  }
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

/** The text of a regular UTF-8 file (see readRegularFileSync); invalid UTF-8 is refused. */
export function readRegularTextFileSync(
  path: string,
  source: FileSource & { missingOk: true },
): string | typeof MISSING;
export function readRegularTextFileSync(path: string, source: FileSource): string;
export function readRegularTextFileSync(
  path: string,
  source: FileSource & { missingOk?: boolean },
): string | typeof MISSING {
  const bytes = readRegularFileSync(path, source as FileSource & { missingOk: true });
  if (bytes === MISSING) return MISSING;
  return decodeUtf8(path, bytes, source);
}

/** UTF-8 text, or a PathError saying the file is not UTF-8. */
export function decodeUtf8(path: string, bytes: Uint8Array, source: FileSource): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PathError(source.parameter, path, "is not UTF-8 text");
  }
}

/** The first line of a JSON.parse error, control characters escaped (text read from a file). */
function jsonErrorReason(error: unknown): string {
  return printable((error as Error).message.split("\n")[0]);
}

/** JSON.parse of a file's text, or a PathError naming the file and the parser's reason. */
export function parseJsonFile(path: string, text: string, parameter: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PathError(parameter, path, `is malformed JSON (${jsonErrorReason(error)})`);
  }
}

/**
 * The JSON object `text` holds, or why it holds none: "not valid JSON (the parser's reason)" or
 * "not a JSON object" (an array, a string, a number or null). The opening of every validator
 * that reports a file's first fault as a reason rather than throwing.
 */
export function parseJsonObject(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not valid JSON (${jsonErrorReason(error)})`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not a JSON object";
  }
  return value as Record<string, unknown>;
}

/** The parsed JSON of a regular file of at most `source.maxBytes` bytes. */
export function readJsonFileSync(path: string, source: FileSource): unknown {
  return parseJsonFile(path, readRegularTextFileSync(path, source), source.parameter);
}
