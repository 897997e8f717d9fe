/**
 * The model the explorer serves is the language-modelling sweep's best committed sparse model,
 * with the score its run recorded, and it rebuilds at every length the page serves.
 */
import assert from "node:assert/strict";
import { SERVED_CHAR_MODEL, servedModelStanding } from "../../lib/export/served_model.ts";
import { asSchedule, buildPattern } from "../../lib/pattern/mod.ts";
import { SERVED_LENGTHS } from "../../web/server.ts";
import { EXPERIMENT_DEFINITIONS } from "../../lib/experiments/registry.ts";

Deno.test("the served model is the best committed sparse language model, with its score", () => {
  const standing = servedModelStanding();
  assert.ok(standing.keptFrom, `the run it was kept from (${standing.record.runId}) is committed`);
  assert.equal(standing.bestSparse?.runId, standing.record.runId);
  assert.ok(standing.consistent, JSON.stringify(standing.record));
  assert.equal(standing.record.metric, "test bits per character");
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
