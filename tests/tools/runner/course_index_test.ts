/**
 * The course site's index: titles and summaries read from the notebooks' first cells, the parts
 * of the course by notebook number, and the page's structure (parts in order, a thumbnail of the
 * first figure, links to each page and executed notebook, maths as MathML, the course plan).
 */
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type CourseEntry,
  coursePart,
  firstSentence,
  indexPage,
  inlineHtml,
  notebookIntro,
} from "../../../tools/runner/course.ts";
import { listNotebooks, readNotebook } from "../../../tools/runner/notebook.ts";
import { findChromium, launchChromium, offlinePage } from "../../../lib/plot/chromium.ts";
import { pathFromUrl } from "../../../lib/util/system.ts";

const notebooks = pathFromUrl("../../../notebooks", import.meta.url);

Deno.test("notebookIntro: every notebook has a numbered title and a one-sentence summary", async () => {
  const names = await listNotebooks(notebooks);
  assert.equal(names.length, 17);
  for (const name of names) {
    const intro = notebookIntro(await readNotebook(join(notebooks, name)), name);
    assert.match(intro.title, new RegExp(`^${name.slice(0, 2)} · \\S`), name);
    assert.ok(intro.summary.length >= 40, `${name}: summary "${intro.summary}"`);
    assert.match(intro.summary, /[.!?]$/, name);
    assert.doesNotMatch(intro.summary, /^\*\*What this/, name);
  }
  const tour = notebookIntro(await readNotebook(join(notebooks, "00_tour.ipynb")), "x");
  assert.equal(tour.title, "00 · A tour of the O(n) lab");
});

Deno.test("index summaries say what each notebook does and which data it uses", async () => {
  const summary = async (name: string) =>
    notebookIntro(await readNotebook(join(notebooks, name)), name).summary;
  // the experiments train on the lab's own data, not the paper's
  const data: [string, RegExp][] = [
    ["12_exp_language_modeling.ipynb", /Moby Dick/],
    ["13_exp_seq2seq.ipynb", /CMUdict/],
    ["14_exp_classification.ipynb", /CMUdict/],
  ];
  for (const [name, corpus] of data) {
    const text = await summary(name);
    assert.match(text, /^(Trains|Pretrains) /, `${name}: ${text}`);
    assert.match(text, corpus, `${name}: ${text}`);
    assert.doesNotMatch(text, /LM1B|WMT|MNLI|XNLI|Tensor2Tensor|BERT-BASE/, `${name}: ${text}`);
  }
  // the index cites the paper once, in its header; the tour's summary does not repeat it
  assert.doesNotMatch(await summary("00_tour.ipynb"), /Yun|arXiv|NeurIPS/);
  // a summary is a whole thought: it names the step it measures, not only its premise
  assert.match(await summary("09_step3_softmax_relu.ipynb"), /^Step 3 of the proof, measured: /);
});

Deno.test("firstSentence: drops a bold label, keeps abbreviations inside the sentence", () => {
  assert.equal(
    firstSentence("**What this shows.** The layer of Yun et al. (2020) uses\n$\\rho$. Then more."),
    "The layer of Yun et al. (2020) uses $\\rho$.",
  );
  assert.equal(firstSentence("No full stop here"), "No full stop here");
});

Deno.test("coursePart: grouped by notebook number", () => {
  assert.deepEqual(
    ["00_a", "04_b", "05_c", "10_d", "11_e", "15_f", "16_g", "17_h", "intro"].map(coursePart),
    [
      "The framework",
      "The framework",
      "The proof, stage by stage",
      "The proof, stage by stage",
      "The experiments",
      "The experiments",
      "Deployment",
      "Other notebooks",
      "Other notebooks",
    ],
  );
});

Deno.test("inlineHtml: maths as MathML, code kept, markup escaped", () => {
  const html = inlineHtml("A <map> $\\mathbb R$, `a<b` and **bold** [link](x.md).");
  assert.match(html, /^A &lt;map&gt; <span class="katex"><math /);
  assert.match(html, /<mi mathvariant="double-struck">R<\/mi>/);
  assert.match(html, /<code>a&lt;b<\/code> and bold link\.$/);
});

const entry = (name: string, status: CourseEntry["status"], figures: string[]): CourseEntry => ({
  name,
  status,
  seconds: status === "skipped" ? 0 : 2.5,
  figures,
  intro: { title: `${name.slice(0, 2)} · Title of ${name}`, summary: "Uses $\\gamma$ here." },
  failure: status === "failed" ? `notebook ${name}, cell 3: Error: boom` : undefined,
});

Deno.test({
  name: "indexPage: parts in study order, thumbnails and links, in a browser with no network",
  ignore: findChromium() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const html = indexPage([
      entry("00_tour.ipynb", "ok", ["figures/00_tour/figure-01.svg"]),
      entry("02_assumption1.ipynb", "ok", []),
      entry("05_step1.ipynb", "failed", []),
      entry("16_onnx.ipynb", "skipped", []),
    ], { quick: true, coursePlanHref: "../../../notebooks/README.md", generatedAt: new Date(0) });
    const dir = await Deno.makeTempDir({ prefix: "lab-index-" });
    const browser = await launchChromium();
    try {
      await Deno.writeTextFile(join(dir, "index.html"), html);
      const blocked: string[] = [];
      const page = await offlinePage(browser, (url) => blocked.push(url));
      await page.goto(`file://${dir}/index.html`, { waitUntil: "domcontentloaded" });
      const structure = await page.evaluate(() =>
        [...document.querySelectorAll("section.part")].map((section) => ({
          part: section.querySelector("h2")?.textContent,
          notebooks: [...section.querySelectorAll("li.notebook")].map((li) => ({
            name: li.getAttribute("data-notebook"),
            status: li.querySelector(".status")?.textContent,
            title: li.querySelector("h3")?.textContent,
            links: [...li.querySelectorAll(".about a")].map((a) => a.getAttribute("href")),
            thumbnail: li.querySelector(".thumbnail img")?.getAttribute("src") ?? null,
            time: li.querySelector(".time")?.textContent,
            maths: li.querySelectorAll(".summary math").length,
            error: li.querySelector(".error")?.textContent ?? null,
          })),
        }))
      );
      const links = ["00_tour.html", "00_tour.html", "00_tour.ipynb"];
      assert.deepEqual(structure, [
        {
          part: "The framework",
          notebooks: [
            {
              name: "00_tour.ipynb",
              status: "ok",
              title: "00 · Title of 00_tour.ipynb",
              links,
              thumbnail: "figures/00_tour/figure-01.svg",
              time: "2.5 s",
              maths: 1,
              error: null,
            },
            {
              name: "02_assumption1.ipynb",
              status: "ok",
              title: "02 · Title of 02_assumption1.ipynb",
              links: ["02_assumption1.html", "02_assumption1.html", "02_assumption1.ipynb"],
              thumbnail: null,
              time: "2.5 s",
              maths: 1,
              error: null,
            },
          ],
        },
        {
          part: "The proof, stage by stage",
          notebooks: [{
            name: "05_step1.ipynb",
            status: "failed",
            title: "05 · Title of 05_step1.ipynb",
            links: [],
            thumbnail: null,
            time: "2.5 s",
            maths: 1,
            error: "notebook 05_step1.ipynb, cell 3: Error: boom",
          }],
        },
        {
          part: "Deployment",
          notebooks: [{
            name: "16_onnx.ipynb",
            status: "skipped",
            title: "16 · Title of 16_onnx.ipynb",
            links: [],
            thumbnail: null,
            time: "not run",
            maths: 1,
            error: null,
          }],
        },
      ]);
      const plan = await page.$eval("a.course-plan", (a) => a.getAttribute("href"));
      assert.equal(plan, "../../../notebooks/README.md");
      assert.deepEqual(blocked, []);
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("notebooks/README.md has a course plan that names only notebooks that exist", async () => {
  const readme = await Deno.readTextFile(join(notebooks, "README.md"));
  const plan = readme.slice(readme.indexOf("## Course plan"));
  assert.ok(plan.startsWith("## Course plan"));
  const names = new Set((await listNotebooks(notebooks)).map((name) => name.replace(".ipynb", "")));
  const cited = [...plan.matchAll(/`(\d\d_[a-z0-9_]+)`/g)].map((match) => match[1]);
  assert.ok(cited.length >= 17, `cited ${cited.length}`);
  for (const name of cited) assert.ok(names.has(name), `${name} is not a notebook`);
  for (const name of names) assert.ok(cited.includes(name), `${name} is in no lecture`);
});
