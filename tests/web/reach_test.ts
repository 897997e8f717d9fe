/**
 * The explorer's own pieces outside the browser: the reach sets it draws agree with their
 * sizes; the server maps only its routes (no path escapes); the page script,
 * which only the bundler sees otherwise, type-checks.
 */
import assert from "node:assert/strict";
import { buildPattern, reachSets, ZOO } from "../../lib/pattern/mod.ts";
import { runCommand } from "../../lib/util/system.ts";
import { resolveRequest } from "../../web/server.ts";

Deno.test("reach sets drawn by the page: row sums are |S_k^t| for every zoo pattern and layer", () => {
  for (const name of Object.keys(ZOO)) {
    const schedule = buildPattern(name, { n: 13 });
    const report = reachSets(schedule, { trackTokens: true, trackSets: true });
    const matrices = report.sets!;
    assert.equal(matrices.length, report.sizes.length);
    matrices.forEach((matrix, t) => {
      const sums = Array.from(
        { length: 13 },
        (_, k) => matrix.subarray(k * 13, (k + 1) * 13).reduce((a, b) => a + b, 0),
      );
      assert.deepEqual(sums, Array.from(report.tokenSizes![t]), `${name}, t = ${t + 1}`);
    });
  }
});

Deno.test("server routes: the page, its build, two vendored packages, nothing else", () => {
  assert.match(resolveRequest("/")!.pathname, /web\/index\.html$/);
  assert.match(resolveRequest("/build/models/char-n32.onnx")!.pathname, /out\/web\/models\//);
  assert.match(resolveRequest("/vendor/ort/ort.wasm.min.js")!.pathname, /onnxruntime-web\/dist\//);
  assert.match(resolveRequest("/vendor/plotly.min.js")!.pathname, /plotly\.min\.js$/);
  for (const path of ["/deno.json", "/web/../deno.json", "/web/%2e%2e/deno.json", "/vendor/x"]) {
    assert.equal(resolveRequest(path), undefined, path);
  }
});

Deno.test("the page script type-checks (DOM and onnxruntime-web types)", async () => {
  const result = await runCommand(Deno.execPath(), ["check", "web/src/explorer.ts"], {
    env: { NO_COLOR: "1" },
  });
  assert.equal(result.code, 0, result.stderr);
});
