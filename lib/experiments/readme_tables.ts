/**
 * The READMEs' generated tables over every registered experiment, in the registry's order: the
 * README's verdict table and the results README's progress table (lib/train/readme_tables.ts
 * builds their rows and blocks from the committed results).
 */
import { predictedForTrainedRuns, predictedSweepCost } from "./sweep_costs.ts";
import {
  type GeneratedTable,
  PROGRESS_BEGIN,
  PROGRESS_END,
  progressTableBlock,
  progressTableRow,
  VERDICTS_BEGIN,
  VERDICTS_END,
  verdictTableBlock,
  verdictTableRows,
} from "../train/readme_tables.ts";
import { experiments } from "./registry.ts";
import { committedStatus } from "./sweeps.ts";
import { committedSeries, experimentVerdicts } from "./report.ts";

/**
 * The README's verdict table, generated from the committed results of every experiment with the
 * notebooks' rules (a Markdown table between the verdict markers).
 */
export function readmeVerdictTable(): string {
  return verdictTableBlock(
    experiments().flatMap((definition) => {
      const status = committedStatus(definition);
      const checks = experimentVerdicts(definition, committedSeries(definition, status), status);
      return verdictTableRows(definition.name, status, checks);
    }),
  );
}

/** The results README's progress table: one row per experiment (see `progressTableRow`). */
export function resultsProgressTable(): string {
  return progressTableBlock(
    experiments().map((definition) => {
      const status = committedStatus(definition);
      const floor = predictedSweepCost(status.plan, 2, "floor")?.elapsedMinutes;
      const cap = predictedSweepCost(status.plan, 2, "cap")?.elapsedMinutes;
      return progressTableRow(definition.name, status, {
        plan: floor === undefined || cap === undefined ? undefined : { floor, cap },
        trainedRuns: predictedForTrainedRuns(status.plan, status.results, 2),
      });
    }),
  );
}

/** Every generated table, in the order `--summary` prints them. */
export const GENERATED_TABLES: readonly GeneratedTable[] = [
  {
    file: "README.md",
    title: "verdict table",
    begin: VERDICTS_BEGIN,
    end: VERDICTS_END,
    render: () => readmeVerdictTable(),
  },
  {
    file: "data/results/README.md",
    title: "progress table",
    begin: PROGRESS_BEGIN,
    end: PROGRESS_END,
    render: () => resultsProgressTable(),
  },
];
