/**
 * `deno task test`: the whole project checked the way CI checks it. Each static check (fmt,
 * notebook format, lint, type check) counts as one test, every unit test counts as one (from Deno's summary
 * line), and every notebook executed in quick mode counts as one.
 */
import { type CommandResult, runCommand, runStreaming } from "../../lib/util/system.ts";
import { checkFormatExceptNotebooks, checkNotebookFormat } from "./format.ts";
import { describeFailure, PrerequisiteError, reproduce } from "./reproduce.ts";
import { InputError } from "../../lib/util/errors.ts";

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

  const outDir = await Deno.makeTempDir({ prefix: "lab-test-notebooks-" });
  try {
    log("notebooks (quick mode):");
    const report = await reproduce({
      notebooksDir: options.notebooksDir ?? "notebooks",
      outDir,
      quick: true,
      only: options.only,
      keepGoing: true,
      onProgress: (line) => log(`  ${line}`),
    });
    for (const notebook of report.notebooks) {
      if (notebook.status === "ok") total.passed++;
      else {
        total.failed++;
        log(`  ${describeFailure(notebook)}`);
      }
    }
  } catch (error) {
    // A missing tool or an unusable notebooks folder is one failed test with one line.
    if (!(error instanceof PrerequisiteError || error instanceof InputError)) throw error;
    total.failed++;
    log(`notebooks: ${error.message}`);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
  return total;
}
