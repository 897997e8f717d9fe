/**
 * The explorer page end to end in headless Chromium: it builds and serves like `deno task
 * serve`, renders with no network, changes the pattern, moves the reach slider, runs the
 * character model in onnxruntime-web and gets the prediction Deno gets from the same file,
 * and turns bad input (a non-ONNX file, a model for another n, an unknown pattern name) into a
 * message on the page.
 */
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ElementHandle } from "puppeteer-core";
import { findChromium, launchChromium, type Page } from "../../lib/plot/chromium.ts";
import { OnnxRunner } from "../../lib/export/runtime.ts";
import { predictNextCharacter } from "../../lib/export/char_text.ts";
import { exportToOnnx } from "../../lib/export/export_model.ts";
import { SERVED_CHAR_MODEL } from "../../lib/export/served_model.ts";
import { loadSavedModel } from "../../lib/export/saved_model.ts";
import { BUILD_DIR, buildExplorer, serveExplorer } from "../../web/server.ts";

const TEXT = "call me ishmael. some years ago, never m";

/** Opens a page that may load only from the lab's server (and data:/blob:/about:). */
async function localPage(
  browser: Awaited<ReturnType<typeof launchChromium>>,
  origin: string,
  blocked: string[],
): Promise<Page> {
  const page = await browser.newPage();
  await page.setRequestInterception(true);
  page.on("request", (request) => {
    const url = request.url();
    if ([origin, "data:", "blob:", "about:"].some((prefix) => url.startsWith(prefix))) {
      request.continue();
    } else {
      blocked.push(url);
      request.abort("blockedbyclient");
    }
  });
  return page;
}

const text = (page: Page, selector: string) =>
  page.$eval(selector, (element) => (element as HTMLElement).innerText);

Deno.test({
  name: "explorer page: renders offline, follows the pattern, runs the model like Deno does",
  ignore: findChromium() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await buildExplorer();
    const server = await serveExplorer(0);
    const browser = await launchChromium();
    const blocked: string[] = [];
    const pageErrors: string[] = [];
    try {
      const page = await localPage(browser, server.url, blocked);
      page.on("pageerror", (error) => pageErrors.push(String(error)));
      // every Content-Security-Policy violation the page meets, as "directive blocked-uri"
      await page.evaluateOnNewDocument(() => {
        (globalThis as unknown as { violations: string[] }).violations = [];
        document.addEventListener("securitypolicyviolation", (event) => {
          (globalThis as unknown as { violations: string[] }).violations.push(
            `${event.violatedDirective} ${event.blockedURI}`,
          );
        });
      });
      const violations = () =>
        page.evaluate(() => (globalThis as unknown as { violations: string[] }).violations);

      // A name only inherited from Object.prototype is as unknown as any other.
      await page.goto(`${server.url}?pattern=constructor&n=32`);
      await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
      assert.match(await text(page, "#pattern-error"), /unknown pattern "constructor"/);
      assert.equal(
        await page.$eval("#pattern", (select) => (select as HTMLSelectElement).value),
        "strided",
      );

      // A pattern name the page does not know: a message, and the default pattern drawn.
      const response = await page.goto(`${server.url}?pattern=nope&n=32`);
      assert.equal(response?.headers()["x-content-type-options"], "nosniff");
      assert.match(response?.headers()["content-security-policy"] ?? "", /default-src 'none'/);
      await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 });
      assert.match(await text(page, "#pattern-error"), /unknown pattern "nope"/);
      assert.equal(
        await page.$eval("#pattern", (select) => (select as HTMLSelectElement).value),
        "strided",
      );
      assert.ok(await page.$("#mask-plot .main-svg"), "the mask is drawn");
      assert.equal(await text(page, "#verdict-status"), "holds");

      // Another pattern: the mask, verdict and reach sets follow.
      const before = await page.$eval("body", (body) => body.dataset.pattern);
      await page.select("#pattern", "window");
      await page.waitForFunction(
        (old) => document.body.dataset.pattern !== old,
        { timeout: 10_000 },
        before,
      );
      assert.match(await text(page, "#verdict"), /window/);
      assert.equal(await page.$eval("#pattern-error", (p) => (p as HTMLElement).hidden), true);
      await page.$eval("#reach-t", (slider) => {
        const input = slider as HTMLInputElement;
        input.value = input.max;
        input.dispatchEvent(new Event("input"));
      });
      await page.waitForFunction(() =>
        document.getElementById("reach-t-label")!.textContent!.includes("every token reaches")
      );

      // The character model, in the browser and in Deno, from the same exported file.
      await page.waitForSelector("#predictions li", { timeout: 30_000 });
      const browserTop = await page.$eval("#predictions li", (li) => ({
        char: (li as HTMLElement).dataset.char!,
        probability: Number((li as HTMLElement).dataset.probability),
      }));
      const bytes = await Deno.readFile(join(BUILD_DIR, "models", "char-n32.onnx"));
      const runner = await OnnxRunner.create(bytes);
      const denoTop = (await predictNextCharacter(runner, TEXT)).predictions[0];
      await runner.release();
      assert.equal(browserTop.char, denoTop.char);
      assert.ok(
        Math.abs(browserTop.probability - denoTop.probability) < 1e-5,
        `${browserTop.probability} vs ${denoTop.probability}`,
      );
      assert.ok(await page.$("#attention-plot .main-svg"), "attention weights are drawn");

      // Bad input: not ONNX, then a model exported for another n — messages, page alive.
      const upload = async (name: string, content: Uint8Array) => {
        const path = `${await Deno.makeTempDir()}/${name}`;
        await Deno.writeFile(path, content);
        const input = (await page.$("#model-file")) as ElementHandle<HTMLInputElement>;
        await input!.uploadFile(path);
        await page.waitForFunction(() => !document.getElementById("model-error")!.hidden, {
          timeout: 10_000,
        });
        const message = await text(page, "#model-error");
        await page.$eval("#model-file", (element) => (element as HTMLInputElement).value = "");
        return message;
      };
      assert.match(
        await upload("notes.onnx", new TextEncoder().encode("hello")),
        /not an ONNX model/,
      );
      const saved = await loadSavedModel(SERVED_CHAR_MODEL);
      const other = exportToOnnx(saved.model, {
        n: 16,
        attentionOutputs: true,
        vocabulary: saved.vocabulary,
      });
      saved.model.dispose();
      assert.match(await upload("char-16.onnx", other.bytes), /exported for n = 16/);
      assert.ok(await page.$("#mask-plot .main-svg"), "the page still shows its figures");

      assert.deepEqual(blocked, [], "nothing outside the lab's server was requested");
      assert.deepEqual(pageErrors, []);
      assert.deepEqual(await violations(), [], "the page needs nothing its policy forbids");
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
