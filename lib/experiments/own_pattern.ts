/**
 * A pattern of one's own on an experiment: its runs (trained from a pattern file by `deno task
 * experiment NAME --pattern-file FILE`) set against the experiment's families, with the tests
 * of lib/train/pattern_standing.ts and the experiment's figure with the pattern drawn over the
 * families' curves. The families come from the committed results (full runs) or the quick
 * sweep's folder (quick runs), or from a folder given.
 */
import {
  defaultResultsDir,
  fileSafeName,
  patternCopyPath,
  resultsAtPlanSizes,
} from "../train/sweep.ts";
import { FILE_PATTERN } from "../train/sweep_grid.ts";
import { summarize, type SummarySeries } from "../train/summary.ts";
import { patternStanding, type StandingRow } from "../train/pattern_standing.ts";
import type { RunMode } from "../train/results.ts";
import { analyzeAssumption1, verdictWord } from "../pattern/assumption1.ts";
import { asSchedule, type PatternLike, scheduleToJson } from "../pattern/mod.ts";
import { readPatternFile } from "../pattern/pattern_file.ts";
import { runSweep } from "./sweeps.ts";
import type { Figure } from "../plot/figure.ts";
import { InputError } from "../util/errors.ts";
import { claim } from "../util/claim.ts";
import { experimentFigure } from "./figures.ts";
import { type ExperimentRef, requireExperiment } from "./registry.ts";

export interface PatternComparison {
  experiment: string;
  mode: RunMode;
  /** The pattern's name, as its file gave it. */
  pattern: string;
  /** Its exact sparsity and Assumption 1's mixing depth (null: it never mixes). */
  sparsity: number;
  mixingDepth: number | null;
  /** Assumption 1's verdict from the copy of the pattern kept beside the runs, if there is one. */
  assumption1?: { verdict: "holds" | "fails" | "undecided"; reasons: string[] };
  seeds: number[];
  layers: number[];
  rows: StandingRow[];
  /** The folders compared: the pattern's runs, and the families'. */
  patternDir: string;
  familiesDir: string;
  metric: { label: string; higherIsBetter: boolean };
  /** The pattern's series and the families', on the experiment's axis. */
  own: SummarySeries;
  families: SummarySeries[];
}

/** Assumption 1 of the pattern copy a file's sweep keeps beside its runs, if it is there. */
function assumption1Of(dir: string): PatternComparison["assumption1"] {
  const path = patternCopyPath(dir);
  try {
    Deno.statSync(path);
  } catch {
    return undefined; // runs trained without the copy: the verdict is not known here
  }
  const verdict = analyzeAssumption1(readPatternFile(path, { parameter: "pattern copy" }));
  return { verdict: verdictWord(verdict), reasons: verdict.reasons };
}

/**
 * Compares the pattern-file runs in `patternDir` with the experiment's families (in
 * `familiesDir`, default: the committed results for full runs, the quick sweep's folder for
 * quick ones). An InputError when `patternDir` holds no pattern-file run of the experiment, or
 * runs of both modes, or the families' folder holds no family at the runs' sizes.
 */
export function comparePatternFile(
  experiment: ExperimentRef,
  patternDir: string,
  familiesDir?: string,
): PatternComparison {
  const definition = requireExperiment(experiment);
  const modes: RunMode[] = ["full", "quick"];
  const byMode = modes.map((mode) =>
    resultsAtPlanSizes(definition, mode, patternDir).filter((r) => r.pattern === FILE_PATTERN)
  );
  const found = modes.filter((_, i) => byMode[i].length > 0);
  if (found.length !== 1) {
    throw new InputError(
      "--compare",
      patternDir,
      found.length === 0
        ? `holds no run of a pattern file on ${definition.name} at its quick or full sizes`
        : "holds pattern-file runs of both modes; keep one mode per folder",
    );
  }
  const mode = found[0];
  const ownResults = byMode[modes.indexOf(mode)];
  if (new Set(ownResults.map((r) => r.patternName)).size > 1) {
    throw new InputError("--compare", patternDir, "holds the runs of several patterns");
  }
  const dir = familiesDir ?? defaultResultsDir(definition, mode);
  const familyResults = resultsAtPlanSizes(definition, mode, dir)
    .filter((r) => r.pattern !== FILE_PATTERN);
  if (familyResults.length === 0) {
    throw new InputError(
      "families folder",
      dir,
      `holds no ${mode} run of ${definition.name}: train its sweep (deno task experiment ` +
        `${definition.name} --${mode})`,
    );
  }
  const { key, label, higherIsBetter } = definition.metric;
  // each family one curve through all its trained points, whatever the budget's levels
  const families = summarize(familyResults, key, definition.axis, { curves: true });
  const [own] = summarize(ownResults, key, definition.axis);
  const layers = [...new Set(ownResults.map((r) => r.layers))].sort((a, b) => a - b);
  const rows = patternStanding(own, families, definition.axis, higherIsBetter, layers[0]);
  return {
    experiment: definition.name,
    mode,
    pattern: ownResults[0].patternName,
    sparsity: ownResults[0].sparsity,
    mixingDepth: ownResults[0].mixingDepth,
    assumption1: assumption1Of(patternDir),
    seeds: [...new Set(ownResults.map((r) => r.seed))].sort((a, b) => a - b),
    layers,
    rows,
    patternDir,
    familiesDir: dir,
    metric: { label, higherIsBetter },
    own,
    families,
  };
}

/** The experiment's figure with the pattern drawn over the families' curves. */
export function patternComparisonFigure(comparison: PatternComparison): Figure {
  const definition = requireExperiment(comparison.experiment);
  const name = `your pattern: ${comparison.pattern} · ${
    (100 * comparison.sparsity).toFixed(1)
  }% sparse`;
  return experimentFigure(definition, comparison.families, {
    title: `${definition.title} (n = ${definition.budgets[comparison.mode].size.n}, ` +
      `${comparison.mode}): ${comparison.pattern} against the families`,
    highlight: { name, series: comparison.own },
  });
}

/** The comparison as table rows (a family out of range shows no mean and no test). */
export function standingRows(
  comparison: PatternComparison,
): Record<string, string | number | null>[] {
  const finite = (value: number) => Number.isFinite(value) ? value : null;
  return comparison.rows.map((row) => ({
    family: row.family,
    "compared at": row.standing === "out of range"
      ? "out of its range"
      : `${row.at.toFixed(3)} (${row.how})`,
    family_mean: finite(row.familyMean),
    pattern_mean: row.patternMean,
    "p (Holm)": finite(row.p),
    standing: row.standing,
  }));
}

/** Claims what a comparison promises: every family has a row, none extrapolated. */
function claimComparison(comparison: PatternComparison): void {
  const { families, rows, sparsity } = comparison;
  claim(
    families.every((f) => rows.some((r) => r.family === f.label)),
    "every family has a row: compared, or out of range",
  );
  // dense, the baseline and STAR are compared at their own sparsity, as references
  for (const row of rows.filter((r) => r.how !== "its own sparsity")) {
    const xs = families.find((f) => f.label === row.family)!.points.map((p) => p.x);
    const brackets = Math.min(...xs) <= sparsity && sparsity <= Math.max(...xs);
    claim(
      (row.standing === "out of range") === !brackets,
      `${row.family} is out of range exactly when its trained points do not bracket the pattern`,
    );
  }
}

/**
 * The whole workflow at quick size, in a scratch folder: trains the experiment's quick plan at
 * `seeds`, writes `pattern` (a pattern or a schedule) to a pattern file, trains that file's plan
 * at the same seeds and compares the two, with the figure and the rows of a table. What notebook
 * 12 runs live; the command line does the same in three steps.
 */
export async function comparePatternLive(
  experiment: ExperimentRef,
  pattern: PatternLike,
  seeds: readonly number[],
): Promise<{
  comparison: PatternComparison;
  figure: Figure;
  rows: Record<string, string | number | null>[];
  title: string;
}> {
  const definition = requireExperiment(experiment);
  const schedule = asSchedule(pattern);
  const dir = await Deno.makeTempDir({ prefix: `lab-own-pattern-${definition.name}-` });
  const file = `${dir}/${fileSafeName(schedule.name)}.json`;
  await Deno.writeTextFile(file, JSON.stringify(scheduleToJson(schedule)));
  const common = { mode: "quick" as const, seeds: [...seeds], jobs: 1 };
  await runSweep(definition, { ...common, resultsDir: `${dir}/families` });
  await runSweep(definition, { ...common, patternFile: file, resultsDir: `${dir}/pattern` });
  const comparison = comparePatternFile(definition, `${dir}/pattern`, `${dir}/families`);
  claimComparison(comparison);
  return {
    comparison,
    figure: patternComparisonFigure(comparison),
    rows: standingRows(comparison),
    title: `${schedule.name} (sparsity ${comparison.sparsity.toFixed(4)}, Assumption 1 ` +
      `${comparison.assumption1?.verdict}) against the families, ${seeds.length} seeds each, ` +
      "quick size, trained just now",
  };
}
