/**
 * Turns nbconvert's report of a failing cell into one line. nbclient's CellExecutionError
 * prints the cell's source between two rules of dashes, then the kernel's traceback, whose
 * first line from the Deno kernel is "Name: message". The cell is found by its source.
 */
import { cellSource, type Notebook } from "./notebook.ts";

export interface CellError {
  /** 1-based position among all cells (what Jupyter's UI shows), when known. */
  cell?: number;
  message: string;
}

const RULE = "------------------";
const PYTHON_EXCEPTION = /^[\w.]*(Error|Exception|Timeout)\w*: /;
// deno-lint-ignore no-control-regex
const ANSI_ESCAPE = /\x1b\[[0-9;]*m/g;

export function parseCellError(stderr: string, notebook: Notebook): CellError {
  const text = stderr.replace(ANSI_ESCAPE, "");
  const lines = text.split("\n");
  const start = lines.findIndex((line) =>
    line.includes("An error occurred while executing the following cell")
  );
  if (start >= 0 && lines[start + 1] === RULE) {
    const end = lines.indexOf(RULE, start + 2);
    if (end > 0) {
      const source = lines.slice(start + 2, end).join("\n").trim();
      const index = notebook.cells.findIndex((cell) =>
        cell.cell_type === "code" && cellSource(cell).trim() === source
      );
      const message = lines.slice(end + 1).find((line) => line.trim() !== "")?.trim();
      return {
        cell: index >= 0 ? index + 1 : undefined,
        message: message ?? "the cell raised an error",
      };
    }
  }
  // No cell report (a kernel that died, a timeout, a bad notebook).
  return { message: failureLine(text) };
}

/** The one line worth showing from a failed jupyter command: its Python exception. */
export function failureLine(stderr: string): string {
  const nonEmpty = stderr.replace(ANSI_ESCAPE, "").split("\n").map((line) => line.trim())
    .filter((line) => line !== "");
  const exception = nonEmpty.findLast((line) => PYTHON_EXCEPTION.test(line));
  return exception?.replace(/^(\w+\.)+/, "") ?? nonEmpty.at(-1) ??
    "jupyter failed without a message";
}
