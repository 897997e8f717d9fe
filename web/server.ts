/**
 * What `deno task serve` does: build the explorer page (bundle web/src/explorer.ts with
 * lib/pattern, lib/plot's figure builders and lib/export's metadata checks; export the
 * character model for a few n) into out/web/, then serve it on 127.0.0.1 only. Everything the
 * page loads comes from this server: plotly.js and onnxruntime-web from node_modules.
 */
import { initTf } from "../lib/attention/tf/backend.ts";
import { exportToOnnx } from "../lib/export/export_model.ts";
import { PLACEHOLDER_CHAR_MODEL } from "../lib/export/char_model.ts";
import { loadSavedModel } from "../lib/export/saved_model.ts";
import { runCommand, writeFileAtomic } from "../lib/util/system.ts";

const ROOT = new URL("../", import.meta.url);
export const BUILD_DIR = new URL("out/web/", ROOT);
/** Lengths the character model is exported for; the page runs it when its n is one of them. */
export const SERVED_LENGTHS = [16, 32, 64];

/** URL prefix → folder (and, for a single file, the file). */
const ROUTES: [prefix: string, folder: URL][] = [
  ["/web/", new URL("web/", ROOT)],
  ["/build/", BUILD_DIR],
  ["/vendor/ort/", new URL("node_modules/onnxruntime-web/dist/", ROOT)],
  ["/vendor/plotly.min.js", new URL("node_modules/plotly.js-dist-min/plotly.min.js", ROOT)],
];

const CONTENT_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  json: "application/json",
  wasm: "application/wasm",
  onnx: "application/octet-stream",
};

/** Bundles the page script; returns the bundle's path. */
export async function bundleExplorer(): Promise<URL> {
  const output = new URL("explorer.js", BUILD_DIR);
  await Deno.mkdir(BUILD_DIR, { recursive: true });
  const result = await runCommand(Deno.execPath(), [
    "bundle",
    "--quiet",
    "--platform",
    "browser",
    "--output",
    output.pathname,
    new URL("web/src/explorer.ts", ROOT).pathname,
  ], { cwd: ROOT.pathname });
  if (result.code !== 0) throw new Error(`deno bundle failed: ${result.stderr.trim()}`);
  return output;
}

/**
 * Exports the placeholder character model (data/models/char-placeholder, trained for a few
 * seconds; see lib/export/char_model.ts) with its attention maps for every served n, and
 * writes the manifest the page reads.
 */
export async function exportServedModels(stem = PLACEHOLDER_CHAR_MODEL): Promise<string[]> {
  await initTf();
  const folder = new URL("models/", BUILD_DIR);
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
    const file = `char-n${n}.onnx`;
    await writeFileAtomic(new URL(file, folder).pathname, bytes);
    models.push({ n, file: `build/models/${file}` });
  }
  saved.model.dispose();
  await writeFileAtomic(
    new URL("manifest.json", folder).pathname,
    JSON.stringify({ models }, null, 1) + "\n",
  );
  return models.map((model) => model.file);
}

/** The file a request path maps to, or undefined (unknown route, or a path escaping it). */
export function resolveRequest(pathname: string): URL | undefined {
  if (pathname === "/" || pathname === "/index.html") return new URL("web/index.html", ROOT);
  for (const [prefix, target] of ROUTES) {
    if (!prefix.endsWith("/")) {
      if (pathname === prefix) return target;
      continue;
    }
    if (!pathname.startsWith(prefix)) continue;
    const rest = decodeURIComponent(pathname.slice(prefix.length));
    if (rest.split("/").some((part) => part === ".." || part === "")) return undefined;
    return new URL(rest, target);
  }
  return undefined;
}

async function respond(request: Request): Promise<Response> {
  const file = resolveRequest(new URL(request.url).pathname);
  if (!file) return new Response("not found", { status: 404 });
  try {
    const body = await Deno.readFile(file);
    const extension = file.pathname.split(".").pop() ?? "";
    return new Response(body, {
      headers: {
        "content-type": CONTENT_TYPES[extension] ?? "application/octet-stream",
        // npm files are pinned and never change under a running server: let the browser keep
        // them (and its compiled code for plotly.js); the page's own files are rebuilt
        "cache-control": file.pathname.includes("/node_modules/") ? "max-age=3600" : "no-store",
      },
    });
  } catch {
    return new Response("not found", { status: 404 });
  }
}

export interface ExplorerServer {
  url: string;
  shutdown(): Promise<void>;
}

/** Serves the built page on 127.0.0.1 (port 0: any free port). */
export function serveExplorer(port: number): Promise<ExplorerServer> {
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: ({ port }) => {
        resolve({ url: `http://127.0.0.1:${port}/`, shutdown: () => server.shutdown() });
      },
    }, respond);
  });
}

/** Builds everything the page needs (bundle and models). */
export async function buildExplorer(): Promise<void> {
  await Promise.all([bundleExplorer(), exportServedModels()]);
}
