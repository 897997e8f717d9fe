/** The verdict rules: Holm across a notebook's findings, and the README table kept in step. */
import assert from "node:assert/strict";
import {
  bestComparisons,
  committedSeries,
  committedStatus,
  experimentVerdicts,
  judgeFindings,
  learnedComparisons,
  planSummary,
  replaceVerdictTable,
  type SummarySeries,
  VERDICTS_BEGIN,
  VERDICTS_END,
  worstComparisons,
} from "../lib/train/mod.ts";
import { EXPERIMENT_DEFINITIONS } from "../lib/train/experiments.ts";
import { runTool } from "./support/run_tool.ts";
import { InputError } from "../lib/util/errors.ts";

function series(label: string, pattern: string, values: number[], x = 0.7): SummarySeries {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
  return {
    label,
    pattern,
    configuration: "single",
    sparsity: 0.7,
    points: [{ x, target: x < 1 ? x : null, mean, std, values }],
  };
}

// five seeds each, the fewest a verdict leans on (MIN_SEEDS)
const good = series("strided", "strided", [0.89, 0.9, 0.91, 0.92, 0.93]);
const bad = series("random", "random", [0.49, 0.5, 0.51, 0.52, 0.53]);
const isStrided = (s: SummarySeries) => s.pattern === "strided";

Deno.test("one finding: the one-sided Welch p decides, and the printed verdict carries it", () => {
  const [check] = judgeFindings([bestComparisons("best", [good, bad], isStrided, true)]);
  assert.equal(check.verdict, "agrees");
  // means 0.91 and 0.51, both s = 0.0158: t = 0.4/√(2·2.5e-4/5) = 40 on 8 df; one-sided
  // p = 8.5e-11, doubled by Holm over the family of two
  assert.ok(check.p! > 1e-10 && check.p! < 3e-10, `p = ${check.p}`);
  assert.equal(check.label, "agrees (p < 0.001)");
  assert.match(check.covers, /level 0\.7; 2 series; 5 seeds per point/);
  // t interval over seeds: 0.91 ± t(0.975, 4) · 0.0158/√5 = 0.91 ± 2.776 · 0.00707
  assert.match(check.evidence, /strided 0\.910 \[0\.890, 0\.930\]/);
});

Deno.test("Holm across findings: a gap significant alone becomes inconclusive in a family", () => {
  // 5 seeds, a gap of 2.5 standard errors on 8 df: one-sided p = 0.018 alone (0.037 after
  // Holm over the finding's two tests); three such findings make a family of six (0.11)
  const a = series("strided", "strided", [0.6, 0.61, 0.62, 0.63, 0.64]);
  const b = series("random", "random", [0.575, 0.585, 0.595, 0.605, 0.615]);
  const alone = judgeFindings([
    worstComparisons("worst", [a, b], (s) => s.pattern === "random", true),
  ]);
  assert.equal(alone[0].verdict, "agrees");
  const crowd = Array.from(
    { length: 3 },
    (_, i) => worstComparisons(`worst ${i}`, [a, b], (s) => s.pattern === "random", true),
  );
  const judged = judgeFindings(crowd);
  assert.ok(judged.every((c) => c.verdict === "inconclusive"));
  assert.match(judged[0].label, /^inconclusive \(p = 0\.\d+\)$/);
  assert.ok(judged[0].p! > 0.1 && judged[0].p! < 0.12, `adjusted p = ${judged[0].p}`);
});

Deno.test("opposite evidence disagrees; too few seeds or nothing to compare is inconclusive", () => {
  const [opposite] = judgeFindings([bestComparisons("b", [good, bad], (s) => s === bad, true)]);
  assert.equal(opposite.verdict, "disagrees");
  const two = series("strided", "strided", [0.9, 0.91]);
  const [few] = judgeFindings([bestComparisons("b", [two, bad], isStrided, true)]);
  assert.equal(few.verdict, "inconclusive");
  assert.equal(few.p, null);
  assert.match(few.evidence, /fewer than 5 seeds/);
  assert.equal(
    judgeFindings([bestComparisons("b", [bad], isStrided, true)])[0].verdict,
    "inconclusive",
  );
});

Deno.test("learning above the threshold: one-sample tests at a depth", () => {
  const learned = series("strided", "strided", [0.97, 0.975, 0.98, 0.985, 0.99], 4);
  const stuck = series("star", "star", [0.29, 0.295, 0.3, 0.305, 0.31], 4);
  const check = (s: SummarySeries, learns: boolean) =>
    judgeFindings([learnedComparisons("f", [s], () => true, 4, learns)])[0].verdict;
  assert.equal(check(learned, true), "agrees");
  assert.equal(check(stuck, true), "disagrees");
  assert.equal(check(stuck, false), "agrees");
  const mixed = series("fixed", "fixed", [0.6, 0.95, 1, 0.8, 0.99], 4);
  assert.equal(check(mixed, true), "inconclusive");
});

Deno.test("the plan summary renders the sizes from EXPERIMENT_DEFINITIONS", () => {
  const { rows } = planSummary("language-modeling");
  const full = EXPERIMENT_DEFINITIONS["language-modeling"].budgets.full;
  const row = rows.find((r) => r.mode === "full")!;
  assert.equal(row["sparsity levels"], full.levels.join(", "));
  assert.equal(row["length n"], full.size.n);
  assert.equal(row.seeds, full.seeds.length);
});

Deno.test("experiment verdicts on no results are inconclusive with nothing to test", () => {
  const checks = experimentVerdicts("classification", []);
  assert.equal(checks.length, 2);
  assert.ok(checks.every((c) => c.verdict === "inconclusive" && c.p === null));
  const { n } = EXPERIMENT_DEFINITIONS.classification.budgets.full.size;
  assert.equal(checks[0].covers, `n = ${n}, L = 2, no runs yet`);
});

Deno.test("a finding whose runs have too few seeds says so rather than 'no runs yet'", () => {
  const few = [series("strided", "strided", [0.9]), series("random", "random", [0.5])];
  const finding = bestComparisons("strided best", few, (s) => s.pattern === "strided", true);
  assert.equal(finding.comparisons.length, 0);
  assert.equal(finding.covers, "fewer than 5 seeds per point so far");
  assert.equal(bestComparisons("none", [], () => true, true).covers, "no runs yet");
});

Deno.test("a finding with nothing to compare in a complete sweep says no runs are planned and why", () => {
  const status = committedStatus("seq2seq");
  assert.ok(status.complete, "the committed seq2seq sweep is complete");
  const checks = experimentVerdicts("seq2seq", committedSeries("seq2seq", status), status);
  const union = checks.find((c) => c.finding.includes("UNION"))!;
  assert.equal(union.p, null);
  assert.match(union.covers, /no runs planned$/);
  assert.match(union.evidence, /not reachable at n = 32: .*strided union @ 0\.7/);
  // findings with comparisons keep their coverage
  assert.ok(checks.filter((c) => c !== union).every((c) => /seeds per point/.test(c.covers)));
  // an incomplete sweep with nothing to compare yet still says so
  assert.match(experimentVerdicts("seq2seq", [])[0].covers, /no runs yet$/);
});

Deno.test("the README table is replaced between its markers, and only there", () => {
  const readme = `a\n${VERDICTS_BEGIN}\nold\n${VERDICTS_END}\nb\n`;
  assert.equal(
    replaceVerdictTable(readme, `${VERDICTS_BEGIN}\nnew\n${VERDICTS_END}`),
    `a\n${VERDICTS_BEGIN}\nnew\n${VERDICTS_END}\nb\n`,
  );
  assert.throws(() => replaceVerdictTable("no markers", "x"), InputError);
});

Deno.test("README.md's verdict table matches the committed results (--summary --check)", async () => {
  const checked = await runTool("experiment", ["--summary", "--check"]);
  assert.equal(checked.code, 0, checked.stderr);
  const printed = await runTool("experiment", ["--summary"]);
  assert.equal(printed.code, 0);
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  assert.ok(readme.includes(printed.stdout.trim()), "the printed table is the README's");
  assert.match(printed.stdout, /\| copying \(\d+\/\d+ runs\) +\| STRIDED and FIXED learn/);
});

Deno.test("--check or --write without --summary, or with a name: one line, exit 2", async () => {
  for (const args of [["--check"], ["copying", "--summary"], ["--summary", "--check", "--write"]]) {
    const { code, stderr } = await runTool("experiment", args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr, /--check|--summary|experiment/);
  }
});
