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
 * file whose real path (symlinks resolved) stays inside its folder, no larger than
 * SERVED_FILE_MAX_BYTES. Only GET and HEAD are answered, only for a Host header naming the
 * loopback address and port the server listens on (a page on another origin that rebinds its
 * DNS name to 127.0.0.1 is refused), and every answer carries security headers.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { initTf } from "../lib/attention/tf/backend.ts";
import { exportToOnnx } from "../lib/export/export_model.ts";
import { SERVED_CHAR_MODEL } from "../lib/export/served_model.ts";
import { loadSavedModel } from "../lib/export/saved_model.ts";
import { SERVED_FILE_MAX_BYTES } from "../lib/util/limits.ts";
import {
  pathFromUrl,
  runCommand,
  sweepStaleTemporaries,
  TEMPORARY_SUFFIX,
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

/**
 * Bundles the page script; returns the bundle's path. The bundle is written beside its target
 * and renamed into place only once it is known to run in a browser: a bundle that imports a
 * `node:` module (Deno-only code reached from web/src/explorer.ts) would leave the page
 * blank, so the build fails naming those modules and leaves the previous bundle as it was.
 */
export async function bundleExplorer(): Promise<string> {
  const output = join(BUILD_DIR, "explorer.js");
  const temporary = `${output}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}${TEMPORARY_SUFFIX}`;
  await Deno.mkdir(BUILD_DIR, { recursive: true });
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
  await Deno.mkdir(folder, { recursive: true });
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
 * Builds everything the page needs (bundle and models), first removing the temporary files
 * an interrupted build left in the build folders.
 */
export async function buildExplorer(): Promise<void> {
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
function boundedStream(file: Deno.FsFile, size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  let open = true;
  const close = () => {
    if (open) file.close();
    open = false;
  };
  return new ReadableStream({
    async pull(controller) {
      try {
        const chunk = new Uint8Array(Math.min(64 * 1024, size - sent));
        const read = chunk.length === 0 ? null : await file.read(chunk);
        if (read === null) {
          close();
          controller.close();
          return;
        }
        sent += read;
        controller.enqueue(chunk.subarray(0, read));
      } catch (error) {
        close();
        controller.error(error);
      }
    },
    cancel: close,
  });
}

/**
 * Opens a served file after checking it: its real path stays inside its folder's real path
 * (a symlink cannot lead out), it is a regular file (not a device, FIFO or folder) and no
 * larger than SERVED_FILE_MAX_BYTES. Undefined when any check fails or the file is missing.
 */
async function openServed(
  entry: ServedFile,
  withBody: boolean,
): Promise<{ file?: Deno.FsFile; size: number } | undefined> {
  let real: string;
  let folder: string;
  try {
    folder = await Deno.realPath(entry.folder);
    real = await Deno.realPath(join(entry.folder, entry.relative));
  } catch {
    return undefined;
  }
  if (!real.startsWith(folder.endsWith("/") ? folder : `${folder}/`)) return undefined;
  const info = await Deno.stat(real).catch(() => undefined);
  if (!info?.isFile || info.size > SERVED_FILE_MAX_BYTES) return undefined;
  if (!withBody) return { size: info.size };
  const file = await Deno.open(real, { read: true }).catch(() => undefined);
  if (!file) return undefined;
  // the file opened is the one checked: still regular, still within the limit
  const opened = await file.stat().catch(() => undefined);
  if (!opened?.isFile || opened.size > SERVED_FILE_MAX_BYTES) {
    file.close();
    return undefined;
  }
  return { file, size: opened.size };
}

/** The Host header values the server answers to, for the port it listens on. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

/**
 * The request handler for a server listening on 127.0.0.1:`port`. Exported for tests; every
 * refusal is a short plain-text answer, never file content and never a stack trace.
 */
export function explorerHandler(port: number): (request: Request) => Promise<Response> {
  const hosts = new Set(allowedHosts(port));
  return async (request) => {
    const host = request.headers.get("host") ?? "";
    // request.url is the request target as sent, prefixed with the Host header unless the
    // target is in absolute form: both must name this server
    const origin = `http://${host}`;
    if (!hosts.has(host) || !request.url.startsWith(`${origin}/`)) {
      return plain(421, `misdirected request: this server answers to http://127.0.0.1:${port}/`);
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return plain(405, "method not allowed: GET and HEAD only", { allow: "GET, HEAD" });
    }
    const target = request.url.slice(origin.length);
    const rawPath = target.split(/[?#]/, 1)[0];
    const resolved = resolveServedPath(rawPath);
    if ("status" in resolved) return plain(resolved.status, resolved.message);
    const withBody = request.method === "GET";
    const opened = await openServed(resolved, withBody);
    if (!opened) return plain(NOT_FOUND.status, NOT_FOUND.message);
    return new Response(opened.file ? boundedStream(opened.file, opened.size) : null, {
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
