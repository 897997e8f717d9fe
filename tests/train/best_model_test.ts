/** The sweep's best model: kept only when better, one writer at a time, rebuildable from its file. */
import assert from "node:assert/strict";
import { bestModelKeeper, keptRecord } from "../../lib/train/best_model.ts";
import { EXPERIMENT_DEFINITIONS } from "../../lib/experiments/registry.ts";
import { Progress } from "../../lib/train/progress.ts";
import { requireChoice, resolvePattern } from "../../lib/train/sweep_grid.ts";
import { runLanguageModel } from "../../lib/experiments/language_modeling.ts";
import { loadSavedModel } from "../../lib/export/saved_model.ts";
import { initTf } from "../../lib/attention/mod.ts";

/** A stand-in save: writes the manifest the keeper reads back. */
const fakeSave = (stem: string, record: object) =>
  Deno.writeTextFile(
    `${stem}.json`,
    JSON.stringify({ metadata: { config: { keptAsBest: record } } }),
  );

Deno.test("an offer replaces the kept model only when its score is lower", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "best model " });
  const stem = `${dir}/best`;
  assert.equal(await bestModelKeeper(stem, "a", "bits").offer(2.6, fakeSave), true);
  assert.equal(await bestModelKeeper(stem, "b", "bits").offer(2.7, fakeSave), false);
  assert.equal(await bestModelKeeper(stem, "c", "bits").offer(2.6, fakeSave), false, "a tie keeps");
  assert.equal(await bestModelKeeper(stem, "d", "bits").offer(NaN, fakeSave), false);
  assert.equal(await bestModelKeeper(stem, "e", "bits").offer(2.5, fakeSave), true);
  assert.deepEqual(keptRecord(stem), { runId: "e", score: 2.5, metric: "bits" });
  // concurrent offers: the lock serializes them, so the lowest wins whatever the order
  await Promise.all(
    [2.4, 2.2, 2.3].map((s, i) => bestModelKeeper(stem, `p${i}`, "bits").offer(s, fakeSave)),
  );
  assert.equal(keptRecord(stem)?.runId, "p1");
  // a lock left by a process that is gone is taken over
  Deno.writeTextFileSync(`${stem}.lock`, "999999999");
  assert.equal(await bestModelKeeper(stem, "f", "bits").offer(2.0, fakeSave), true);
  assert.ok(!Deno.readDirSync(dir).some((e) => e.name.endsWith(".lock")), "no lock left behind");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a model kept from a run of an earlier plan gives way to the current plan's first offer", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "best model " });
  const stem = `${dir}/best`;
  const current = (runId: string) => runId.startsWith("new-");
  await bestModelKeeper(stem, "old-run", "bits").offer(2.3, fakeSave);
  assert.equal(await bestModelKeeper(stem, "new-a", "bits", current).offer(2.6, fakeSave), true);
  assert.equal(keptRecord(stem)?.runId, "new-a");
  // among the current plan's runs, only a lower score replaces it
  assert.equal(await bestModelKeeper(stem, "new-b", "bits", current).offer(2.7, fakeSave), false);
  assert.equal(await bestModelKeeper(stem, "new-c", "bits", current).offer(2.5, fakeSave), true);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a model kept for another metric gives way to the first offer ranked by this one", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "best model " });
  const stem = `${dir}/best`;
  await bestModelKeeper(stem, "by-test", "test bits").offer(2.3, fakeSave);
  // 4.5 is not comparable with 2.3: another metric's score never blocks an offer
  assert.equal(await bestModelKeeper(stem, "by-valid", "valid").offer(4.5, fakeSave), true);
  assert.deepEqual(keptRecord(stem), { runId: "by-valid", score: 4.5, metric: "valid" });
  assert.equal(await bestModelKeeper(stem, "worse", "valid").offer(4.6, fakeSave), false);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("the first offer creates the model's folder when it does not exist", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "best model " });
  const stem = `${dir}/models/not yet/best`;
  assert.equal(await bestModelKeeper(stem, "a", "bits").offer(2.6, fakeSave), true);
  assert.deepEqual(keptRecord(stem), { runId: "a", score: 2.6, metric: "bits" });
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a kept language model records its pattern and vocabulary and rebuilds at another n", async () => {
  await initTf();
  const dir = Deno.makeTempDirSync({ prefix: "best model " });
  const stem = `${dir}/moby`;
  const size = { ...EXPERIMENT_DEFINITIONS["language-modeling"].budgets.quick.size, steps: 3 };
  const pattern = resolvePattern(requireChoice("strided", "sequential"), size.n, undefined, 0, {
    c: 4,
  });
  const outcome = await runLanguageModel({
    pattern,
    layers: 1,
    seed: 0,
    size,
    progress: new Progress("test", 3, { output: "silent" }),
    keepBest: bestModelKeeper(stem, "strided-sequential-test", "valid perplexity"),
  });
  const kept = keptRecord(stem)!;
  assert.equal(kept.runId, "strided-sequential-test");
  // ranked by the validation of its last step, the trained model's: not by its test score
  const validated = outcome.curve.filter((point) => point.metric !== undefined);
  assert.equal(validated[validated.length - 1].step, 3);
  assert.ok(Math.abs(kept.score - validated[validated.length - 1].metric!) < 1e-12);
  assert.notEqual(kept.score, outcome.final.perplexity);
  const saved = await loadSavedModel(stem);
  assert.deepEqual(saved.patternSpec, { name: "sequential", params: { of: "strided", c: 4 } });
  assert.equal(saved.vocabulary?.[0], "<pad>");
  assert.match(saved.description ?? "", /sequential strided|strided sequential/);
  saved.model.dispose();
  Deno.removeSync(dir, { recursive: true });
});
