/**
 * One clear line for a notebook that failed: which cell, what error. The executor
 * (execute_notebook.py) reports a failure as a JSON line {cell, ename, evalue, kind, ...};
 * anything else that goes wrong in a jupyter command is reduced to its Python exception line.
 */
import { join } from "node:path";
import { runCommand } from "../../lib/util/system.ts";

export interface CellError {
  /** The failing cell's number as Jupyter shows it, In [N] (non-empty code cells from 1). */
  cell?: number;
  message: string;
  /** The kernel process died while the cell ran; the message says so and names the cell. */
  kernelDied?: boolean;
  /**
   * The cell's source when the kernel refused the cell without a reason (Deno's kernel replies
   * "Execution failed" with no traceback to a syntax error); see {@link explainUnparsedCell}.
   */
  unparsedSource?: string;
}

// deno-lint-ignore no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;
const PYTHON_EXCEPTION = /^[\w.]*(Error|Exception|Timeout)\w*: /;

/** What each kind of asynchronous failure adds to the error, so the line says how it escaped. */
const ASYNC_NOTES: Record<string, string> = {
  callback: "thrown asynchronously by a callback the cell scheduled",
  error: "thrown asynchronously; surfaced while the cell ran or after it",
  rejection: "an unhandled promise rejection",
};

function firstLine(text: unknown): string {
  return String(text ?? "").replace(ANSI_ESCAPE, "").split("\n")[0].trim();
}

/** Reads the executor's report of a failure; falls back to its stderr. */
export function parseExecutorFailure(stdout: string, stderr: string): CellError {
  const reportLine = stdout.trim().split("\n").at(-1) ?? "";
  let report: Record<string, unknown>;
  try {
    report = JSON.parse(reportLine);
    if (report === null || typeof report !== "object") throw new TypeError("not an object");
  } catch {
    return { message: failureLine(stderr) };
  }
  const cell = typeof report.cell === "number" ? report.cell : undefined;
  const ename = String(report.ename ?? "Error");
  const evalue = firstLine(report.evalue);
  if (report.kind === "kernel-died") {
    const code = typeof report.exit_code === "number" ? ` (exit code ${report.exit_code})` : "";
    return { cell, message: `${evalue}${code}`, kernelDied: true };
  }
  let message = evalue === "" ? ename : `${ename}: ${evalue}`;
  const note = ASYNC_NOTES[String(report.kind)];
  if (note !== undefined) message += ` (${note})`;
  const error: CellError = { cell, message };
  if (report.kind === "syntax" && typeof report.source === "string") {
    error.unparsedSource = report.source;
  }
  return error;
}

/**
 * Why a cell could not be parsed, as "SyntaxError: ... (line L, column C)": the kernel says
 * only "Execution failed", so the cell is parsed again by `deno fmt` (the same parser family).
 * Undefined when that parser finds nothing wrong.
 */
export async function explainUnparsedCell(source: string): Promise<string | undefined> {
  const scratch = await Deno.makeTempDir({ prefix: "lab-cell-" });
  try {
    const file = join(scratch, "cell.ts");
    await Deno.writeTextFile(file, source);
    const result = await runCommand(Deno.execPath(), ["fmt", "--no-config", "--check", file], {
      cwd: scratch,
      env: { NO_COLOR: "1" },
    });
    const output = (result.stdout + "\n" + result.stderr).replace(ANSI_ESCAPE, "");
    const reason = /SyntaxError: (.+)/.exec(output)?.[1].trim();
    if (reason === undefined) return undefined;
    const at = /cell\.ts:(\d+):(\d+)\s*$/m.exec(output);
    return `SyntaxError: ${reason}` + (at ? ` (line ${at[1]}, column ${at[2]})` : "");
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** The one line worth showing from a failed jupyter command: its Python exception. */
export function failureLine(stderr: string): string {
  const nonEmpty = stderr.replace(ANSI_ESCAPE, "").split("\n").map((line) => line.trim())
    .filter((line) => line !== "");
  const exception = nonEmpty.findLast((line) => PYTHON_EXCEPTION.test(line));
  return exception?.replace(/^(\w+\.)+/, "") ?? nonEmpty.at(-1) ??
    "jupyter failed without a message";
}
