/**
 * The character model the explorer page runs: the best sparse model of the language-modelling
 * sweep on Moby Dick (kept as the sweep trains; lib/train/best_model.ts). Its weights file records
 * the pattern, the vocabulary and why it was kept, so it can be rebuilt at any n up to the
 * length it was trained at, exported to ONNX and served.
 */
import { languageModeling } from "../experiments/language_modeling.ts";
import { keepableAsBestSparse, type KeptRecord, keptRecord } from "../train/best_model.ts";
import { finalValidation, readResults, type RunResult } from "../train/results.ts";
import { committedStatus } from "../experiments/sweeps.ts";
import { InputError } from "../util/errors.ts";
import { pathFromUrl } from "../util/system.ts";

/** Weights stem (`.json` + `.bin`) of the served character model. */
export const SERVED_CHAR_MODEL = pathFromUrl(
  `../../${languageModeling.bestModel!.stem}`,
  import.meta.url,
);

/** Why the served model was kept (its run and validation score), or undefined when none is. */
export function servedModelRecord(): KeptRecord | undefined {
  return keptRecord(SERVED_CHAR_MODEL);
}

/** The served model beside the committed results of the sweep that kept it. */
export interface ServedModelStanding {
  record: KeptRecord;
  /** The committed result of the run the model was kept from (undefined if not committed). */
  keptFrom?: RunResult;
  /**
   * The committed sparse run (RANDOM aside: its pairs are not recorded) with the lowest final
   * validation score.
   */
  bestSparse?: RunResult;
  /**
   * The model is the best sparse run's, kept for the sweep's ranking metric, and its recorded
   * score is that run's final validation score.
   */
  consistent: boolean;
  /**
   * True while the current plan has no committed sparse run the model could come from: the
   * model is then checked against the result files of the plan it was trained under, kept in
   * the folder until the current sweep's first run replaces the model.
   */
  earlierPlan: boolean;
}

/**
 * Checks the served model against the committed language-modelling results: it must come from
 * the committed sparse run with the lowest final validation perplexity, with that run's score (the
 * current plan's runs, or while it has none, the runs of the plan the model was kept under). The
 * test score is only reported, never used to choose.
 * Throws when no model is saved.
 */
export function servedModelStanding(): ServedModelStanding {
  const record = servedModelRecord();
  if (record === undefined) {
    throw new InputError("served model", SERVED_CHAR_MODEL, "no saved model (run the sweep)");
  }
  const validation = (result: RunResult) => finalValidation(result.curve);
  const keepable = (result: RunResult) =>
    result.mode === "full" && keepableAsBestSparse(result.pattern);
  const status = committedStatus(languageModeling.name);
  const current = status.results.filter(keepable);
  const earlierPlan = current.length === 0;
  const pool = earlierPlan
    ? readResults(status.dir, { quiet: true }).results.filter(keepable)
    : current;
  const sparse = pool.sort((a, b) => validation(a) - validation(b));
  const keptFrom = sparse.find((result) => result.runId === record.runId);
  const bestSparse = sparse[0];
  const consistent = keptFrom !== undefined && keptFrom === bestSparse &&
    record.metric === languageModeling.bestModel!.metric &&
    Math.abs(validation(keptFrom) - record.score) <= 1e-9;
  return { record, keptFrom, bestSparse, consistent, earlierPlan };
}
