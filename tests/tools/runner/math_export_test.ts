/**
 * Maths in the exported pages: placeholders replace exactly the maths of markdown cells (not
 * code, not escaped or unpaired dollars), every notebook's maths typesets with KaTeX, and an
 * exported page shows typeset formulas in headless Chromium with no network and no TeX left.
 */
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { join } from "node:path";
import { extractMath, katexStylesheet, prepareMath } from "../../../tools/runner/math.ts";
import { exportHtml } from "../../../tools/runner/execute.ts";
import { missingPrerequisites } from "../../../tools/runner/jupyter.ts";
import { listNotebooks, readNotebook } from "../../../tools/runner/notebook.ts";
import { findChromium, launchChromium, offlinePage } from "../../../lib/plot/chromium.ts";
import { pathFromUrl } from "../../../lib/util/system.ts";

const fixtures = pathFromUrl("../../fixtures", import.meta.url);
const notebooks = pathFromUrl("../../../notebooks", import.meta.url);
const missing = await missingPrerequisites(true);

Deno.test("extractMath: inline and display maths become placeholders; code and prices do not", () => {
  const source = "Let $x_1 < y$ and\n\n$$\n\\sum_k a_k\n$$\n\n`$HOME` costs \\$5, $5 and $6.\n\n" +
    "$ x$ is text.\n```\n$in a fence$\n```\nlast $\\alpha$, $\\gamma = $ id";
  const { text, formulas } = extractMath(source, "T", 3);
  assert.deepEqual(formulas, [
    { tex: "x_1 < y", display: false },
    { tex: "\\sum_k a_k", display: true },
    { tex: "\\alpha", display: false },
    { tex: "\\gamma = ", display: false },
  ]);
  assert.equal(
    text,
    "Let LABMATHTN3Z and\n\nLABMATHTN4Z\n\n`$HOME` costs &#36;5, &#36;5 and &#36;6.\n\n" +
      "&#36; x&#36; is text.\n" +
      "```\n$in a fence$\n```\nlast LABMATHTN5Z, LABMATHTN6Z id",
  );
  // an inline formula does not run across a blank line
  assert.deepEqual(extractMath("a $b\n\nc$ d", "T").formulas, []);
});

Deno.test("every notebook's maths typesets with KaTeX", async () => {
  const names = await listNotebooks(notebooks);
  assert.ok(names.length >= 17, `expected the 17 notebooks, found ${names.length}`);
  let total = 0;
  for (const name of names) {
    const prepared = prepareMath(await readNotebook(join(notebooks, name)), name);
    total += prepared.formulas.length;
    for (const cell of prepared.notebook.cells) {
      if (cell.cell_type !== "markdown") continue;
      const source = String(cell.source);
      // no formula left behind: every remaining "$" is escaped, in code or a lone price
      assert.doesNotMatch(source.replace(/`[^`]*`/g, ""), /(&#36;|\$)\\[a-zA-Z]/, name);
    }
  }
  assert.ok(total > 200, `expected hundreds of formulas across the notebooks, found ${total}`);
});

Deno.test("katexStylesheet: every font inlined as woff2, no relative URL left", () => {
  const css = katexStylesheet();
  const fonts = css.match(/url\(data:font\/woff2;base64,/g) ?? [];
  assert.equal(fonts.length, 20);
  assert.doesNotMatch(css, /url\((?!data:)/);
});

Deno.test({
  name: "exported page: maths typeset offline (KaTeX elements, fonts loaded, no raw TeX)",
  ignore: missing !== undefined || findChromium() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "lab-math-" });
    const browser = await launchChromium();
    try {
      await Deno.copyFile(join(fixtures, "maths.ipynb"), join(dir, "maths.ipynb"));
      await exportHtml(join(dir, "maths.ipynb"), join(dir, "maths.html"));
      const html = await Deno.readTextFile(join(dir, "maths.html"));
      assert.doesNotMatch(html, /LABMATH/);
      const blocked: string[] = [];
      const page = await offlinePage(browser, (url) => blocked.push(url));
      await page.goto(`file://${join(dir, "maths.html")}`, { waitUntil: "load" });
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      const result = await page.evaluate(() => {
        const rendered = [...document.querySelectorAll(".text_cell_render")];
        const visible = rendered.map((cell) => {
          const clone = cell.cloneNode(true) as HTMLElement;
          clone.querySelectorAll(".katex-mathml").forEach((element) => element.remove());
          return clone.textContent ?? "";
        }).join("\n");
        const mainFont = [...document.fonts].some((font) =>
          font.family.replace(/"/g, "") === "KaTeX_Main" && font.status === "loaded"
        );
        return {
          katex: document.querySelectorAll(".katex").length,
          display: document.querySelectorAll(".katex-display").length,
          inTable: document.querySelectorAll("td .katex").length,
          inHeading: document.querySelectorAll("h1 .katex").length,
          headingId: document.querySelector("h1")?.id ?? "",
          visible,
          mainFont,
          doubleStruck: document.querySelectorAll(".mathbb").length,
        };
      });
      // heading, two inline formulas, one display formula, one in the table
      assert.equal(result.katex, 5);
      assert.equal(result.display, 1);
      assert.equal(result.inTable, 1);
      assert.equal(result.inHeading, 1);
      assert.ok(result.doubleStruck >= 3, `\\mathbb letters typeset: ${result.doubleStruck}`);
      // the anchor GitHub gives the heading, computed from its markdown (the TeX as written)
      assert.equal(result.headingId, "maths-the-map-f-colon-mathbb-l-to-mathbb-r1times-n");
      assert.doesNotMatch(result.visible, /\$\\|\\mathbb|\\to|\\sum/);
      // escaped, code and unpaired dollars stay as text
      assert.match(result.visible, /a price of \$5/, result.visible);
      assert.match(result.visible, /\$HOME/);
      assert.match(result.visible, /\$not maths\$/);
      assert.match(result.visible, /Costs \$5 and \$6 stay text/);
      assert.ok(result.mainFont, "KaTeX_Main font loaded from the page itself");
      assert.deepEqual(blocked, []);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
