/**
 * The explorer server against hostile input. `tools/serve.ts` runs as its own process from a
 * copy of the checkout at a path with a space and a `%` (so the build and the file look-ups
 * must use real paths, and the server's memory can be read from /proc/<pid>/status). Hostile
 * requests go over raw TCP, byte for byte as written: fetch() would normalize `..` and `\`
 * before they ever reached the server.
 *
 * Asserted: exactly the allow-list is served (200, right content type, the file's bytes,
 * security headers, HEAD without a body); every generated traversal encoding under every
 * route answers 4xx with a short body holding none of the target files' content, while the
 * server's resident memory stays under 200 MB; a foreign Host header gets 421; other
 * methods 405 with Allow; malformed escapes 400 with no stack trace in the server's log; symlinks
 * out of the build folder, a FIFO and an oversized file are refused; a hard link to a file
 * outside the checkout is refused; a served folder swapped with a symlink to an outside
 * folder, hundreds of times while requests run, never serves the outside file; a busy port is
 * one line naming --port and exit 2, before anything is built, and so is a build folder that
 * is a symlink, with nothing written through it. At port 80 a Host header without the port
 * (as browsers send it) is answered; at any other port it is refused.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { awkwardCheckout } from "../support/awkward_checkout.ts";
import { runTool } from "../support/run_tool.ts";
import {
  allowedHosts,
  explorerHandler,
  nodeImports,
  resolveServedPath,
  SECURITY_HEADERS,
  SERVED_FILES,
  serveExplorer,
} from "../../web/server.ts";
import { SERVED_FILE_MAX_BYTES } from "../../lib/util/limits.ts";
import { pathFromUrl, runCommand } from "../../lib/util/system.ts";

const CHECKOUT = pathFromUrl("../../", import.meta.url);

/** Every path the server answers 200 to, and the file (relative to the checkout) it sends. */
const ALLOWED: Record<string, string> = {
  "/": "web/index.html",
  "/index.html": "web/index.html",
  "/web/style.css": "web/style.css",
  "/build/explorer.js": "out/web/explorer.js",
  "/build/models/manifest.json": "out/web/models/manifest.json",
  "/build/models/char-n128.onnx": "out/web/models/char-n128.onnx",
  "/build/models/char-n32.onnx": "out/web/models/char-n32.onnx",
  "/build/models/char-n64.onnx": "out/web/models/char-n64.onnx",
  "/vendor/plotly.min.js": "node_modules/plotly.js-dist-min/plotly.min.js",
  "/vendor/ort/ort.wasm.min.js": "node_modules/onnxruntime-web/dist/ort.wasm.min.js",
  "/vendor/ort/ort-wasm-simd-threaded.mjs":
    "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs",
  "/vendor/ort/ort-wasm-simd-threaded.wasm":
    "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
};

const CONTENT_TYPES: Record<string, RegExp> = {
  html: /^text\/html; charset=utf-8$/,
  css: /^text\/css; charset=utf-8$/,
  js: /^text\/javascript; charset=utf-8$/,
  mjs: /^text\/javascript; charset=utf-8$/,
  json: /^application\/json$/,
  wasm: /^application\/wasm$/,
  onnx: /^application\/octet-stream$/,
};

/** Resident memory the server may reach while it answers the sweep. */
const RSS_LIMIT_BYTES = 200 * 1024 * 1024;
/** What the files outside the checkout hold: an answer holding it served one of them. */
const SECRET = "outside-the-checkout secret 5f0c2a";
/** Requests sent while served folders are swapped with symlinks. */
const SWAP_REQUESTS = 500;
/** Connections those requests are sent over at once. */
const SWAP_WORKERS = 16;
/** Longest body a refusal may have: a short sentence, never a file. */
const REFUSAL_MAX_BYTES = 80;

// -------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over TCP

interface Answer {
  status: number;
  headers: Map<string, string>;
  body: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Sends `head` (request line and headers, as bytes) and reads the whole answer; the
 * connection closes after it. Reading stops at `maxBytes` (a server that streams a device
 * forever fails the caller's assertions instead of filling the test's memory) or 10 s.
 */
async function rawExchange(port: number, head: string, maxBytes = 1 << 20): Promise<Answer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 10_000);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    await conn.write(encoder.encode(head));
    const buffer = new Uint8Array(64 * 1024);
    while (total < maxBytes) {
      const read = await conn.read(buffer);
      if (read === null) break;
      chunks.push(buffer.slice(0, read));
      total += read;
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  const end = indexOf(bytes, encoder.encode("\r\n\r\n"));
  assert.ok(end > 0, `no complete answer to ${JSON.stringify(head.split("\r\n")[0])}`);
  const [statusLine, ...lines] = decoder.decode(bytes.subarray(0, end)).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: bytes.subarray(end + 4) };
}

/** A request with `target` sent exactly as written; `host: null` sends no Host header. */
function rawRequest(
  port: number,
  target: string,
  options: { method?: string; host?: string | null; maxBytes?: number } = {},
): Promise<Answer> {
  const host = options.host === undefined ? `127.0.0.1:${port}` : options.host;
  const method = options.method ?? "GET";
  const head = `${method} ${target} HTTP/1.1\r\n` +
    (host === null ? "" : `Host: ${host}\r\n`) +
    (method === "POST" || method === "PUT" || method === "PATCH" ? "Content-Length: 0\r\n" : "") +
    "Connection: close\r\n\r\n";
  return rawExchange(port, head, options.maxBytes);
}

// -------------------------------------------------------------------------------------------
// The server as a separate process

interface ServerProcess {
  pid: number;
  port: number;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `tools/serve.ts --port 0` from `root` (it builds, then serves) and waits for its URL. */
async function startServe(root: string): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(root, "tools", "serve.ts"), "--port", "0"],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const stderrDone = (async () => {
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) stderr += text;
  })();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  let port: number | undefined;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 90_000);
  while (port === undefined) {
    const { value, done } = await lines.read();
    if (done) break;
    stdout += value;
    const match = /serving the explorer at http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
    if (match) port = Number(match[1]);
  }
  clearTimeout(deadline);
  const stdoutDone = (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await child.status;
    await Promise.all([stderrDone, stdoutDone]);
  };
  if (port === undefined) {
    await stop();
    throw new Error(`serve did not start: ${stdout}${stderr}`);
  }
  return { pid: child.pid, port, stderr: () => stderr, stop };
}

/**
 * Runs `tools/serve.ts` from `root` with `args` and returns its exit code and output; a serve
 * that is still running after `limitMs` (it started serving instead of refusing) is killed.
 */
async function runServeBriefly(
  root: string,
  args: string[],
  limitMs = 30_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(root, "tools", "serve.ts"), ...args],
    cwd: root,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(limitMs),
  }).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Resident memory of a process, in bytes (VmRSS from /proc). */
function residentBytes(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

// -------------------------------------------------------------------------------------------
// Hostile paths

/**
 * Where a path naively resolved under each route prefix lands, in levels below the
 * checkout's root (`/build/models/` is out/web/models/, `/vendor/ort/` is
 * node_modules/onnxruntime-web/dist/).
 */
const PREFIX_DEPTHS: [prefix: string, depth: number][] = [
  ["/", 0],
  ["/web/", 1],
  ["/index.html/", 1],
  ["/build/", 2],
  ["/build/models/", 3],
  ["/vendor/", 2],
  ["/vendor/ort/", 3],
];
const DOT_DOTS = [
  "..",
  "%2e%2e",
  "%2E%2E",
  ".%2e",
  "%2E.",
  "%252e%252e", // double encoding
  "%c0%ae%c0%ae", // overlong UTF-8 for "."
  "%e0%80%ae%e0%80%ae",
];
const SEPARATORS = ["/", "\\", "%5c", "%5C", "%2f", "%252f", "%c0%af", "%e0%80%af"];
/** Files outside the checkout, named from the file system's root. */
const ABSOLUTE_TARGETS = [
  ["etc", "hostname"],
  ["etc", "passwd"],
  ["proc", "self", "environ"],
  ["dev", "zero"],
];
/** Files of the checkout outside every served folder. */
const RELATIVE_TARGETS = [["deno.json"], ["README.md"], [".git", "config"]];

/** Every hostile request target: traversal, absolute, `file:`, NUL and `//` forms. */
function hostileTargets(port: number): string[] {
  const targets: string[] = [];
  for (const [prefix, depth] of PREFIX_DEPTHS) {
    for (const sep of SEPARATORS) {
      for (const up of DOT_DOTS) {
        const climb = (levels: number) => Array(levels).fill(`${up}${sep}`).join("");
        for (const parts of ABSOLUTE_TARGETS) targets.push(prefix + climb(8) + parts.join(sep));
        for (const parts of RELATIVE_TARGETS) {
          targets.push(prefix + climb(Math.max(depth, 1)) + parts.join(sep));
        }
        if (depth > 1) targets.push(prefix + climb(depth + 1) + "deno.json");
      }
      for (const parts of ABSOLUTE_TARGETS) {
        const path = parts.join(sep);
        targets.push(
          prefix + sep + path, // an absolute path after the prefix (`//etc/passwd` for `/`)
          prefix + "file:" + sep.repeat(3) + path,
          prefix + "file%3a" + sep.repeat(3) + path,
          prefix + "file%3A" + sep + path,
          prefix + path + "%00.js",
          prefix + "%00" + sep + path,
        );
      }
    }
    targets.push(
      prefix + "style.css%00/../../deno.json",
      prefix + "index.html%00",
      prefix + "..;/deno.json",
      prefix + "%2e%2e;/deno.json",
      prefix + "%ef%bc%8e%ef%bc%8e/deno.json", // fullwidth full stops
      prefix + "%%32%65%%32%65/deno.json",
      prefix + "%u002e%u002e/deno.json",
      prefix + ".",
      prefix + "./index.html",
      prefix + "%2e/index.html",
      `http://127.0.0.1:${port}${prefix}../../deno.json`, // absolute-form request target
      `http://127.0.0.1:${port}${prefix}%2e%2e%5c%2e%2e%5cdeno.json`,
    );
  }
  targets.push("//etc/passwd", "///etc/hostname", "/etc/passwd", "/proc/self/environ");
  targets.push("/dev/zero", "/deno.json", "/README.md", "/.git/config", "/tools/serve.ts");
  // the device that once made the server grow without bound, asked for again and again
  for (let i = 0; i < 40; i++) {
    targets.push(
      "/web/%5cdev%5czero",
      "/web/..%5c..%5c..%5c..%5cdev%5czero",
      "/build/%252e%252e/%252e%252e/%252e%252e/%252e%252e/dev/zero",
      "/vendor/ort/../../../../../../../../dev/zero",
      "/web/file:%5c%5c%5cdev%5czero",
    );
  }
  return targets;
}

/** Pieces of a file that must never appear in an answer: 16-byte slices (the whole file if shorter). */
function chunksOf(bytes: Uint8Array, size = 16): Uint8Array[] {
  if (bytes.length <= size) return bytes.length > 0 ? [bytes] : [];
  const chunks = [];
  for (let i = 0; i + size <= bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

// -------------------------------------------------------------------------------------------

Deno.test("request paths: the allow-list resolves, everything else is 404 or 400", () => {
  assert.deepEqual(
    [...SERVED_FILES.keys()].map((key) => `/${key}`).sort(),
    Object.keys(ALLOWED).sort(),
  );
  for (const [path, file] of Object.entries(ALLOWED)) {
    const resolved = resolveServedPath(path);
    assert.ok(!("status" in resolved), path);
    assert.equal(join(resolved.folder, resolved.relative), join(CHECKOUT, file), path);
  }
  const refused: [string, number][] = [
    ["/web/", 404],
    ["/web//style.css", 404],
    ["//web/style.css", 404],
    ["/web/./style.css", 404],
    ["/web/../web/style.css", 404],
    ["/web/%2e%2e/deno.json", 404],
    ["/web/%252e%252e/deno.json", 404],
    ["/web/%5cetc%5chostname", 404],
    ["/web/%5Cproc%5Cself%5Cenviron", 404],
    ["/web/file:%5c%5c%5cetc%5chostname", 404],
    ["/web/style.css%00", 404],
    ["/web/style.css%0a", 404],
    ["/web/style.css/", 404],
    ["/web/style.css%2f", 404],
    ["/web/a..b", 404],
    ["/WEB/style.css", 404],
    ["web/style.css", 404],
    ["/web/index.html", 404],
    ["/web/server.ts", 404],
    ["/deno.json", 404],
    ["/vendor/ort/ort.min.js", 404],
    ["/vendor/ort/ort.wasm.min.js.map", 404],
    ["/build/models/char-n17.onnx", 404],
    ["/constructor", 404],
    ["/__proto__", 404],
    ["/web/" + "a/".repeat(200) + "style.css", 404],
    ["/web/%E0%A4%A", 400],
    ["/web/%", 400],
    ["/web/%zz", 400],
    ["/web/%c0%ae%c0%ae/deno.json", 400],
    ["/web/%e0%80%ae", 400],
    ["/web/%ff", 400],
  ];
  for (const [path, status] of refused) {
    const resolved = resolveServedPath(path);
    assert.equal("status" in resolved ? resolved.status : 200, status, path);
  }
});

Deno.test("the allow-list holds every local file the page names", async () => {
  const page = await Deno.readTextFile(join(CHECKOUT, "web", "index.html"));
  const named = [...page.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((match) => match[1])
    .filter((url) => !url.startsWith("data:"));
  assert.deepEqual(named.sort(), [
    "build/explorer.js",
    "vendor/ort/ort.wasm.min.js",
    "vendor/plotly.min.js",
    "web/style.css",
  ]);
  for (const url of named) assert.ok(SERVED_FILES.has(url), url);
  const script = await Deno.readTextFile(join(CHECKOUT, "web", "src", "explorer.ts"));
  for (const match of script.matchAll(/fetch\("([^"]+)"\)/g)) {
    assert.ok(SERVED_FILES.has(match[1]), match[1]);
  }
});

Deno.test("a page bundle that imports node: modules is recognized (the build refuses it)", () => {
  const bundle = [
    'import { createHash } from "node:crypto";',
    "import{fileURLToPath}from'node:url';",
    'const fs = await import("node:fs");',
    'import "node:crypto";',
    'if (!Array.isArray(message.node)) return "node: array expected";',
  ].join("\n");
  assert.deepEqual(nodeImports(bundle), ["node:crypto", "node:fs", "node:url"]);
  assert.deepEqual(nodeImports('const x = "node: array expected";'), []);
});

Deno.test({
  name: "Host without a port: answered at port 80 (browsers leave it out), refused elsewhere",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.deepEqual(allowedHosts(80).sort(), [
      "127.0.0.1",
      "127.0.0.1:80",
      "localhost",
      "localhost:80",
    ]);
    assert.deepEqual(allowedHosts(8000).sort(), ["127.0.0.1:8000", "localhost:8000"]);
    const style = await Deno.readFile(join(CHECKOUT, "web", "style.css"));
    // a request as the handler gets it: the target prefixed with the Host header (Request
    // drops a default `:80` from its URL; Deno.serve keeps it as sent, as the socket checks
    // below show)
    const ask = async (port: number, host: string, url = `http://${host}/web/style.css`) => {
      const answer = await explorerHandler(port)(new Request(url, { headers: { host } }));
      return { status: answer.status, body: new Uint8Array(await answer.arrayBuffer()) };
    };
    for (const host of ["127.0.0.1", "localhost", "127.0.0.1:80", "localhost:80"]) {
      const answer = await ask(80, host);
      assert.equal(answer.status, 200, `port 80, Host: ${host}`);
      assert.deepEqual(answer.body, style, `port 80, Host: ${host}`);
    }
    const refusedAt80 = [
      "127.0.0.1:8000",
      "127.0.0.1:81",
      "127.0.0.1:080",
      "evil.example",
      "evil.example:80",
      "127.0.0.2",
      "",
    ];
    for (const host of refusedAt80) {
      assert.equal((await ask(80, host, "http://127.0.0.1/web/style.css")).status, 421, host);
    }
    // an absolute-form target naming another host, whatever the Host header says
    assert.equal((await ask(80, "127.0.0.1", "http://evil.example/web/style.css")).status, 421);
    for (const host of ["127.0.0.1", "localhost", "127.0.0.1:80", "localhost:80"]) {
      const answer = await ask(8000, host, "http://127.0.0.1:8000/web/style.css");
      assert.equal(answer.status, 421, `port 8000, Host: ${host}`);
    }
    assert.equal((await ask(8000, "127.0.0.1:8000")).status, 200);

    // the same through a real socket, where port 80 can be bound here
    let server;
    try {
      server = await serveExplorer(80);
    } catch (error) {
      if (
        !(error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.PermissionDenied)
      ) {
        throw error;
      }
      console.log(`port 80 cannot be bound here (${(error as Error).name}); handler checked`);
      return;
    }
    try {
      for (const host of ["127.0.0.1", "localhost", "127.0.0.1:80", "localhost:80"]) {
        const answer = await rawRequest(80, "/web/style.css", { host });
        assert.equal(answer.status, 200, `Host: ${host}`);
        assert.deepEqual(answer.body, style, `Host: ${host}`);
      }
      for (const target of ["/web/style.css", "http://127.0.0.1:80/web/style.css"]) {
        assert.equal((await rawRequest(80, target, { host: "evil.example" })).status, 421);
      }
      // an absolute-form target may spell the port or leave it out; its name must be Host's
      for (
        const [target, host] of [
          ["http://127.0.0.1/web/style.css", "127.0.0.1"],
          ["http://127.0.0.1:80/web/style.css", "127.0.0.1"],
          ["http://127.0.0.1/web/style.css", "127.0.0.1:80"],
        ]
      ) {
        assert.equal((await rawRequest(80, target, { host })).status, 200, `${target} ${host}`);
      }
      const other = await rawRequest(80, "http://localhost/web/style.css", { host: "127.0.0.1" });
      assert.equal(other.status, 421, "absolute-form target naming another name than Host");
      console.log("port 80 bound: Host without the port answered through a socket");
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name:
    "explorer server from a checkout at an awkward path: allow-list only, hostile input refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const copy = await awkwardCheckout();
    const root = copy.root;
    let server: ServerProcess | undefined;
    try {
      await t.step("a busy port: one line naming --port, exit 2, nothing built", async () => {
        const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
        const busy = (holder.addr as Deno.NetAddr).port;
        try {
          const result = await runTool("serve", ["--port", String(busy)], {}, root);
          assert.equal(result.code, 2, result.stderr);
          const lines = result.stderr.trim().split("\n");
          assert.equal(lines.length, 1, result.stderr);
          assert.match(lines[0], new RegExp(`--port = ${busy}: address already in use`));
          assert.equal(result.stdout, "");
        } finally {
          holder.close();
        }
        await assert.rejects(Deno.stat(join(root, "out")), Deno.errors.NotFound);
      });

      server = await startServe(root);
      const { port, pid } = server;

      await t.step("the build ran in the copy (bundle and models)", async () => {
        assert.ok(root.includes(" ") && root.includes("%"), root);
        for (const file of ["explorer.js", "models/manifest.json", "models/char-n32.onnx"]) {
          assert.ok((await Deno.stat(join(root, "out", "web", file))).isFile, file);
        }
        const manifest = JSON.parse(
          await Deno.readTextFile(join(root, "out", "web", "models", "manifest.json")),
        );
        for (const model of manifest.models) assert.ok(`/${model.file}` in ALLOWED, model.file);
      });

      await t.step("every allowed file: 200, its bytes, its type, security headers", async () => {
        for (const [path, file] of Object.entries(ALLOWED)) {
          const expected = await Deno.readFile(join(root, file));
          const answer = await rawRequest(port, path, { maxBytes: SERVED_FILE_MAX_BYTES + 4096 });
          assert.equal(answer.status, 200, path);
          assert.equal(answer.body.length, expected.length, path);
          assert.ok(answer.body.every((byte, i) => byte === expected[i]), `${path}: same bytes`);
          const extension = file.slice(file.lastIndexOf(".") + 1);
          assert.match(answer.headers.get("content-type") ?? "", CONTENT_TYPES[extension], path);
          for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
            assert.equal(answer.headers.get(name), value, `${path}: ${name}`);
          }
          assert.equal(answer.headers.get("x-content-type-options"), "nosniff");
          assert.ok(
            ![...answer.headers.keys()].some((name) => name.startsWith("access-control-")),
            `${path}: no CORS header`,
          );
          const head = await rawRequest(port, path, { method: "HEAD" });
          assert.equal(head.status, 200, `HEAD ${path}`);
          assert.equal(head.headers.get("content-length"), String(expected.length), path);
          assert.equal(head.body.length, 0, `HEAD ${path} sends no body`);
        }
        const page = await rawRequest(port, "/?pattern=window&n=16");
        assert.equal(page.status, 200, "a query does not change the path");
        assert.equal((await rawRequest(port, "/", { host: `localhost:${port}` })).status, 200);
      });

      await t.step("a foreign Host header (DNS rebinding) is refused with 421", async () => {
        for (
          const host of [
            "evil.example",
            `evil.example:${port}`,
            "127.0.0.1",
            "127.0.0.1:1",
            "",
            null,
          ]
        ) {
          const answer = await rawRequest(port, "/", { host });
          assert.equal(answer.status, 421, `Host: ${host}`);
          assert.ok(!decoder.decode(answer.body).includes("<html"), `Host: ${host}`);
        }
        const absolute = await rawRequest(port, "http://evil.example/index.html");
        assert.equal(absolute.status, 421, "absolute-form target naming another host");
      });

      await t.step("methods other than GET and HEAD: 405 with Allow", async () => {
        for (const method of ["POST", "PUT", "DELETE", "TRACE", "OPTIONS", "PATCH"]) {
          const answer = await rawRequest(port, "/", { method });
          assert.equal(answer.status, 405, method);
          assert.equal(answer.headers.get("allow"), "GET, HEAD", method);
          assert.ok(answer.body.length <= REFUSAL_MAX_BYTES, method);
        }
      });

      await t.step("malformed escapes: 400 and a short body", async () => {
        for (const path of ["/web/%E0%A4%A", "/%E0%A4%A", "/web/%", "/build/%zz", "/web/%c0%ae"]) {
          const answer = await rawRequest(port, path);
          assert.equal(answer.status, 400, path);
          assert.match(decoder.decode(answer.body), /^bad request: malformed percent-encoding\n$/);
        }
      });

      await t.step("the sweep: every traversal encoding refused, memory bounded", async () => {
        const secrets = new Map<string, Uint8Array[]>([
          ["/etc/hostname", chunksOf(await Deno.readFile("/etc/hostname"))],
          ["/etc/passwd", chunksOf(await Deno.readFile("/etc/passwd"))],
          ["/proc/<server>/environ", chunksOf(await Deno.readFile(`/proc/${pid}/environ`))],
          ["/dev/zero", [new Uint8Array(16)]],
          ["deno.json", [encoder.encode('"nodeModulesDir": "auto"')]],
          ["README.md", [encoder.encode("# The O(n) lab")]],
          ["tools/serve.ts", [encoder.encode('runTool("serve"')]],
        ]);
        for (const [name, chunks] of secrets) assert.ok(chunks.length > 0, name);
        const targets = hostileTargets(port);
        assert.ok(targets.length >= 1000, `${targets.length} requests`);
        let peak = residentBytes(pid);
        let samples = 0;
        const sampler = setInterval(() => {
          peak = Math.max(peak, residentBytes(pid));
          samples++;
        }, 20);
        const failures: string[] = [];
        const statuses = new Map<number, number>();
        const started = performance.now();
        let next = 0;
        const worker = async () => {
          while (next < targets.length) {
            const target = targets[next++];
            const answer = await rawRequest(port, target);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status < 400 || answer.status > 499) {
              failures.push(`${target}: ${answer.status}`);
            }
            if (answer.body.length > REFUSAL_MAX_BYTES) {
              failures.push(`${target}: a ${answer.body.length}-byte body`);
            }
            for (const [name, chunks] of secrets) {
              if (chunks.some((chunk) => indexOf(answer.body, chunk) !== -1)) {
                failures.push(`${target}: holds content of ${name}`);
              }
            }
          }
        };
        try {
          await Promise.all(Array.from({ length: 8 }, worker));
        } finally {
          clearInterval(sampler);
        }
        peak = Math.max(peak, residentBytes(pid));
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `sweep: ${targets.length} requests in ${seconds.toFixed(1)} s, statuses ` +
            `${JSON.stringify(Object.fromEntries(statuses))}, peak VmRSS ` +
            `${(peak / 2 ** 20).toFixed(1)} MiB over ${samples} samples`,
        );
        assert.deepEqual(failures.slice(0, 20), []);
        assert.ok(samples >= 5, `${samples} memory samples`);
        assert.ok(peak < RSS_LIMIT_BYTES, `peak VmRSS ${peak} bytes`);
      });

      await t.step("a hard link to a file outside the checkout is refused", async () => {
        const outside = await Deno.makeTempDir({ prefix: "outside the checkout " });
        const secret = join(outside, "secret");
        await Deno.writeTextFile(secret, SECRET);
        try {
          for (
            const [path, file] of [
              ["/web/style.css", "web/style.css"],
              ["/build/models/manifest.json", "out/web/models/manifest.json"],
            ]
          ) {
            const target = join(root, file);
            const original = await Deno.readFile(target);
            await Deno.remove(target);
            await Deno.link(secret, target);
            try {
              assert.equal((await Deno.lstat(target)).nlink, 2, file);
              for (const method of ["GET", "HEAD"]) {
                const answer = await rawRequest(port, path, { method });
                assert.equal(answer.status, 404, `${method} ${path}`);
                assert.ok(!decoder.decode(answer.body).includes(SECRET), `${method} ${path}`);
              }
            } finally {
              await Deno.remove(target);
              await Deno.writeFile(target, original);
            }
            // the same path with a single link again is served: the link was the refusal
            const answer = await rawRequest(port, path);
            assert.equal(answer.status, 200, path);
            assert.deepEqual(answer.body, original, path);
          }
        } finally {
          await Deno.remove(outside, { recursive: true });
        }
      });

      await t.step(
        "served folders swapped with symlinks to outside folders, again and again: never served",
        async () => {
          const outside = await Deno.makeTempDir({ prefix: "outside the checkout " });
          // each swapped folder: where it is, the outside folder its symlink leads to, and the
          // request paths it serves with their genuine bytes
          const swapped: { folder: string; link: string; aside: string }[] = [];
          const genuine = new Map<string, Uint8Array>();
          for (
            const [folder, files] of [
              ["web", { "/index.html": "index.html", "/web/style.css": "style.css" }],
              ["out/web/models", { "/build/models/manifest.json": "manifest.json" }],
            ] as const
          ) {
            const decoy = join(outside, folder.replaceAll("/", "-"));
            await Deno.mkdir(decoy);
            for (const [path, name] of Object.entries(files)) {
              genuine.set(path, await Deno.readFile(join(root, folder, name)));
              await Deno.writeTextFile(join(decoy, name), SECRET);
            }
            const link = join(root, `${folder}.link`);
            await Deno.symlink(decoy, link);
            swapped.push({
              folder: join(root, folder),
              link,
              aside: join(root, `${folder}.aside`),
            });
          }
          const toLink = async ({ folder, link, aside }: (typeof swapped)[number]) => {
            await Deno.rename(folder, aside);
            await Deno.rename(link, folder);
          };
          const toFolder = async ({ folder, link, aside }: (typeof swapped)[number]) => {
            await Deno.rename(folder, link);
            await Deno.rename(aside, folder);
          };
          const paths = [...genuine.keys()];
          try {
            // with the symlinks in place and still: refused
            for (const swap of swapped) await toLink(swap);
            for (const path of paths) {
              const answer = await rawRequest(port, path);
              assert.equal(answer.status, 404, `${path} through a symlinked folder`);
              assert.ok(!decoder.decode(answer.body).includes(SECRET), path);
            }
            for (const swap of swapped) await toFolder(swap);

            // swapped back and forth while requests run
            let swapping = true;
            let swaps = 0;
            const swappers = swapped.map(async (swap) => {
              while (swapping) {
                await toLink(swap);
                await toFolder(swap);
                swaps++;
              }
            });
            const statuses = new Map<number, number>();
            const leaks: string[] = [];
            const wrong: string[] = [];
            let next = 0;
            const worker = async () => {
              while (next < SWAP_REQUESTS) {
                const path = paths[next++ % paths.length];
                const answer = await rawRequest(port, path);
                statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
                if (decoder.decode(answer.body).includes(SECRET)) leaks.push(path);
                else if (answer.status === 200) {
                  const expected = genuine.get(path)!;
                  const same = answer.body.length === expected.length &&
                    answer.body.every((byte, i) => byte === expected[i]);
                  if (!same) wrong.push(path);
                } else if (answer.status !== 404) wrong.push(`${path}: ${answer.status}`);
              }
            };
            try {
              await Promise.all(Array.from({ length: SWAP_WORKERS }, worker));
            } finally {
              swapping = false;
              await Promise.all(swappers);
            }
            console.log(
              `swap race: ${SWAP_REQUESTS} requests during ${swaps} swaps, statuses ` +
                `${JSON.stringify(Object.fromEntries(statuses))}, the outside file served ` +
                `${leaks.length} times`,
            );
            assert.deepEqual(leaks, [], "the outside file was served");
            assert.deepEqual(wrong, []);
            // the race was run: folders were swapped throughout, and requests met both states
            assert.ok(swaps >= 100, `${swaps} swaps`);
            assert.ok((statuses.get(200) ?? 0) > 0, "no request met a real folder");
            assert.ok((statuses.get(404) ?? 0) > 0, "no request met a swapped folder");
          } finally {
            for (const { folder, link, aside } of swapped) {
              if ((await Deno.lstat(folder).catch(() => undefined))?.isSymlink) {
                await Deno.rename(folder, link);
              }
              if (await Deno.lstat(aside).catch(() => undefined)) await Deno.rename(aside, folder);
              await Deno.remove(link).catch(() => {});
            }
            await Deno.remove(outside, { recursive: true });
          }
          // everything back in place: served again
          for (const path of paths) assert.equal((await rawRequest(port, path)).status, 200, path);
        },
      );

      await t.step(
        "what is in the build folder: symlinks out, a FIFO, an oversized file",
        async () => {
          const models = join(root, "out", "web", "models");
          const replace = async (name: string, make: (path: string) => Promise<void>) => {
            await Deno.remove(join(models, name));
            await make(join(models, name));
          };
          await replace("manifest.json", (path) => Deno.symlink("/etc/passwd", path));
          await replace("char-n128.onnx", (path) => Deno.symlink("/dev/zero", path));
          await replace("char-n32.onnx", async (path) => {
            const made = await runCommand("mkfifo", [path]);
            assert.equal(made.code, 0, made.stderr);
          });
          await replace("char-n64.onnx", async (path) => {
            await Deno.writeFile(path, new Uint8Array(0));
            await Deno.truncate(path, SERVED_FILE_MAX_BYTES + 1); // sparse: no disk used
          });
          // inside the checkout, outside the build folder
          await Deno.remove(join(root, "out", "web", "explorer.js"));
          await Deno.symlink(join(root, "deno.json"), join(root, "out", "web", "explorer.js"));
          const before = residentBytes(pid);
          for (
            const path of [
              "/build/models/manifest.json",
              "/build/models/char-n128.onnx",
              "/build/models/char-n32.onnx",
              "/build/models/char-n64.onnx",
              "/build/explorer.js",
            ]
          ) {
            for (const method of ["GET", "HEAD"]) {
              const answer = await rawRequest(port, path, { method });
              assert.equal(answer.status, 404, `${method} ${path}`);
              assert.ok(answer.body.length <= REFUSAL_MAX_BYTES, `${method} ${path}`);
            }
          }
          assert.ok(
            residentBytes(pid) < RSS_LIMIT_BYTES,
            `VmRSS ${residentBytes(pid)} (${before})`,
          );
        },
      );

      await t.step("the server's log: no stack trace, no error for any request", async () => {
        const stopped = server!;
        server = undefined;
        await stopped.stop();
        const log = stopped.stderr();
        assert.doesNotMatch(log, /^\s+at\s|Error|serve:/m, log);
      });

      await t.step(
        "a build folder that is a symlink: one line naming it, exit 2, nothing written",
        async () => {
          const outside = await Deno.makeTempDir({ prefix: "outside the checkout " });
          try {
            for (const name of ["out", "out/web", "out/web/models"]) {
              const folder = join(root, name);
              const aside = `${folder}.aside`;
              await Deno.rename(folder, aside);
              await Deno.symlink(outside, folder);
              try {
                const result = await runServeBriefly(root, ["--port", "0"]);
                assert.equal(result.code, 2, `${name}: ${result.stdout}${result.stderr}`);
                assert.equal(
                  result.stderr,
                  `serve: ${name} = ${JSON.stringify(folder)}: is a symbolic link to ` +
                    `${JSON.stringify(outside)}; the build writes only into real folders of ` +
                    "the checkout\n",
                );
                assert.equal(result.stdout, "");
                assert.deepEqual([...Deno.readDirSync(outside)], [], `${name}: written through`);
              } finally {
                await Deno.remove(folder);
                await Deno.rename(aside, folder);
              }
            }
          } finally {
            await Deno.remove(outside, { recursive: true });
          }
        },
      );
    } finally {
      await server?.stop();
      await copy.remove();
    }
  },
});
