/**
 * The course site (tools/runner/site.ts) and the student bundle (tools/runner/student.ts,
 * `deno task course`): links rewritten to pages of the site, GitHub's heading anchors, the
 * previous / index / next bar, the link check over a whole folder, and a bundle that is written
 * whole or not at all. The site `deno task reproduce` last wrote to out/ is checked too when
 * there is one.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathFromUrl, runCommand } from "../../../lib/util/system.ts";
import {
  githubAnchor,
  githubHeadingIds,
  navigationHtml,
  PLOTLY_FILE,
  relinkSite,
  rewriteLinks,
  SITE_PAGE_LIMIT_BYTES,
  siteHref,
  siteLinkProblems,
  siteOrder,
  sitePage,
  sitePageProblems,
  sitePages,
} from "../../../tools/runner/site.ts";
import { writeStudentBundle } from "../../../tools/runner/student.ts";

const ROOT = pathFromUrl(new URL("../../..", import.meta.url));
const courseTool = join(ROOT, "tools", "course.ts");

Deno.test("siteHref: sources become pages of the site; links out of it become none", () => {
  assert.equal(
    siteHref("paper.md#21-step-1-piecewise-constant-approximation"),
    "paper.html#21-step-1-piecewise-constant-approximation",
  );
  assert.equal(siteHref("paper.md"), "paper.html");
  assert.equal(siteHref("README.md"), "course-plan.html");
  assert.equal(siteHref("07_step2_contextual_mapping.ipynb"), "07_step2_contextual_mapping.html");
  assert.equal(siteHref("#exercises"), "#exercises");
  assert.equal(siteHref("https://arxiv.org/abs/2006.04862"), "https://arxiv.org/abs/2006.04862");
  assert.equal(siteHref("figures/05/figure-01.svg"), "figures/05/figure-01.svg");
  assert.equal(siteHref("../README.md#teaching-with-the-lab"), undefined);
  assert.equal(siteHref("../lib/mod.ts"), undefined);
});

Deno.test("rewriteLinks: anchors rewritten, outside links unlinked, scripts untouched", () => {
  const html =
    '<p><a href="paper.md#13-sparse-attention-and-patterns">§1.3</a> <a href="../README.md#t">the README</a></p>' +
    "<script>var s = '<a href=\"paper.md\">';</script>";
  assert.equal(
    rewriteLinks(html),
    '<p><a href="paper.html#13-sparse-attention-and-patterns">§1.3</a> <a class="outside-site">the README</a></p>' +
      "<script>var s = '<a href=\"paper.md\">';</script>",
  );
});

Deno.test("githubHeadingIds: GitHub's anchors, repeats numbered, the ¶ link follows", () => {
  const html = '<h2 id="2.5-Step-2b:-sparse">2.5 Step 2b: sparse<a class="anchor-link" ' +
    'href="#2.5-Step-2b:-sparse">¶</a></h2><h3 id="x">Notes</h3><h3 id="y">Notes</h3>';
  assert.equal(
    githubHeadingIds(html),
    '<h2 id="25-step-2b-sparse">2.5 Step 2b: sparse<a class="anchor-link" ' +
      'href="#25-step-2b-sparse">¶</a></h2><h3 id="notes">Notes</h3><h3 id="notes-1">Notes</h3>',
  );
  assert.equal(
    githubAnchor("1.1 Notation, and how the code stores it"),
    "11-notation-and-how-the-code-stores-it",
  );
});

Deno.test("navigationHtml and sitePage: previous, index and next, once per end of the page", () => {
  const order = siteOrder([{ href: "00_tour.html", title: "00 · A tour" }]);
  assert.deepEqual(order.map((page) => page.href), [
    "course-plan.html",
    "paper.html",
    "00_tour.html",
  ]);
  const nav = navigationHtml(order, "paper.html");
  assert.match(nav, /<a class="prev" rel="prev" href="course-plan.html">← Course plan<\/a>/);
  assert.match(nav, /<a class="index" href="index.html">Index<\/a>/);
  assert.match(nav, /<a class="next" rel="next" href="00_tour.html">00 · A tour →<\/a>/);
  assert.match(navigationHtml(order, "00_tour.html"), /<span class="next"><\/span><\/nav>$/);
  const page = "<html><head></head><body><p>x</p></body></html>";
  const once = sitePage(page, order, "paper.html");
  const twice = sitePage(once, order, "paper.html");
  assert.equal(twice, once, "placing a placed page changes nothing");
  assert.equal(once.match(/<nav class="lab-nav">/g)?.length, 2);
  assert.equal(once.match(/id="lab-site-style"/g)?.length, 1);
  assert.match(once, /padding: 0\.25em 0\.75em/, "tables get cell padding");
});

/** A small site: index, two pages, a figure, plotly.js once. */
async function writeSite(dir: string): Promise<void> {
  await Deno.mkdir(join(dir, "figures", "a"), { recursive: true });
  await Deno.writeTextFile(join(dir, "figures", "a", "figure-01.svg"), "<svg/>");
  await Deno.writeTextFile(join(dir, PLOTLY_FILE), "window.Plotly = {};");
  const page = (body: string) =>
    `<!DOCTYPE html><html><head><script src="${PLOTLY_FILE}"></script></head>` +
    `<body>${body}</body></html>`;
  await Deno.writeTextFile(
    join(dir, "index.html"),
    page('<a href="a.html">a</a> <img src="figures/a/figure-01.svg">'),
  );
  await Deno.writeTextFile(
    join(dir, "a.html"),
    page('<h2 id="top">A</h2><a href="b.html#end">b</a>'),
  );
  await Deno.writeTextFile(
    join(dir, "b.html"),
    page('<p id="end"><a href="a.html#top">a</a> <a href="https://arxiv.org">arXiv</a></p>'),
  );
}

Deno.test("siteLinkProblems: a whole site resolves; each kind of broken link is named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-site-" });
  try {
    await writeSite(dir);
    assert.deepEqual(sitePages(dir), ["a.html", "b.html", "index.html"]);
    assert.deepEqual(await siteLinkProblems(dir), []);
    await Deno.writeTextFile(
      join(dir, "c.html"),
      '<a href="paper.md">p</a><a href="a.html#nowhere">a</a><a href="../README.md">r</a>' +
        '<script src="https://cdn.example/plotly.js"></script>' +
        '<script>var x = "<a href=\\"gone.html\\">";</script>',
    );
    assert.deepEqual(await siteLinkProblems(dir), [
      "c.html: paper.md (no such file)",
      "c.html: a.html#nowhere (no such anchor)",
      "c.html: ../README.md (leaves the site)",
      "c.html: https://cdn.example/plotly.js (loaded from the network)",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sitePageProblems: a page over the limit, or with its own plotly.js, is named", async () => {
  const dir = await Deno.makeTempDir({ prefix: "site pages " });
  try {
    const plotly =
      "/* plotly.js v9.9.9 (the bundle's header, as any copy carries it) */ window.Plotly={};";
    await Deno.writeTextFile(join(dir, PLOTLY_FILE), plotly);
    await Deno.writeTextFile(join(dir, "light.html"), `<script src="${PLOTLY_FILE}"></script>`);
    assert.deepEqual(await sitePageProblems(dir), []);
    await Deno.writeTextFile(join(dir, "inlined.html"), `<script>${plotly}</script>`);
    await Deno.writeTextFile(join(dir, "heavy.html"), "x".repeat(SITE_PAGE_LIMIT_BYTES));
    assert.deepEqual((await sitePageProblems(dir)).sort(), [
      `heavy.html: ${SITE_PAGE_LIMIT_BYTES} bytes (at most ${SITE_PAGE_LIMIT_BYTES})`,
      "inlined.html: carries its own copy of plotly.js",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("relinkSite: the navigation links only pages that exist", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-site-" });
  try {
    const page = "<html><head></head><body>x</body></html>";
    await Deno.writeTextFile(join(dir, "index.html"), page);
    await Deno.writeTextFile(join(dir, "paper.html"), page);
    await Deno.writeTextFile(join(dir, "05_x.html"), page);
    const order = siteOrder([
      { href: "04_w.html", title: "04" },
      { href: "05_x.html", title: "05" },
      { href: "06_y.html", title: "06" },
    ]);
    await relinkSite(dir, order);
    assert.deepEqual(await siteLinkProblems(dir), []);
    const five = await Deno.readTextFile(join(dir, "05_x.html"));
    assert.match(
      five,
      /<a class="prev" rel="prev" href="paper.html">/,
      "04 and the plan are absent",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("course --student: the site and the lab without solutions, written whole", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-course-" });
  try {
    const site = join(dir, "site");
    await Deno.mkdir(site);
    await writeSite(site);
    await Deno.writeTextFile(
      join(site, "index.html"),
      '<meta name="lab-solutions" content="hidden"><a href="a.html">a</a>',
    );
    const bundle = await writeStudentBundle({
      siteDir: site,
      destination: join(dir, "student"),
      projectRoot: ROOT,
    });
    assert.equal(bundle.siteFiles, 5);
    const student = join(dir, "student");
    assert.ok((await Deno.stat(join(student, "index.html"))).isFile);
    assert.ok(
      (await Deno.stat(join(student, "lab", "notebooks", "05_step1_piecewise_constant.ipynb")))
        .isFile,
    );
    assert.ok((await Deno.stat(join(student, "lab", "lib", "mod.ts"))).isFile);
    await assert.rejects(
      Deno.stat(join(student, "lab", "notebooks", "solutions")),
      Deno.errors.NotFound,
    );
    assert.deepEqual(await siteLinkProblems(student, ["lab"]), []);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
      "site",
      "student",
    ], "no staging folder left beside it");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("course CLI: bad input is one line naming flag, value and limit; exit 2; nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-course-" });
  try {
    const site = join(dir, "site");
    await Deno.mkdir(site);
    await writeSite(site);
    const run = (...args: string[]) =>
      runCommand(Deno.execPath(), ["run", "-A", courseTool, ...args], { cwd: dir });
    const cases: [string[], RegExp][] = [
      [[], /^course: --student = undefined: expected a folder \(see --help\)$/],
      [["--student"], /^course: --student = undefined: expected a value after the flag$/],
      [
        ["--student", "x", "--site", join(dir, "none")],
        /^course: --site = ".*none": holds no index\.html; build the site first with deno task reproduce$/,
      ],
      [
        ["--student", join(site, "inside"), "--site", site],
        /^course: --student = ".*inside": lies inside --site/,
      ],
      [["--student", site, "--site", site], /lies inside --site/],
      [["--student", join(dir, "x"), "--site", site, "--solutions"], /^course: --solutions/],
    ];
    for (const [args, expected] of cases) {
      const result = await run(...args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.match(result.stderr.trim(), expected);
    }
    await Deno.writeTextFile(
      join(site, "index.html"),
      '<meta name="lab-solutions" content="shown">',
    );
    const shown = await run("--student", join(dir, "x"), "--site", site);
    assert.equal(shown.code, 2);
    assert.match(shown.stderr, /--site = ".*site": shows the exercises' solutions/);
    await Deno.writeTextFile(join(site, "index.html"), '<a href="gone.html">gone</a>');
    const broken = await run("--student", join(dir, "x"), "--site", site);
    assert.equal(broken.code, 2);
    assert.match(
      broken.stderr,
      /has 1 link\(s\) that do not resolve inside it, first index\.html: gone\.html/,
    );
    const full = join(dir, "full");
    await Deno.mkdir(full);
    await Deno.writeTextFile(join(full, "keep.txt"), "a teacher's file");
    await Deno.writeTextFile(join(site, "index.html"), '<a href="a.html">a</a>');
    const occupied = await run("--student", full, "--site", site);
    assert.equal(occupied.code, 2);
    assert.match(occupied.stderr, /--student = ".*full": is not empty; give a new folder/);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
      "full",
      "site",
    ], "no refused run wrote anything");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the site deno task reproduce last wrote: every link inside it, every page under 1.5 MB",
  ignore: (() => {
    try {
      return !Deno.statSync(join(ROOT, "out", "index.html")).isFile;
    } catch {
      return true;
    }
  })(),
  async fn() {
    const out = join(ROOT, "out");
    assert.deepEqual(await siteLinkProblems(out), []);
    assert.deepEqual(await sitePageProblems(out), []);
    const pages = sitePages(out).filter((page) => !page.includes("/"));
    assert.ok(pages.includes("paper.html") && pages.includes("course-plan.html"), pages.join(" "));
    for (const page of pages.filter((page) => page !== "index.html")) {
      assert.match(await Deno.readTextFile(join(out, page)), /<nav class="lab-nav">/, page);
    }
  },
});
