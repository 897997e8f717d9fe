/**
 * The model the explorer serves is the language-modelling sweep's best committed sparse model by
 * validation perplexity, with the score its run recorded, and it rebuilds at every length the page
 * serves.
 */
import assert from "node:assert/strict";
import { SERVED_CHAR_MODEL, servedModelStanding } from "../../lib/export/served_model.ts";
import { asSchedule, buildPattern } from "../../lib/pattern/mod.ts";
import { SERVED_LENGTHS } from "../../web/server.ts";
import { EXPERIMENT_DEFINITIONS } from "../../lib/experiments/registry.ts";
import { planSweep } from "../../lib/experiments/sweeps.ts";

/**
 * The committed runs of the full language-modelling plan, read from their files without the
 * library's result reader: each planned run's file, where one is committed.
 */
function committedRuns(): {
  runId: string;
  pattern: string;
  metricName: string;
  validation: number;
}[] {
  const dir = new URL("../../data/results/language-modeling/", import.meta.url);
  const planned = planSweep("language-modeling", { mode: "full" }).runs.map((run) => run.runId);
  return planned
    .map((runId) => new URL(`${runId}.json`, dir))
    .filter((url) => {
      try {
        return Deno.statSync(url).isFile;
      } catch {
        return false;
      }
    })
    .map((url) => JSON.parse(Deno.readTextFileSync(url)))
    .map((result) => {
      const validated = result.curve.filter((point: { metric?: number }) => "metric" in point);
      return { ...result, validation: validated[validated.length - 1].metric };
    });
}

Deno.test("the served model is the sparse run with the lowest validation perplexity", () => {
  const standing = servedModelStanding();
  assert.equal(standing.earlierPlan, false, "the current plan has committed sparse runs");
  // RANDOM is not kept: its pairs are not in the weights file; dense is not sparse
  const sparse = committedRuns().filter((run) => !["dense", "random"].includes(run.pattern));
  assert.ok(sparse.length >= 100, `${sparse.length} committed sparse runs`);
  const lowest = sparse.reduce((best, run) => run.validation < best.validation ? run : best);
  assert.equal(standing.record.runId, lowest.runId);
  // the metric the model was ranked by is the one each run's curve records
  assert.equal(standing.record.metric, "valid perplexity");
  assert.equal(lowest.metricName, standing.record.metric);
  assert.ok(Math.abs(standing.record.score - lowest.validation) <= 1e-9, `${lowest.validation}`);
  assert.ok(standing.consistent, JSON.stringify(standing.record));
});

Deno.test("the served model's pattern rebuilds at every served length, up to its trained n", () => {
  const { keptFrom } = servedModelStanding();
  const trainedN = EXPERIMENT_DEFINITIONS["language-modeling"].budgets.full.size.n;
  assert.equal(keptFrom!.n, trainedN);
  const spec = JSON.parse(Deno.readTextFileSync(`${SERVED_CHAR_MODEL}.json`)).metadata
    .config.patternSpec;
  for (const n of SERVED_LENGTHS) {
    assert.ok(n <= trainedN, `served n = ${n} is within the trained length ${trainedN}`);
    const patterns = asSchedule(buildPattern(spec.name, { ...spec.params, n })).patterns;
    assert.ok(patterns.every((pattern) => pattern.n === n), `the pattern at n = ${n}`);
  }
});
