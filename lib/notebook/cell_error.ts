/**
 * One clear line for a notebook that failed: which cell, what error. The executor
 * (execute_notebook.py) reports a failing cell as a JSON line {cell, ename, evalue}; anything
 * else that goes wrong in a jupyter command is reduced to its Python exception line.
 */

export interface CellError {
  /** The failing cell's number as Jupyter shows it, In [N] (code cells counted from 1). */
  cell?: number;
  message: string;
}

// deno-lint-ignore no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;
const PYTHON_EXCEPTION = /^[\w.]*(Error|Exception|Timeout)\w*: /;

/** Reads the executor's report of a failing cell; falls back to its stderr. */
export function parseExecutorFailure(stdout: string, stderr: string): CellError {
  const report = stdout.trim().split("\n").at(-1) ?? "";
  try {
    const { cell, ename, evalue } = JSON.parse(report);
    const firstLine = String(evalue ?? "").replace(ANSI_ESCAPE, "").split("\n")[0].trim();
    return {
      cell: typeof cell === "number" ? cell : undefined,
      message: firstLine === "" ? String(ename) : `${ename}: ${firstLine}`,
    };
  } catch {
    return { message: failureLine(stderr) };
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
