/**
 * What `deno task serve` does: build the explorer page (bundle web/src/explorer.ts with
 * lib/pattern, lib/plot's figure builders and lib/export's metadata checks; export the
 * character model for a few n) into out/web/, then serve it on 127.0.0.1 only. Everything the
 * page loads comes from this server: plotly.js and onnxruntime-web from node_modules.
 *
 * The server answers hostile input safely. It serves an explicit allow-list of files (the
 * page, its build output, the vendored files the page loads) and nothing else: a request
 * path is split on `/` before decoding, each segment is percent-decoded once and must be a
 * plain file name (no `\`, `%`, `..`, `:`, NUL or control characters, not empty, not `.`),
 * and the decoded path must be a key of the allow-list. The file it names must be a regular
 * file, no larger than SERVED_FILE_MAX_BYTES, whose real path (symlinks resolved) stays inside
 * its folder as found when the server started; the page's own files must also have a single
 * link (a hard link made in the checkout to an outside file is refused). What is read is the
 * opened handle, checked again after the open: the same device and inode as the checked path,
 * and still inside the folder (its location as the kernel reports it), so swapping a folder
 * for a symlink between the check and the open serves nothing. Only GET and HEAD are
 * answered, only for a Host header naming the loopback address and port the server listens
 * on (the port may be left out at 80, as browsers do; a page on another origin that rebinds
 * its DNS name to 127.0.0.1 is refused), and every answer carries security headers.
 *
 * The build writes only into real folders of the checkout: out/, out/web/ or out/web/models/
 * that is a symlink (or not a folder) is refused before anything is written there.
 */
import { constants as fsConstants } from "node:fs";
import { type FileHandle, open as openFileHandle } from "node:fs/promises";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { initTf } from "../lib/attention/tf/backend.ts";
import { exportToOnnx } from "../lib/export/export_model.ts";
import { SERVED_CHAR_MODEL } from "../lib/export/served_model.ts";
import { loadSavedModel } from "../lib/export/saved_model.ts";
import { SERVED_FILE_MAX_BYTES } from "../lib/util/limits.ts";
import { PathError, reasonOf } from "../lib/util/output_folder.ts";
import {
  pathFromUrl,
  runCommand,
  sweepStaleTemporaries,
  temporarySibling,
  writeFileAtomic,
} from "../lib/util/system.ts";

const ROOT = pathFromUrl("../", import.meta.url);
/** The folder the build writes (a file-system path). */
export const BUILD_DIR = join(ROOT, "out", "web");
/**
 * Lengths the character model is exported for (at most the length it was trained at); the page
 * runs it when its n is one of them.
 */
export const SERVED_LENGTHS = [32, 64, 128];

const PAGE_DIR = join(ROOT, "web");
const ORT_DIR = join(ROOT, "node_modules", "onnxruntime-web", "dist");
const PLOTLY_DIR = join(ROOT, "node_modules", "plotly.js-dist-min");

/** One file the server may send: its folder, its path inside it, and how it is sent. */
export interface ServedFile {
  /** The folder the file must stay inside once symlinks are resolved. */
  folder: string;
  /** The file's path relative to `folder`. */
  relative: string;
  contentType: string;
  cacheControl: string;
  /**
   * A file of an npm package (node_modules). Deno installs those as hard links into its
   * package cache, so more than one link is expected, and node_modules reaches them through
   * symlinks; the page's own files (web/, the build) must have a single link.
   */
  vendored: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  wasm: "application/wasm",
  onnx: "application/octet-stream",
};

function served(folder: string, relative: string, vendored = false): ServedFile {
  return {
    folder,
    relative,
    contentType: CONTENT_TYPES[relative.slice(relative.lastIndexOf(".") + 1)],
    // npm files are pinned and never change under a running server: let the browser keep
    // them (and its compiled code for plotly.js); the page's own files are rebuilt
    cacheControl: vendored ? "max-age=3600" : "no-store",
    vendored,
  };
}

/** The name of the model file the build exports for length n. */
const modelFile = (n: number) => `char-n${n}.onnx`;

/**
 * Every file the server sends, by its decoded request path without the leading `/` (the
 * empty path is the page). The page and style sheet; what the build writes (the bundle, the
 * manifest and one model per served length); and of the npm packages only what the page
 * loads: plotly.js, onnxruntime-web's wasm-only script and the one wasm module (with its
 * loader) that script fetches when it runs single-threaded.
 */
export const SERVED_FILES: ReadonlyMap<string, ServedFile> = new Map([
  ["", served(PAGE_DIR, "index.html")],
  ["index.html", served(PAGE_DIR, "index.html")],
  ["web/style.css", served(PAGE_DIR, "style.css")],
  ["build/explorer.js", served(BUILD_DIR, "explorer.js")],
  ["build/models/manifest.json", served(BUILD_DIR, "models/manifest.json")],
  ...SERVED_LENGTHS.map((n): [string, ServedFile] => [
    `build/models/${modelFile(n)}`,
    served(BUILD_DIR, `models/${modelFile(n)}`),
  ]),
  ["vendor/plotly.min.js", served(PLOTLY_DIR, "plotly.min.js", true)],
  ...["ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"].map((
    name,
  ): [string, ServedFile] => [`vendor/ort/${name}`, served(ORT_DIR, name, true)]),
]);

/** The folders the build writes, outermost first, relative to the checkout. */
const BUILD_FOLDERS = ["out", join("out", "web"), join("out", "web", "models")];

/**
 * Checks the folders the build writes (out/, out/web/, out/web/models/) before anything is
 * written: each that exists must be a real folder, not a symlink (writing through one would
 * put files, and remove stale ones, wherever it points) and not a file. With `create`, a
 * missing folder is made, then checked like one that existed. Throws a PathError naming the
 * folder, its path and why.
 */
export function requireBuildFolders(create = false): void {
  for (const name of BUILD_FOLDERS) {
    const path = join(ROOT, name);
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw new PathError(name, path, `cannot be read (${reasonOf(error)})`);
      }
      if (!create) return; // nothing below a missing folder exists yet
      try {
        Deno.mkdirSync(path);
        info = Deno.lstatSync(path);
      } catch (error) {
        throw new PathError(name, path, `cannot be created (${reasonOf(error)})`);
      }
    }
    if (info.isSymlink) {
      let target = "";
      try {
        target = ` to ${JSON.stringify(Deno.readLinkSync(path))}`;
      } catch {
        // gone again: the refusal stands without the target
      }
      throw new PathError(
        name,
        path,
        `is a symbolic link${target}; the build writes only into real folders of the checkout`,
      );
    }
    if (!info.isDirectory) throw new PathError(name, path, "is a file, not a folder");
  }
}

/**
 * Bundles the page script; returns the bundle's path. The bundle is written beside its target
 * and renamed into place only once it is known to run in a browser: a bundle that imports a
 * `node:` module (Deno-only code reached from web/src/explorer.ts) would leave the page
 * blank, so the build fails naming those modules and leaves the previous bundle as it was.
 */
export async function bundleExplorer(): Promise<string> {
  const output = join(BUILD_DIR, "explorer.js");
  const temporary = temporarySibling(output);
  requireBuildFolders(true);
  try {
    const result = await runCommand(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--output",
      temporary,
      join(ROOT, "web", "src", "explorer.ts"),
    ], { cwd: ROOT });
    if (result.code !== 0) throw new Error(`deno bundle failed: ${result.stderr.trim()}`);
    const nodeModules = nodeImports(await Deno.readTextFile(temporary));
    if (nodeModules.length > 0) {
      throw new Error(
        `the explorer bundle imports ${nodeModules.join(", ")}, which no browser provides: ` +
          "a module web/src/explorer.ts imports reaches Deno-only code",
      );
    }
    await Deno.rename(temporary, output);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  return output;
}

/** The `node:` modules a bundle imports (statically or dynamically), sorted, each once. */
export function nodeImports(bundle: string): string[] {
  const found = new Set<string>();
  for (const match of bundle.matchAll(/(?:\bfrom|\bimport\s*\(?)\s*["'](node:[^"']+)["']/g)) {
    found.add(match[1]);
  }
  return [...found].sort();
}

/**
 * Exports the served character model (the language-modelling sweep's best sparse model; see
 * lib/export/served_model.ts) with its attention maps for every served n, and writes the
 * manifest the page reads.
 */
export async function exportServedModels(stem = SERVED_CHAR_MODEL): Promise<string[]> {
  await initTf();
  const folder = join(BUILD_DIR, "models");
  requireBuildFolders(true);
  const saved = await loadSavedModel(stem);
  const models = [];
  for (const n of SERVED_LENGTHS) {
    const { bytes } = exportToOnnx(saved.model, {
      n,
      attentionOutputs: true,
      vocabulary: saved.vocabulary,
      description: saved.description,
    });
    await writeFileAtomic(join(folder, modelFile(n)), bytes);
    models.push({ n, file: `build/models/${modelFile(n)}` });
  }
  saved.model.dispose();
  await writeFileAtomic(
    join(folder, "manifest.json"),
    JSON.stringify({ models }, null, 1) + "\n",
  );
  return models.map((model) => model.file);
}

/**
 * Builds everything the page needs (bundle and models), first checking the build folders
 * (requireBuildFolders) and removing the temporary files an interrupted build left in them.
 */
export async function buildExplorer(): Promise<void> {
  requireBuildFolders(true);
  sweepStaleTemporaries(BUILD_DIR);
  sweepStaleTemporaries(join(BUILD_DIR, "models"));
  await Promise.all([bundleExplorer(), exportServedModels()]);
}

// -------------------------------------------------------------------------------------------
// Request paths

/** A refused request: the status and the short plain body it gets. */
export interface Refusal {
  status: number;
  message: string;
}

const NOT_FOUND: Refusal = { status: 404, message: "not found" };
const BAD_ESCAPE: Refusal = { status: 400, message: "bad request: malformed percent-encoding" };
/** Longest request path looked at; every served path is far shorter. */
const MAX_PATH_LENGTH = 256;
/** A decoded path segment: a plain file or folder name, nothing a file system reads as more. */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
// deno-lint-ignore no-control-regex
const FORBIDDEN_IN_SEGMENT = /[\\%/:\u0000-\u001f\u007f]|\.\./;

/**
 * The served file a raw request path (as it arrived, before any decoding; no query) names,
 * or why it is refused: 400 for malformed percent-encoding, 404 for everything else. The
 * path is split on `/` first, so an encoded `%2f` never becomes a separator; each segment is
 * decoded once and checked on its own. A segment that still holds a `%` after decoding is
 * refused, so double-encoded input (`%252e`) never decodes into something else later.
 */
export function resolveServedPath(rawPath: string): ServedFile | Refusal {
  if (!rawPath.startsWith("/") || rawPath.length > MAX_PATH_LENGTH) return NOT_FOUND;
  if (rawPath === "/") return SERVED_FILES.get("")!;
  const segments: string[] = [];
  for (const raw of rawPath.slice(1).split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return BAD_ESCAPE; // a lone `%`, a bad hex digit, or bytes that are not UTF-8 (overlong)
    }
    if (
      segment === "" || segment === "." || FORBIDDEN_IN_SEGMENT.test(segment) ||
      !SEGMENT.test(segment)
    ) {
      return NOT_FOUND;
    }
    segments.push(segment);
  }
  return SERVED_FILES.get(segments.join("/")) ?? NOT_FOUND;
}

/**
 * The file a request path maps to, as a `file:` URL, or undefined (unknown path, malformed
 * escapes, or a path that tries to leave the allow-list). Pure: the file system is not read.
 */
export function resolveRequest(rawPath: string): URL | undefined {
  const resolved = resolveServedPath(rawPath);
  if ("status" in resolved) return undefined;
  return pathToFileURL(join(resolved.folder, resolved.relative));
}

// -------------------------------------------------------------------------------------------
// Responses

/**
 * Headers on every answer. The policy allows what the page uses and nothing more: its own
 * scripts (and wasm compilation for onnxruntime-web), inline styles (plotly.js sets them),
 * images from data: and blob: URLs (plotly.js draws heatmaps through them), fetches from this
 * server only; no frames, no forms, no plugins, no base URL. No CORS header is ever sent, so
 * other origins cannot read any answer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-resource-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
};

function plain(status: number, message: string, extra: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, {
    status,
    headers: {
      ...SECURITY_HEADERS,
      "content-type": "text/plain; charset=utf-8",
      "cache-control": "no-store",
      ...extra,
    },
  });
}

/** Reads at most `size` bytes of an open file, in chunks, closing it at the end or on cancel. */
function boundedStream(file: FileHandle, size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  let open = true;
  const close = async () => {
    if (open) await file.close().catch(() => {});
    open = false;
  };
  return new ReadableStream({
    async pull(controller) {
      try {
        const chunk = new Uint8Array(Math.min(64 * 1024, size - sent));
        const read = chunk.length === 0
          ? 0
          : (await file.read(chunk, 0, chunk.length, null)).bytesRead;
        if (read === 0) {
          await close();
          controller.close();
          return;
        }
        sent += read;
        controller.enqueue(chunk.subarray(0, read));
      } catch (error) {
        await close();
        controller.error(error);
      }
    },
    cancel: close,
  });
}

/**
 * Open flags for a served file: read only; refuse a symlink as the last component (the checked
 * path has none, so one there was swapped in); never block on a FIFO swapped in after the check.
 */
const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/**
 * Whether a stat describes a file the server may send: a regular file (not a symlink, folder,
 * FIFO or device), within the size limit and, for the page's own files, with a single link.
 */
function sendable(
  info: { isFile: boolean; size: number; nlink: number | null },
  entry: ServedFile,
): boolean {
  return info.isFile && info.size <= SERVED_FILE_MAX_BYTES &&
    (entry.vendored || info.nlink === 1);
}

/**
 * Where an open file is, as the kernel reports it (Linux: /proc/self/fd): the path it was
 * opened through with every symlink already resolved, following later renames. Undefined
 * where the system does not say.
 */
async function openedLocation(file: FileHandle): Promise<string | undefined> {
  return await Deno.readLink(`/proc/self/fd/${file.fd}`).catch(() => undefined);
}

/**
 * Opens a served file after checking it, or undefined when any check fails or the file is
 * missing. Before the open: its real path (symlinks resolved) is inside `root`, and the entry
 * there (lstat, no link followed) is sendable. After the open, the handle, which is what gets
 * read: a sendable regular file with the device and inode the check saw, located at the
 * checked real path. A folder on the way swapped for a symlink between the check and the open
 * makes the open reach another file, which these refuse; where the system cannot say where an
 * open file is, the real path is resolved and compared once more instead (a narrower window,
 * not a closed one).
 */
async function openServed(
  entry: ServedFile,
  root: string,
): Promise<{ file: FileHandle; size: number } | undefined> {
  let real: string;
  try {
    real = await Deno.realPath(join(entry.folder, entry.relative));
  } catch {
    return undefined;
  }
  if (!real.startsWith(root.endsWith("/") ? root : `${root}/`)) return undefined;
  const checked = await Deno.lstat(real).catch(() => undefined);
  if (!checked || !sendable(checked, entry)) return undefined;
  let file: FileHandle;
  try {
    file = await openFileHandle(real, OPEN_FLAGS);
  } catch {
    return undefined;
  }
  try {
    const opened = await file.stat();
    const same =
      sendable({ isFile: opened.isFile(), size: opened.size, nlink: opened.nlink }, entry) &&
      opened.dev === checked.dev && opened.ino === checked.ino;
    if (same && await openedAt(file, real, checked)) return { file, size: opened.size };
  } catch {
    // a failed stat refuses like a failed check
  }
  await file.close().catch(() => {});
  return undefined;
}

/** Whether an open file is the one at the checked real path (see openServed). */
async function openedAt(file: FileHandle, real: string, checked: Deno.FileInfo): Promise<boolean> {
  const location = await openedLocation(file);
  if (location !== undefined) return location === real;
  const again = await Deno.realPath(real).catch(() => undefined);
  const info = again === real ? await Deno.lstat(real).catch(() => undefined) : undefined;
  return info !== undefined && info.dev === checked.dev && info.ino === checked.ino;
}

/**
 * The real folders the served files must stay inside, fixed when the handler is made, so a
 * served folder later replaced by a symlink does not move them. The page's folders are the
 * checkout's real path plus their names, never through a symlink; a vendored folder is
 * whatever node_modules' symlinks lead to when the handler is made (or, if it is missing
 * then, on its first use), and kept.
 */
function servedRoots(): (entry: ServedFile) => string | undefined {
  let checkout: string | undefined;
  try {
    checkout = Deno.realPathSync(ROOT);
  } catch {
    // no checkout to serve from: every request is refused
  }
  const vendored = new Map<string, string>();
  const vendoredRoot = (folder: string): string | undefined => {
    let root = vendored.get(folder);
    if (root === undefined) {
      try {
        root = Deno.realPathSync(folder);
      } catch {
        return undefined;
      }
      vendored.set(folder, root);
    }
    return root;
  };
  for (const entry of SERVED_FILES.values()) if (entry.vendored) vendoredRoot(entry.folder);
  return (entry) => {
    if (checkout === undefined) return undefined;
    if (!entry.vendored) return join(checkout, relative(ROOT, entry.folder));
    return vendoredRoot(entry.folder);
  };
}

/** The default port of the scheme the server speaks (http). */
const DEFAULT_HTTP_PORT = 80;

/**
 * The Host header values the server answers to, for the port it listens on. At the scheme's
 * default port browsers leave the port out, so the bare names are accepted there too.
 */
export function allowedHosts(port: number): string[] {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  return port === DEFAULT_HTTP_PORT ? [...hosts, "127.0.0.1", "localhost"] : hosts;
}

/**
 * The request handler for a server listening on 127.0.0.1:`port`. Exported for tests; every
 * refusal is a short plain-text answer, never file content and never a stack trace.
 */
export function explorerHandler(port: number): (request: Request) => Promise<Response> {
  // each Host header answered to, with the origins request.url may start with for it: the
  // same name, with the port or (at the default port, where the two are one) without it
  const hosts = allowedHosts(port);
  const nameOf = (host: string) => host.replace(/:\d+$/, "");
  const origins = new Map(hosts.map((host) => [
    host,
    hosts.filter((other) => nameOf(other) === nameOf(host)).map((other) => `http://${other}`),
  ]));
  const rootOf = servedRoots();
  return async (request) => {
    const host = request.headers.get("host") ?? "";
    // request.url is the request target as sent, prefixed with the Host header unless the
    // target is in absolute form: both must name this server
    const origin = origins.get(host)?.find((prefix) => request.url.startsWith(`${prefix}/`));
    if (origin === undefined) {
      return plain(421, `misdirected request: this server answers to http://127.0.0.1:${port}/`);
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return plain(405, "method not allowed: GET and HEAD only", { allow: "GET, HEAD" });
    }
    const target = request.url.slice(origin.length);
    const rawPath = target.split(/[?#]/, 1)[0];
    const resolved = resolveServedPath(rawPath);
    if ("status" in resolved) return plain(resolved.status, resolved.message);
    const root = rootOf(resolved);
    const opened = root === undefined ? undefined : await openServed(resolved, root);
    if (!opened) return plain(NOT_FOUND.status, NOT_FOUND.message);
    let body: ReadableStream<Uint8Array> | null = null;
    if (request.method === "GET") body = boundedStream(opened.file, opened.size);
    else await opened.file.close().catch(() => {});
    return new Response(body, {
      headers: {
        ...SECURITY_HEADERS,
        "content-type": resolved.contentType,
        "content-length": String(opened.size),
        "cache-control": resolved.cacheControl,
      },
    });
  };
}

export interface ExplorerServer {
  url: string;
  port: number;
  shutdown(): Promise<void>;
}

/**
 * Serves the built page on 127.0.0.1 (port 0: any free port). Throws Deno.errors.AddrInUse
 * (or PermissionDenied) when the port cannot be bound.
 */
export function serveExplorer(port: number): Promise<ExplorerServer> {
  return new Promise((resolve, reject) => {
    let handler: ((request: Request) => Promise<Response>) | undefined;
    try {
      const server = Deno.serve({
        hostname: "127.0.0.1",
        port,
        onListen: ({ port }) => {
          handler = explorerHandler(port);
          resolve({
            url: `http://127.0.0.1:${port}/`,
            port,
            shutdown: () => server.shutdown(),
          });
        },
        // a failure the handler did not foresee: one line in the log, a plain 500 to the client
        onError: (error) => {
          console.error(`serve: ${error instanceof Error ? error.message : String(error)}`);
          return plain(500, "internal error");
        },
      }, async (request) => {
        try {
          return await handler!(request);
        } catch (error) {
          console.error(`serve: ${error instanceof Error ? error.message : String(error)}`);
          return plain(500, "internal error");
        }
      });
    } catch (error) {
      reject(error);
    }
  });
}
