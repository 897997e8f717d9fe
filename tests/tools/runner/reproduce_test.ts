/// <reference lib="dom" />
// (page.evaluate callbacks run in the browser)
import assert from "node:assert/strict";
import { parseExecutorFailure } from "../../../tools/runner/cell_error.ts";
import { pathFromUrl, runCommand } from "../../../lib/util/system.ts";
import { missingPrerequisites } from "../../../tools/runner/jupyter.ts";
import { readNotebook, selectNotebooks } from "../../../tools/runner/notebook.ts";
import { reproduce } from "../../../tools/runner/reproduce.ts";
import { siteLinkProblems } from "../../../tools/runner/site.ts";
import { parseDenoTestSummary } from "../../../tools/runner/suite.ts";
import { launchChromium, offlinePage } from "../../../lib/plot/chromium.ts";
import { PLOTLY_MIME } from "../../../lib/plot/mod.ts";

const fixtures = pathFromUrl("../../fixtures", import.meta.url);
const reproduceTool = pathFromUrl("../../../tools/reproduce.ts", import.meta.url);
const missing = await missingPrerequisites(true);
if (missing !== undefined) console.warn(`skipping notebook execution tests: ${missing}`);

Deno.test("selectNotebooks: by file name, stem or numeric prefix", () => {
  const names = ["01_patterns.ipynb", "02_attention.ipynb", "10_training.ipynb"];
  assert.deepEqual(selectNotebooks(names, "02_attention.ipynb"), ["02_attention.ipynb"]);
  assert.deepEqual(selectNotebooks(names, "02_attention"), ["02_attention.ipynb"]);
  assert.deepEqual(selectNotebooks(names, "2"), ["02_attention.ipynb"]);
  assert.deepEqual(selectNotebooks(names, "10"), ["10_training.ipynb"]);
  assert.throws(() => selectNotebooks(names, "3"), /--only = "3": no such notebook/);
});

Deno.test("parseExecutorFailure: the executor's JSON report becomes cell and one line", () => {
  const report = '{"cell": 3, "ename": "RangeError", "evalue": "n = -1: expected n >= 1\\nmore"}\n';
  assert.deepEqual(parseExecutorFailure(report, ""), {
    cell: 3,
    message: "RangeError: n = -1: expected n >= 1",
  });
  const died = "Traceback...\nnbclient.exceptions.DeadKernelError: Kernel died\n";
  assert.deepEqual(parseExecutorFailure("", died), { message: "DeadKernelError: Kernel died" });
});

Deno.test("parseDenoTestSummary: counts from the last summary line, steps not counted", () => {
  assert.deepEqual(parseDenoTestSummary("ok | 12 passed (3 steps) | 0 failed (2s)\n"), {
    passed: 12,
    failed: 0,
  });
  const failing = "FAILED | 9 passed | 2 failed | 1 ignored (5s)\n\nerror: Test failed\n";
  assert.deepEqual(parseDenoTestSummary(failing), { passed: 9, failed: 2 });
  assert.equal(parseDenoTestSummary("error: Type checking failed."), undefined);
});

Deno.test("reproduce CLI: a bad flag is one line naming it, exit 2", async () => {
  const result = await runCommand(Deno.execPath(), ["run", "-A", reproduceTool, "--fast"]);
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(result.stderr, /--fast/);
});

Deno.test("reproduce CLI: --help lists --solutions and its folder; --solutions takes no value", async () => {
  const help = await runCommand(Deno.execPath(), ["run", "-A", reproduceTool, "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: deno task reproduce \[--quick\] \[--solutions\]/);
  assert.match(help.stdout, /--solutions +fill the exercises' answer cells[^]*out-solutions/);
  const valued = await runCommand(Deno.execPath(), ["run", "-A", reproduceTool, "--solutions=yes"]);
  assert.equal(valued.code, 2);
  assert.match(valued.stderr, /^reproduce: --solutions = "yes": takes no value/);
});

Deno.test({
  name: "reproduce CLI: a throwing cell stops the run with exit 1 naming notebook, cell, error",
  ignore: missing !== undefined,
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "lab-test-out-" });
    try {
      const result = await runCommand(Deno.execPath(), [
        "run",
        "-A",
        reproduceTool,
        "--notebooks",
        fixtures,
        "--only",
        "throws",
        "--out",
        outDir,
      ]);
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stderr.trim().split("\n");
      assert.deepEqual(lines, [
        "reproduce: notebook throws.ipynb, cell 2: Error: fixture failure in cell 2",
      ]);
      assert.match(result.stdout, /\[1\/1\] throws\.ipynb: FAILED/);
      const index = await Deno.readTextFile(`${outDir}/index.html`);
      assert.match(index, /<li class="notebook failed" data-notebook="throws\.ipynb">/);
      assert.match(
        index,
        /<p class="error">notebook throws\.ipynb, cell 2: Error: fixture failure in cell 2<\/p>/,
      );
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  },
});

Deno.test({
  name: "reproduce: figures exported as SVG and rendered in an offline browser from the HTML page",
  ignore: missing !== undefined,
  async fn() {
    const outDir = await Deno.makeTempDir({ prefix: "lab-test-out-" });
    const browser = await launchChromium();
    try {
      const report = await reproduce({
        notebooksDir: fixtures,
        outDir,
        quick: true,
        only: "figures.ipynb",
      });
      assert.equal(report.failure, undefined);
      assert.deepEqual(report.notebooks.map((n) => [n.name, n.status]), [["figures.ipynb", "ok"]]);
      const figures = report.notebooks[0].figures;
      assert.deepEqual(figures, ["figures/figures/figure-01.svg", "figures/figures/figure-02.svg"]);

      // The executed notebook carries each SVG next to its Plotly JSON; the quick flag arrived.
      const executed = await readNotebook(`${outDir}/figures.ipynb`);
      const bundles = executed.cells.flatMap((cell) => cell.outputs ?? [])
        .map((output) => output.data ?? {});
      const plotly = bundles.filter((bundle) => PLOTLY_MIME in bundle);
      assert.equal(plotly.length, 2);
      for (const bundle of plotly) assert.match(String(bundle["image/svg+xml"]), /^<svg/);
      assert.ok(bundles.some((bundle) => String(bundle["text/plain"]).includes("quick  8")));

      const blocked: string[] = [];
      const page = await offlinePage(browser, (url) => blocked.push(url));
      await page.goto(`file://${outDir}/figures.html`, { waitUntil: "load" });
      const rendered = await page.evaluate(() =>
        [...document.querySelectorAll(".js-plotly-plot")]
          .map((div) => div.querySelectorAll(".main-svg").length)
      );
      assert.equal(rendered.length, 2, "two plotly figures on the page");
      assert.ok(rendered.every((count) => count > 0), "every figure drew its SVG");
      assert.deepEqual(blocked, [], "the page asked for nothing over the network");
      // plotly.js once for the site, loaded by the page from there; the page links only inside
      const html = await Deno.readTextFile(`${outDir}/figures.html`);
      assert.match(html, /<script type="text\/javascript" src="plotly\.min\.js"><\/script>/);
      assert.ok(html.length < 1.5 * 1024 * 1024, `figures.html has ${html.length} characters`);
      assert.ok((await Deno.stat(`${outDir}/plotly.min.js`)).size > 1_000_000);
      assert.match(html, /<nav class="lab-nav">.*<a class="index" href="index.html">Index<\/a>/);
      assert.deepEqual(await siteLinkProblems(outDir), []);

      for (const figure of figures) {
        await page.goto(`file://${outDir}/${figure}`, { waitUntil: "load" });
        const root = await page.evaluate(() => ({
          tag: document.documentElement.tagName,
          errors: document.getElementsByTagName("parsererror").length,
        }));
        assert.deepEqual(root, { tag: "svg", errors: 0 }, `${figure} parses as SVG`);
      }
      // The index: the fixture (no number) under "Other notebooks", its title and summary from
      // its first cell, its first figure as thumbnail, links to its page and executed notebook.
      await page.goto(`file://${outDir}/index.html`, { waitUntil: "load" });
      const index = await page.evaluate(() =>
        [...document.querySelectorAll("section.part")].map((section) => ({
          part: section.querySelector("h2")?.textContent,
          entries: [...section.querySelectorAll("li.notebook")].map((li) => ({
            title: li.querySelector("h3")?.textContent,
            summary: li.querySelector(".summary")?.textContent,
            links: [...li.querySelectorAll(".about a")].map((a) => a.getAttribute("href")),
            thumbnail: (li.querySelector(".thumbnail img") as HTMLImageElement | null)
              ?.naturalWidth,
            src: li.querySelector(".thumbnail img")?.getAttribute("src"),
            time: Number(li.querySelector(".time")?.textContent?.replace(" s", "")),
          })),
        }))
      );
      assert.equal(index.length, 1);
      assert.equal(index[0].part, "Other notebooks");
      const [listed] = index[0].entries;
      assert.equal(listed.title, "Figure fixture");
      assert.equal(
        listed.summary,
        "A heatmap with a path, a line plot and a table, shown from one cell.",
      );
      assert.deepEqual(listed.links, ["figures.html", "figures.html", "figures.ipynb"]);
      assert.equal(listed.src, "figures/figures/figure-01.svg");
      assert.ok(listed.thumbnail! > 0, "the thumbnail SVG loaded");
      assert.ok(Math.abs(listed.time - report.notebooks[0].seconds) < 0.051);
      assert.deepEqual(blocked, [], "the index asked for nothing over the network");
    } finally {
      await browser.close();
      await Deno.remove(outDir, { recursive: true });
    }
  },
});
