/**
 * `deno task test`: the whole project checked the way CI checks it. Each static check (fmt,
 * notebook format, lint, type check) counts as one test, every unit test counts as one (from
 * Deno's summary line), every notebook executed in quick mode counts as one, and every notebook
 * with exercises counts once more, executed in quick mode with its solutions.
 *
 * In the student run (the notebooks as shipped) an exercise that prints "checked" fails its
 * notebook: the shipped answer cell gives the solution away. notebooks/solutions/*.ts are cell
 * fragments, not modules (they use what the notebook defined above them), so the type check
 * leaves them out (they are not under SOURCE_DIRS) and deno.json excludes them from lint; the
 * solutions run executes, and so checks, every one of them.
 */
import { type CommandResult, runCommand, runStreaming } from "../../lib/util/system.ts";
import { checkFormatExceptNotebooks, checkNotebookFormat } from "./format.ts";
import { describeFailure, type NotebookReport, PrerequisiteError, reproduce } from "./reproduce.ts";
import { hasExercises } from "./exercises.ts";
import { listNotebooks, readNotebook, selectNotebooks } from "./notebook.ts";
import { InputError } from "../../lib/util/errors.ts";
import { join } from "node:path";
import { checkFigureFolder } from "../check_figures.ts";
import { siteLinkProblems, sitePageProblems } from "./site.ts";

export interface SuiteOptions {
  /** Only unit tests whose name contains this (deno test --filter). */
  filter?: string;
  /** Only this notebook (see reproduce's --only). */
  only?: string;
  notebooksDir?: string;
  log?: (line: string) => void;
}

export interface SuiteResult {
  passed: number;
  failed: number;
}

const SOURCE_DIRS = ["lib", "tools", "tests"];
const MAX_DETAIL_LINES = 40;

/** Counts from Deno's last summary line: "ok | 12 passed (3 steps) | 0 failed (2s)". */
export function parseDenoTestSummary(output: string): SuiteResult | undefined {
  const summaries = [
    ...output.matchAll(/^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/gm),
  ];
  const last = summaries.at(-1);
  return last && { passed: Number(last[1]), failed: Number(last[2]) };
}

/** What a failed static check printed, short: fmt's file list, else the last lines. */
function failureDetail(output: string): string {
  // deno-lint-ignore no-control-regex
  const lines = output.replace(/\x1b\[[0-9;]*m/g, "").trimEnd().split("\n");
  const unformatted = lines.flatMap((line) => /^from (.+):$/.exec(line)?.[1] ?? []);
  if (unformatted.length > 0) return `  not formatted (run deno fmt): ${unformatted.join(", ")}`;
  const shown = lines.slice(-MAX_DETAIL_LINES);
  return (lines.length > shown.length ? ["  ..."] : []).concat(shown).join("\n");
}

/**
 * What a quick run of the notebooks wrote, checked as a reader meets it: every figure (one test
 * each), and the course site's links and page sizes (one test each).
 */
async function checkWhatTheRunWrote(
  outDir: string,
  report: Awaited<ReturnType<typeof reproduce>>,
  total: SuiteResult,
  log: (line: string) => void,
): Promise<void> {
  if (report.notebooks.some((notebook) => notebook.figures.length > 0)) {
    log("figures as a reader sees them:");
    const figures = await checkFigureFolder(join(outDir, "figures"), (line) => log(`  ${line}`));
    total.passed += figures.passed;
    total.failed += figures.failed;
  }
  const siteChecks = [
    ["links", await siteLinkProblems(outDir)],
    ["page sizes", await sitePageProblems(outDir)],
  ] as const;
  for (const [name, problems] of siteChecks) {
    if (problems.length === 0) total.passed++;
    else total.failed++;
    log(`site ${name}: ${problems.length === 0 ? "ok" : problems.join("; ")}`);
  }
}

export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const log = options.log ?? console.log;
  const total: SuiteResult = { passed: 0, failed: 0 };
  const deno = Deno.execPath();
  const environment = { env: { NO_COLOR: "1" } };

  const staticChecks: [string, Promise<CommandResult>][] = [
    ["deno fmt --check", checkFormatExceptNotebooks()],
    ["notebooks formatted", checkNotebookFormat()],
    ["deno lint", runCommand(deno, ["lint"], environment)],
    ["deno check", runCommand(deno, ["check", ...SOURCE_DIRS], environment)],
  ];
  for (const [name, pending] of staticChecks) {
    const result = await pending;
    if (result.code === 0) {
      total.passed++;
      log(`${name}: ok`);
    } else {
      total.failed++;
      log(`${name}: FAILED\n${failureDetail(result.stdout + result.stderr)}`);
    }
  }

  log("deno test -A tests/");
  const filter = options.filter === undefined ? [] : ["--filter", options.filter];
  const unit = await runStreaming(deno, ["test", "-A", ...filter, "tests/"], environment);
  const counts = parseDenoTestSummary(unit.output);
  if (counts === undefined) {
    total.failed++;
    log("deno test: FAILED before running tests (see above)");
  } else {
    total.passed += counts.passed;
    total.failed += counts.failed;
  }

  const notebooksDir = options.notebooksDir ?? "notebooks";
  const notebookRuns = [
    { title: "notebooks (quick mode)", solutions: false },
    { title: "notebooks with their solutions (quick mode)", solutions: true },
  ];
  for (const { title, solutions } of notebookRuns) {
    const outDir = await Deno.makeTempDir({ prefix: "lab-test-notebooks-" });
    try {
      const notebooks = solutions
        ? await notebooksWithExercises(notebooksDir, options.only)
        : undefined;
      if (notebooks?.length === 0) continue;
      log(`${title}:`);
      const report = await reproduce({
        notebooksDir,
        outDir,
        quick: true,
        only: options.only,
        notebooks,
        solutions,
        keepGoing: true,
        onProgress: (line) => log(`  ${line}`),
      });
      if (!solutions) await checkWhatTheRunWrote(outDir, report, total, log);
      for (const notebook of report.notebooks) {
        const failure = notebook.status === "ok"
          ? (solutions ? undefined : answeredAsShipped(notebook))
          : describeFailure(notebook);
        if (failure === undefined) total.passed++;
        else {
          total.failed++;
          log(`  ${failure}`);
        }
      }
    } catch (error) {
      // A missing tool or an unusable notebooks folder is one failed test with one line.
      if (!(error instanceof PrerequisiteError || error instanceof InputError)) throw error;
      total.failed++;
      log(`${title}: ${error.message}`);
    } finally {
      await Deno.remove(outDir, { recursive: true });
    }
  }
  return total;
}

/** The notebooks (file names) the solutions change: those with answer cells or a solutions file. */
async function notebooksWithExercises(notebooksDir: string, only?: string): Promise<string[]> {
  const available = await listNotebooks(notebooksDir, "notebooksDir");
  const names = only === undefined ? available : selectNotebooks(available, only);
  const picked: string[] = [];
  for (const name of names) {
    if (await hasExercises(notebooksDir, name, await readNotebook(join(notebooksDir, name)))) {
      picked.push(name);
    }
  }
  return picked;
}

/** Why a notebook run as shipped fails: an exercise it checked, whose answer cell is not blank. */
export function answeredAsShipped(report: NotebookReport): string | undefined {
  const checked = report.exercises?.checked ?? [];
  if (checked.length === 0) return undefined;
  return `notebook ${report.name}: exercise ${checked.join(", ")} printed "checked" as ` +
    "shipped (its answer cell should be blank; the solution belongs in notebooks/solutions/)";
}
