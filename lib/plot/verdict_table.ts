/**
 * Assumption-1 verdicts shown as a table: one row per verdict (built with `table`), then each
 * failed or undecided condition's reason on a line of its own. Names and reasons are printed
 * with control characters escaped (a pattern file's name is arbitrary text).
 */
import { printable } from "../util/text.ts";
import { Displayable } from "./figure.ts";
import type { MimeBundle } from "./plotly_types.ts";
import { type Table, table } from "./table.ts";
import { escapeHtml } from "./text.ts";

/**
 * What a verdict table reads of an Assumption 1 verdict (lib/pattern's `analyzeAssumption1`
 * returns one): plain data, so this module knows nothing of patterns.
 */
export interface VerdictData {
  name: string;
  n: number;
  numPatterns: number;
  connections: readonly number[];
  selfLoops: { holds: boolean };
  hamiltonianPath: { status: "found" | "none" | "unknown" };
  reach: {
    mixingDepth: number | null;
    status: "found" | "none" | "unknown";
    bounds?: { lower: number; upper: number | null };
  };
  /** true / false when decided; null when some condition is undecided. */
  satisfied: boolean | null;
  /** One line per failed or undecided condition. */
  reasons: readonly string[];
}

/** "holds", "fails" or "undecided": the verdict in one word, as lib/pattern says it. */
const inOneWord = (v: VerdictData) =>
  v.satisfied === null ? "undecided" : v.satisfied ? "holds" : "fails";

/**
 * The summary row of a verdict, as shown in tables, on the explorer page and printed by the
 * command line. An undecided check reads "undecided", with the bounds on s when they are known.
 */
export function verdictRow(v: VerdictData): Record<string, string> {
  const bounds = v.reach.bounds;
  return {
    pattern: printable(v.name),
    n: String(v.n),
    p: String(v.numPatterns),
    connections: v.connections.join(" / "),
    "self-loops": v.selfLoops.holds ? "yes" : "no",
    "Hamiltonian path": v.hamiltonianPath.status === "found"
      ? "yes"
      : v.hamiltonianPath.status === "none"
      ? "no"
      : "undecided",
    s: v.reach.mixingDepth !== null
      ? String(v.reach.mixingDepth)
      : v.reach.status === "none"
      ? "none"
      : bounds
      ? `undecided (${bounds.lower}..${bounds.upper ?? "?"})`
      : "undecided",
    "Assumption 1": inOneWord(v),
  };
}

/** One or several verdicts: their rows as a table, then one line "name: reason" per reason. */
export class VerdictTable extends Displayable {
  readonly table: Table;
  /** "name: reason" for every reason of every verdict, control characters escaped. */
  readonly reasons: string[];

  constructor(verdicts: readonly VerdictData[]) {
    const rows = table(verdicts.map(verdictRow));
    const reasons = verdicts.flatMap((v) =>
      v.reasons.map((reason) => `${printable(v.name)}: ${printable(reason)}`)
    );
    super(rows.title, rows.toJSON(), [rows.summary, ...reasons].join("\n"));
    this.table = rows;
    this.reasons = reasons;
  }

  mimeBundle(): MimeBundle {
    return { "text/html": this.html(), "text/plain": this.summary };
  }

  html(): string {
    return this.table.html() +
      this.reasons.map((reason) => `<div>${escapeHtml(reason)}</div>`).join("");
  }
}

/** The verdicts as a table that displays itself in a notebook (HTML) and as text. */
export function verdictTable(verdicts: readonly VerdictData[]): VerdictTable {
  return new VerdictTable(verdicts);
}

/** The verdicts' MIME bundle (HTML and plain text), for `Deno.jupyter.display(…, { raw })`. */
export function verdictBundle(
  verdicts: readonly VerdictData[],
): { "text/html": string; "text/plain": string } {
  const shown = verdictTable(verdicts);
  return { "text/html": shown.html(), "text/plain": shown.summary };
}
