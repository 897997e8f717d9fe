/**
 * The experiment tool's side of "bring your own pattern": the Assumption 1 line printed before
 * and after a pattern file trains, and `--compare`: the comparison as a table on stdout and the
 * experiment's figure with the pattern over the families, written as HTML (plotly.js inlined)
 * and, where Chromium runs, SVG.
 */
import {
  comparePatternFile,
  type PatternComparison,
  patternComparisonFigure,
} from "../../lib/experiments/own_pattern.ts";
import { fileSafeName, type SweepPlan } from "../../lib/train/sweep.ts";
import type { StandingRow } from "../../lib/train/pattern_standing.ts";
import { analyzeAssumption1, verdictWord } from "../../lib/pattern/assumption1.ts";
import { figurePage } from "../../lib/plot/plotly_page.ts";
import { findChromium } from "../../lib/plot/chromium.ts";
import { renderSvgs } from "../../lib/plot/svg.ts";
import { formatP } from "../../lib/util/statistics.ts";
import { requireWritableFolder } from "../../lib/util/output_folder.ts";
import { writeFileAtomicSync } from "../../lib/util/system.ts";

/** "Assumption 1 holds (mixing depth s = 3)" or "... fails: (1) ...", for the pattern a plan trains. */
export function assumption1Line(plan: SweepPlan): string {
  const [run] = plan.runs;
  if (!run) return "";
  const verdict = analyzeAssumption1(run.pattern.schedule);
  const word = verdictWord(verdict);
  const depth = run.pattern.mixingDepth === null ? "never mixes" : `s = ${run.pattern.mixingDepth}`;
  const why = word === "holds" ? "" : `: ${verdict.reasons.join("; ")}`;
  return `${run.pattern.label} at n = ${run.pattern.n}: sparsity ` +
    `${run.pattern.sparsity.toFixed(4)}, mixing depth ${depth}; Assumption 1 ${word}` +
    (word === "holds" ? "" : ` (trained anyway${why})`);
}

const number = (value: number, digits = 3) => Number.isFinite(value) ? value.toFixed(digits) : "–";

function signed(value: number): string {
  return Number.isFinite(value) ? `${value >= 0 ? "+" : ""}${value.toFixed(3)}` : "–";
}

/** Where the family's value was taken, in a few words. */
function where(row: StandingRow): string {
  if (row.standing === "out of range" && row.range) {
    return `trained ${row.range[0].toFixed(3)}–${row.range[1].toFixed(3)} only`;
  }
  if (row.how === "its own sparsity") return `its own ${row.at.toFixed(3)}`;
  return `${row.at.toFixed(3)} ${row.how === "interpolated" ? "interpolated" : "trained"}`;
}

/** The comparison as lines of text: what was compared, then one row per family and depth. */
export function comparisonLines(c: PatternComparison): string[] {
  const assumption = c.assumption1
    ? `Assumption 1 ${c.assumption1.verdict}` +
      (c.assumption1.verdict === "holds" ? "" : ` (${c.assumption1.reasons.join("; ")})`)
    : "Assumption 1 not known (no pattern copy beside the runs)";
  const depth = c.mixingDepth === null ? "never mixes" : `mixing depth ${c.mixingDepth}`;
  const header = [
    "family".padEnd(30),
    "compared at".padEnd(26),
    "L".padStart(2),
    "family".padStart(8),
    "pattern".padStart(8),
    "difference".padStart(11),
    "p (Holm)".padStart(9),
    "  standing",
  ].join(" ");
  return [
    `${c.experiment} (${c.mode}): ${c.pattern}, sparsity ${c.sparsity.toFixed(4)}, ${depth}; ` +
    assumption,
    `${c.seeds.length} seed(s) at L = ${c.layers.join(", ")}; ${c.metric.label} ` +
    `(${c.metric.higherIsBetter ? "higher" : "lower"} is better); families from ${c.familiesDir}`,
    header,
    ...c.rows.map((row) =>
      [
        row.family.slice(0, 30).padEnd(30),
        where(row).padEnd(26),
        String(row.layers).padStart(2),
        number(row.familyMean).padStart(8),
        number(row.patternMean).padStart(8),
        signed(row.difference).padStart(11),
        (Number.isFinite(row.p) ? formatP(row.p) : "–").padStart(9),
        `  ${row.standing}`,
      ].join(" ")
    ),
  ];
}

/** A file name from the experiment and the pattern: letters, digits, '-' and '_'. */
function stem(c: PatternComparison): string {
  return fileSafeName(`${c.experiment}-${c.pattern}`, 120);
}

/**
 * --compare DIR [--against DIR] [--out DIR]: prints the comparison and writes the figure (HTML
 * always, SVG where Chromium runs) into `out` (default: the pattern's folder).
 */
export async function compareCommand(
  experiment: string,
  patternDir: string,
  familiesDir: string | undefined,
  out: string | undefined,
): Promise<number> {
  const comparison = comparePatternFile(experiment, patternDir, familiesDir);
  const folder = requireWritableFolder("--out", out ?? patternDir);
  for (const line of comparisonLines(comparison)) console.log(line);
  const figure = patternComparisonFigure(comparison);
  const path = `${folder}/${stem(comparison)}`;
  writeFileAtomicSync(
    `${path}.html`,
    figurePage(figure.toJSON(), figure.summary, figure.title),
  );
  const written = [`${path}.html`];
  if (findChromium() !== undefined) {
    const [svg] = await renderSvgs([figure.toJSON()]);
    writeFileAtomicSync(`${path}.svg`, svg);
    written.push(`${path}.svg`);
  } else {
    console.log("figure: no SVG (Chromium not found; set CHROMIUM_PATH)");
  }
  console.log(`figure: ${written.join(", ")}`);
  return 0;
}
