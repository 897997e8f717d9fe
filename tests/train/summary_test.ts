/** The verdict rules: Holm across a notebook's findings, and the README table kept in step. */
import assert from "node:assert/strict";
import {
  judgeFindings,
  learnedComparisons,
  type SummarySeries,
  worstComparisons,
} from "../../lib/train/summary.ts";
import {
  busyMinutes,
  codeVersions,
  PROGRESS_BEGIN,
  PROGRESS_END,
  replaceGenerated,
  runInterval,
  timeRange,
  VERDICTS_BEGIN,
  VERDICTS_END,
} from "../../lib/train/readme_tables.ts";
import type { RunResult } from "../../lib/train/results.ts";
import { GENERATED_TABLES, resultsProgressTable } from "../../lib/experiments/readme_tables.ts";
import {
  experimentVerdicts,
  planSummary,
  sparsityLevelsOf,
  stepsOf,
} from "../../lib/experiments/report.ts";
import { committedStatus } from "../../lib/experiments/sweeps.ts";
import { EXPERIMENT_DEFINITIONS } from "../../lib/experiments/registry.ts";
import { summarySeries as series } from "../support/summary_series.ts";
import { runTool } from "../support/run_tool.ts";
import { InputError } from "../../lib/util/errors.ts";

// five seeds each, the fewest a verdict leans on (MIN_SEEDS)
const good = series("strided", "strided", [0.89, 0.9, 0.91, 0.92, 0.93]);
const bad = series("random", "random", [0.49, 0.5, 0.51, 0.52, 0.53]);
const isStrided = (s: SummarySeries) => s.pattern === "strided";
const isRandom = (s: SummarySeries) => s.pattern === "random";

Deno.test("one finding: the one-sided Welch p decides, and the printed verdict carries it", () => {
  const [check] = judgeFindings([worstComparisons("worst", [good, bad], isRandom, true)]);
  assert.equal(check.verdict, "agrees");
  // means 0.91 and 0.51, both s = 0.0158: t = 0.4/√(2·2.5e-4/5) = 40 on 8 df; one-sided
  // p = 8.5e-11, the only supporting test
  assert.ok(check.p! > 5e-11 && check.p! < 1.5e-10, `p = ${check.p}`);
  assert.equal(check.label, "agrees (p < 0.001)");
  assert.match(check.covers, /level 0\.7; 2 series; 5 seeds per point/);
  // t interval over seeds: 0.91 ± t(0.975, 4) · 0.0158/√5 = 0.91 ± 2.776 · 0.00707
  assert.match(check.evidence, /strided 0\.910 \[0\.890, 0\.930\]/);
});

Deno.test("compared across depths, a finding names the sparsities of the sparse series it judged", () => {
  const atFour = (label: string, pattern: string, sparsity: number, values: number[]) => ({
    ...series(label, pattern, values, 4),
    sparsity,
  });
  const strided = atFour("strided", "strided", 0.731, [0.99, 0.995, 1, 1, 1]);
  const star = atFour("star", "star", 0.961, [0.2, 0.21, 0.2, 0.21, 0.2]);
  const random = atFour("random", "random", 0.75, [0.5, 0.52, 0.51, 0.5, 0.49]);
  const dense = atFour("dense", "dense", 0, [1, 1, 1, 1, 1]);
  const across = (all: SummarySeries[]) =>
    worstComparisons("worst", all, isRandom, true, { axis: "layers", at: [4] }).covers;
  // dense (sparsity 0) is not ranked among the sparse series, nor in their range
  assert.equal(
    across([strided, star, random, dense]),
    "L = 4, sparsity 0.731–0.961; 3 series; 5 seeds per point",
  );
  assert.equal(
    across([strided, random]),
    "L = 4, sparsity 0.731–0.750; 2 series; 5 seeds per point",
  );
  const learned = learnedComparisons("f", [star], () => true, 4, false).covers;
  assert.equal(learned, "L = 4, sparsity 0.961; 1 series; 5 seeds per point");
});

Deno.test("Holm across findings: a gap significant alone becomes inconclusive in a family", () => {
  // 5 seeds, a gap of 2.5 standard errors on 8 df: one-sided p = 0.018 alone; Holm over three
  // such findings makes it 0.055
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
  assert.ok(judged[0].p! > 0.05 && judged[0].p! < 0.06, `adjusted p = ${judged[0].p}`);
});

Deno.test("opposite evidence disagrees; too few seeds or nothing to compare is inconclusive", () => {
  const [opposite] = judgeFindings([worstComparisons("w", [good, bad], isStrided, true)]);
  assert.equal(opposite.verdict, "disagrees");
  const two = series("random", "random", [0.5, 0.51]);
  const [few] = judgeFindings([worstComparisons("w", [good, two], isRandom, true)]);
  assert.equal(few.verdict, "inconclusive");
  assert.equal(few.p, null);
  assert.match(few.evidence, /fewer than 5 seeds/);
  assert.equal(
    judgeFindings([worstComparisons("w", [bad], isStrided, true)])[0].verdict,
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
  const definition = EXPERIMENT_DEFINITIONS["language-modeling"];
  const full = definition.budgets.full;
  const row = rows.find((r) => r.mode === "full")!;
  assert.equal(row["sparsity levels"], sparsityLevelsOf(full));
  assert.equal(row["steps (batch)"], `${stepsOf(definition, full)} (${full.size.batch})`);
  assert.equal(row["length n"], full.size.n);
  assert.equal(row.seeds, full.seeds.length);
});

Deno.test("experiment verdicts on no results are inconclusive with nothing to test", () => {
  const checks = experimentVerdicts("classification", []);
  assert.equal(checks.length, EXPERIMENT_DEFINITIONS.classification.findings([]).length);
  assert.ok(checks.length >= 3, "RANDOM worst, STAR struggles, the gap to dense");
  assert.ok(checks.every((c) => c.verdict === "inconclusive" && c.p === null));
  const { n } = EXPERIMENT_DEFINITIONS.classification.budgets.full.size;
  assert.equal(checks[0].covers, `n = ${n}, L = 2, no runs yet`);
});

Deno.test("a finding whose runs have too few seeds says so rather than 'no runs yet'", () => {
  const few = [series("strided", "strided", [0.9]), series("random", "random", [0.5])];
  const finding = worstComparisons("random worst", few, isRandom, true);
  assert.equal(finding.comparisons.length, 0);
  assert.equal(finding.covers, "fewer than 5 seeds per point so far");
  assert.equal(worstComparisons("none", [], () => true, true).covers, "no runs yet");
});

Deno.test("a finding with nothing to compare in a complete sweep says no runs are planned", () => {
  const status = { ...committedStatus("seq2seq"), results: [], missing: [], complete: true };
  const checks = experimentVerdicts("seq2seq", [], status);
  assert.ok(checks.length > 0);
  for (const check of checks) {
    assert.equal(check.p, null);
    assert.match(check.covers, /no runs planned/);
    assert.match(check.evidence, /^none comparable in the complete plan/);
  }
  // an incomplete sweep with nothing to compare yet says there are no runs yet
  assert.match(experimentVerdicts("seq2seq", [])[0].covers, /no runs yet$/);
});

Deno.test("a generated table is replaced between its markers, and only there", () => {
  const [verdicts] = GENERATED_TABLES;
  const readme = `a\n${VERDICTS_BEGIN}\nold\n${VERDICTS_END}\nb\n`;
  assert.equal(
    replaceGenerated(readme, verdicts, `${VERDICTS_BEGIN}\nnew\n${VERDICTS_END}`),
    `a\n${VERDICTS_BEGIN}\nnew\n${VERDICTS_END}\nb\n`,
  );
  assert.throws(() => replaceGenerated("no markers", verdicts, "x"), InputError);
  // the other table's markers do not count
  assert.throws(
    () => replaceGenerated(`${PROGRESS_BEGIN}\n${PROGRESS_END}`, verdicts, "x"),
    /README\.md.*no verdict table markers/,
  );
});

Deno.test("training time is the union of the runs' intervals: side by side once, pauses not at all", () => {
  const at = (minute: number) => Date.UTC(2026, 11, 1, 23, 0) + minute * 60_000;
  // two runs side by side (0–10, 5–12), a pause, one more (30–40): 12 + 10 minutes
  const runs = [[0, 10], [5, 12], [30, 40]].map(([s, e]) => ({ start: at(s), end: at(e) }));
  assert.equal(busyMinutes(runs), 22);
  assert.equal(busyMinutes([...runs].reverse()), 22);
  assert.equal(busyMinutes([{ start: at(0), end: at(10) }, { start: at(2), end: at(3) }]), 10);
  assert.equal(busyMinutes([]), 0);
  // a run's interval ends at its finish and starts its own wall time before
  const interval = runInterval({ finishedAt: new Date(at(10)).toISOString(), wallSeconds: 90 });
  assert.deepEqual(interval, { start: at(8.5), end: at(10) });
  assert.throws(() => runInterval({ finishedAt: "yesterday", wallSeconds: 1 }), InputError);
  assert.equal(timeRange(runs), "2026-12-01 23:00–23:40");
  assert.equal(timeRange([{ start: at(30), end: at(90) }]), "2026-12-01 23:30 – 12-02 00:30");
});

Deno.test("code versions: 7 hex digits, a dirty mark kept, in the order first used", () => {
  const run = (codeVersion: string, finishedAt: string) =>
    ({ codeVersion, finishedAt }) as RunResult;
  const a = "0123456789abcdef0123456789abcdef01234567";
  const b = "fedcba9876543210fedcba9876543210fedcba98";
  assert.deepEqual(
    codeVersions([
      run(b, "2026-12-02T01:00:00Z"),
      run(a, "2026-12-02T00:00:00Z"),
      run(`${b}+dirty`, "2026-12-02T02:00:00Z"),
      run(a, "2026-12-02T03:00:00Z"),
    ]),
    ["0123456", "fedcba9", "fedcba9+dirty"],
  );
});

Deno.test("the progress table counts the committed runs of every experiment's plan", () => {
  const table = resultsProgressTable();
  assert.ok(table.startsWith(PROGRESS_BEGIN) && table.endsWith(PROGRESS_END));
  for (
    const name of Object.keys(EXPERIMENT_DEFINITIONS) as (keyof typeof EXPERIMENT_DEFINITIONS)[]
  ) {
    const status = committedStatus(name);
    const planned = status.results.length + status.missing.length;
    const row = table.split("\n").find((l) => l.startsWith(`| ${name} `));
    assert.ok(row, name);
    assert.match(row, new RegExp(`\\| ${status.results.length} / ${planned} +\\|`), row);
  }
});

Deno.test("the READMEs' generated tables match the committed results (--summary --check)", async () => {
  const checked = await runTool("experiment", ["--summary", "--check"]);
  assert.equal(checked.code, 0, checked.stderr);
  const printed = await runTool("experiment", ["--summary"]);
  assert.equal(printed.code, 0);
  for (const table of GENERATED_TABLES) {
    const text = await Deno.readTextFile(new URL(`../../${table.file}`, import.meta.url));
    const block = printed.stdout.slice(
      printed.stdout.indexOf(table.begin),
      printed.stdout.indexOf(table.end) + table.end.length,
    );
    assert.ok(block.length > table.begin.length + table.end.length, table.title);
    assert.ok(text.includes(block), `the printed ${table.title} is ${table.file}'s`);
  }
  assert.match(printed.stdout, /\| copying \(\d+\/\d+ runs\) +\| STRIDED and FIXED learn/);
});

Deno.test("--check or --write without --summary, or with a name: one line, exit 2", async () => {
  const refused: [string[], RegExp][] = [
    [["--check"], /^experiment: --check = true: only with --summary$/],
    [
      ["copying", "--summary"],
      /^experiment: experiment = "copying": --summary takes only --check or --write$/,
    ],
    [
      ["--summary", "--check", "--write"],
      /^experiment: --check = true: choose --check or --write, not both$/,
    ],
  ];
  for (const [args, message] of refused) {
    const { code, stderr } = await runTool("experiment", args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
    assert.match(stderr.trim(), message, args.join(" "));
  }
});

Deno.test("a plan's levels and steps read as its budget trains them: levels or curves, fixed or to a plateau", () => {
  const definition = EXPERIMENT_DEFINITIONS["language-modeling"];
  const budget = definition.budgets.full;
  const curve = { ...budget, curve: { lowest: 0.5, highest: 0.95, points: 5 } };
  assert.equal(sparsityLevelsOf(curve), "5 per family, spread over what it reaches of 0.5–0.95");
  assert.equal(sparsityLevelsOf({ ...budget, curve: undefined, levels: [0.6, 0.9] }), "0.6, 0.9");
  const rule = {
    patience: 3,
    tolerance: 0.01,
    floorSteps: 2000,
    capSteps: 6000,
    higherIsBetter: false,
  };
  const size = { ...budget.size, steps: 2000, convergence: rule };
  assert.equal(stepsOf(definition, { ...budget, size }), "2000–6000, to a plateau");
  assert.equal(
    stepsOf(definition, { ...budget, size: { ...size, convergence: undefined } }),
    "2000",
  );
});
