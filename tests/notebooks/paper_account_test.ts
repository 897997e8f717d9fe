/**
 * The lab stands on its own: its account of the paper is notebooks/paper.md, and nothing in the
 * tracked sources cites a document outside the repository. Every reference to the account — a
 * link `paper.md#anchor` or a section number `paper.md §2.5` — must name a heading that exists,
 * with anchors computed as GitHub computes them (and as the course site gives them).
 *
 * The account marks every statement confirmed (the text of the work it is about), restated (a
 * named later work restating it), reconstructed (the lab's, with the notebook that checks it) or
 * unknown; the notebooks' prose keeps the same distinction.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathFromUrl, runCommand } from "../../lib/util/system.ts";
import { githubAnchor } from "../../tools/runner/site.ts";

const ROOT = pathFromUrl(new URL("../..", import.meta.url));
const ACCOUNT = join(ROOT, "notebooks", "paper.md");
const SCANNED = ["lib", "tools", "web", "notebooks", "tests", "README.md"];

/**
 * Citations of documents outside the repository. Built from fragments so that this file's own
 * source does not match them; a hash method call (`.dig` + `est("hex")`) must not match.
 */
const OUTSIDE_CITATIONS: RegExp[] = [
  new RegExp(["\\bdig", "est", "\\s*§"].join("")),
  new RegExp(["dig", "est", "\\.md"].join("")),
  new RegExp(["\\bthe ", "dig", "est\\b"].join(""), "i"),
  new RegExp(["shared", "/paper"].join("")),
  new RegExp(["\\banchors ", "(Part )?D\\."].join("")),
  new RegExp(["\\bsteer", "ing\\b"].join(""), "i"),
];

function outsideCitation(line: string): string | null {
  for (const pattern of OUTSIDE_CITATIONS) {
    const match = line.match(pattern);
    if (match) return match[0];
  }
  return null;
}

/** The account's headings (outside fenced code): their anchors and their section numbers. */
function accountHeadings(text: string): { anchors: string[]; sections: Set<string> } {
  const anchors: string[] = [];
  const sections = new Set<string>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    if (fenced) continue;
    const heading = line.match(/^#{1,6} (.+)$/);
    if (!heading) continue;
    anchors.push(githubAnchor(heading[1]));
    const number = heading[1].match(/^(\d+(?:\.\d+)?) /);
    if (number) sections.add(number[1]);
  }
  return { anchors, sections };
}

/** Section numbers cited in text as `paper.md §2.4`, `paper.md §2.4–2.5`, `paper.md §1.3 and §3`. */
function citedSections(text: string): string[] {
  const cited: string[] = [];
  const pattern = /paper\.md ((?:(?:, |–| and )?§?\d+(?:\.\d+)?)+)/g;
  for (const match of text.matchAll(pattern)) {
    for (const number of match[1].matchAll(/\d+(?:\.\d+)?/g)) cited.push(number[0]);
  }
  return cited;
}

/** Anchors of links to the account: `paper.md#anchor` anywhere, `](#anchor)` inside it. */
function linkedAnchors(text: string, insideAccount: boolean): string[] {
  const anchors = [...text.matchAll(/paper\.md#([\p{L}\p{N}_-]+)/gu)].map((m) => m[1]);
  if (insideAccount) anchors.push(...[...text.matchAll(/\]\(#([^)\s]+)\)/g)].map((m) => m[1]));
  return anchors;
}

async function trackedFiles(): Promise<string[]> {
  const listed = await runCommand("git", ["ls-files", "-z", "--", ...SCANNED], { cwd: ROOT });
  assert.equal(listed.code, 0, listed.stderr);
  return listed.stdout.split("\0").filter((path) => path !== "");
}

async function readText(path: string): Promise<string | null> {
  try {
    return new TextDecoder().decode(await Deno.readFile(join(ROOT, path)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null; // deleted in the working tree
    throw error;
  }
}

Deno.test("the citation matcher finds outside citations and leaves a hash call alone", () => {
  for (
    const cited of [
      "(dig" + "est §2.5 [R])",
      "see `shared/" + "paper/dig" + "est.md` §1.3",
      "The " + "dig" + "est's worked example",
      "onnxruntime-web (anchors Pa" + "rt D.2)",
      "fastest at this size (anch" + "ors D.2)",
      "in the steer" + "ing repository",
    ]
  ) assert.notEqual(outsideCitation(cited), null, cited);
  for (
    const clean of [
      'createHash("sha256").update(bytes).' + "dig" + 'est("hex")',
      "(notebooks/paper.md §2.5)",
      "anchors of the Hamiltonian path",
    ]
  ) assert.equal(outsideCitation(clean), null, clean);
});

Deno.test("GitHub-style anchors and cited section numbers are read as GitHub and a reader would", () => {
  assert.equal(
    githubAnchor("2.5 Step 2b: sparse contextual mapping"),
    "25-step-2b-sparse-contextual-mapping",
  );
  assert.equal(
    githubAnchor("1.1 Notation, and how the code stores it"),
    "11-notation-and-how-the-code-stores-it",
  );
  assert.deepEqual(citedSections("(notebooks/paper.md §2.4–2.5, the lab's)"), ["2.4", "2.5"]);
  assert.deepEqual(citedSections("paper.md §2.2, §2.7–2.8)"), ["2.2", "2.7", "2.8"]);
  assert.deepEqual(citedSections("(paper.md §1.3 and §3)."), ["1.3", "3"]);
  assert.deepEqual(citedSections("as in paper.md §2.5 (10, 37, 127"), ["2.5"]);
});

Deno.test("no tracked file cites a document outside the repository", async () => {
  const files = await trackedFiles();
  assert.ok(files.includes("notebooks/paper.md"), "notebooks/paper.md is tracked");
  const found: string[] = [];
  for (const path of files) {
    const text = await readText(path);
    if (text === null) continue;
    text.split("\n").forEach((line, index) => {
      const citation = outsideCitation(line);
      if (citation !== null) found.push(`${path}:${index + 1}: ${citation}`);
    });
  }
  assert.deepEqual(found, []);
});

Deno.test("every reference to notebooks/paper.md names a heading that exists", async () => {
  const account = await Deno.readTextFile(ACCOUNT);
  const { anchors, sections } = accountHeadings(account);
  assert.equal(new Set(anchors).size, anchors.length, "anchors are unique");
  for (const expected of ["2.5", "1.6", "1.7", "1.8", "2.9", "4.1"]) {
    assert.ok(sections.has(expected), `section ${expected} exists`);
  }
  const known = new Set(anchors);
  const broken: string[] = [];
  let links = 0;
  let citations = 0;
  for (const path of await trackedFiles()) {
    const text = await readText(path);
    if (text === null || path === "tests/notebooks/paper_account_test.ts") continue;
    for (const anchor of linkedAnchors(text, path === "notebooks/paper.md")) {
      links++;
      if (!known.has(anchor)) broken.push(`${path}: #${anchor}`);
    }
    for (const section of citedSections(text)) {
      citations++;
      if (!sections.has(section)) broken.push(`${path}: §${section}`);
    }
  }
  assert.deepEqual(broken, []);
  // The account's own contents, the notebooks and the library all cite it.
  assert.ok(links >= 40, `${links} links to paper.md anchors`);
  assert.ok(citations >= 30, `${citations} section citations of paper.md`);
});

Deno.test("the account's links to notebooks and the README's link to the account resolve", async () => {
  const account = await Deno.readTextFile(ACCOUNT);
  const targets = [...account.matchAll(/\]\(([^)#\s]+\.ipynb)\)/g)].map((m) => m[1]);
  assert.ok(targets.length >= 10, `${targets.length} notebook links`);
  for (const target of targets) {
    const stat = await Deno.stat(join(ROOT, "notebooks", target));
    assert.ok(stat.isFile, target);
  }
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  assert.ok(readme.includes("](notebooks/paper.md)"), "README links to notebooks/paper.md");
});

/**
 * The account's blocks outside fenced code: paragraphs, and each list item on its own (an item
 * runs to the next item or blank line), with the section they sit in.
 */
export function accountBlocks(text: string): { section: string; text: string }[] {
  const blocks: { section: string; text: string }[] = [];
  let section = "";
  let current: string[] = [];
  let fenced = false;
  const flush = () => {
    if (current.length > 0) blocks.push({ section, text: current.join("\n") });
    current = [];
  };
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) {
      flush();
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    const heading = line.match(/^#{1,6} (\d+(?:\.\d+)?) /);
    if (heading) section = heading[1];
    if (line.trim() === "" || /^#/.test(line) || /^(\s*[-*] |\d+\. )/.test(line)) flush();
    if (line.trim() !== "" && !/^#/.test(line)) current.push(line);
  }
  flush();
  return blocks;
}

/** A reconstructed mark: `**reconstructed**` or `(reconstructed` in any case. */
const RECONSTRUCTED = /\*\*reconstructed\*\*|\(reconstructed\b/i;
/** A reference to a notebook: a link to `NN_name.ipynb`, or "notebook(s) NN" / "notebooks/NN". */
const NOTEBOOK_REFERENCE = /\]\(\d\d_[\w]+\.ipynb\)|\bnotebooks?[ /]\d\d\b|\bnotebooks? \[\d\d\]/;
/** The later works the account relies on for restatements. */
const RESTATERS = /Exphormer|BigBird|Korean-language\s+review/;

Deno.test("the mark checkers read blocks, notebook references and restating works", () => {
  const blocks = accountBlocks(
    "## 1.2 A\n\nOne **reconstructed** line\nwith [notebooks/04](04_x.ipynb).\n" +
      "- item (reconstructed)\n- **restated** (BigBird)\n\n```\n**reconstructed**\n```\n",
  );
  assert.deepEqual(blocks.map((b) => [b.section, b.text]), [
    ["1.2", "One **reconstructed** line\nwith [notebooks/04](04_x.ipynb)."],
    ["1.2", "- item (reconstructed)"],
    ["1.2", "- **restated** (BigBird)"],
  ]);
  assert.match(blocks[0].text, NOTEBOOK_REFERENCE);
  assert.doesNotMatch(blocks[1].text, NOTEBOOK_REFERENCE);
  assert.match("checked in notebooks [11](11_exp_copying.ipynb) to", NOTEBOOK_REFERENCE);
  assert.match(blocks[2].text, RESTATERS);
});

Deno.test("every reconstructed item of the account names the notebook that checks it", async () => {
  const blocks = accountBlocks(await Deno.readTextFile(ACCOUNT));
  const marked = blocks.filter((block) => RECONSTRUCTED.test(block.text) && block.section !== "0");
  assert.ok(marked.length >= 25, `${marked.length} reconstructed items`);
  const unchecked = marked.filter((block) =>
    !NOTEBOOK_REFERENCE.test(block.text) &&
    // the closing list of evidence only says what the mark means
    !(block.section === "5" && /everything marked reconstructed/.test(block.text))
  ).map((block) => `§${block.section}: ${block.text.slice(0, 90)}`);
  assert.deepEqual(unchecked, []);
});

Deno.test("restatements are marked restated with their source, never confirmed", async () => {
  const account = await Deno.readTextFile(ACCOUNT);
  assert.match(account, /- \*\*restated\*\*: stated by a named later work/);
  const blocks = accountBlocks(account).filter((block) => block.section !== "0");
  const unnamed = blocks.filter((block) =>
    /\*\*restated\*\*/i.test(block.text) && !RESTATERS.test(block.text)
  ).map((block) => `§${block.section}: ${block.text.slice(0, 90)}`);
  assert.deepEqual(unnamed, [], "every restated mark names the work that restates");
  const confirmedByRestaters: string[] = [];
  for (const block of blocks) {
    for (const match of block.text.matchAll(/\*\*confirmed\*\*([^.;]*)/gi)) {
      // confirmed from a later work is only for that work's own text (or a quotation in it)
      if (/Exphormer|BigBird|review/i.test(match[1]) && !/\bown\b|text of/.test(match[1])) {
        confirmedByRestaters.push(`§${block.section}: ${match[0].slice(0, 90)}`);
      }
    }
  }
  assert.deepEqual(confirmedByRestaters, []);
  assert.ok(
    (account.match(/\*\*restated\*\*/gi) ?? []).length >= 15,
    "the restatements carry their own mark",
  );
});

Deno.test("the notebooks' prose gives restatements the same mark as the account", async () => {
  const loose: string[] = [];
  for (const path of await trackedFiles()) {
    if (!/^notebooks\/\d\d_.*\.ipynb$/.test(path)) continue;
    const notebook = JSON.parse((await readText(path))!);
    for (const cell of notebook.cells) {
      if (cell.cell_type !== "markdown") continue;
      const text = [cell.source].flat().join("");
      for (
        const pattern of [
          /confirmed (?:through|by|via) [^.]*?(?:restatement|review|Exphormer|BigBird)/gi,
          /_Confirmed_ \((?:Exphormer|BigBird)/g,
          /\bthe paper (?:cycles|uses|states that)\b[^.]*/gi,
        ]
      ) {
        for (const match of text.matchAll(pattern)) loose.push(`${path}: ${match[0].slice(0, 80)}`);
      }
    }
  }
  assert.deepEqual(loose, []);
});

Deno.test("the account's depth cost carries the factor p(n − 1) its table shows", async () => {
  const account = await Deno.readTextFile(ACCOUNT);
  const counts = accountBlocks(account).filter((block) => block.section === "2.9")
    .map((block) => block.text).join("\n");
  assert.match(counts, /at most `p\(n−1\)δ\^\{−d\} \+ s`/, "the table's sparse count");
  assert.match(counts, /a factor `p\(n − 1\)` more layers/, "the sentence says the same");
  assert.doesNotMatch(counts, /at most a factor `p` and `s` extra/);
});
