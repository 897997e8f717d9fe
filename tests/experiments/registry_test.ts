/**
 * The registry is the only place an experiment is added: a toy experiment registered there
 * (one module's worth of declarations, nothing else touched) is planned, trained in quick mode
 * into a scratch folder, summarized, judged, drawn and listed in the READMEs' tables; and each
 * of the lab's own declares everything about itself.
 */
import assert from "node:assert/strict";
import {
  EXPERIMENT_DEFINITIONS,
  experimentNames,
  LAB_EXPERIMENTS,
  registerExperiment,
  requireExperiment,
} from "../../lib/experiments/registry.ts";
import { planSweep, runSweep } from "../../lib/experiments/sweeps.ts";
import {
  competenceRows,
  experimentVerdicts,
  planRows,
  planSummary,
  runRows,
} from "../../lib/experiments/report.ts";
import { experimentFigure } from "../../lib/experiments/figures.ts";
import { resultsProgressTable } from "../../lib/experiments/readme_tables.ts";
import { echoExperiment } from "../support/echo_experiment.ts";
import { taskSize } from "../../lib/train/tasks.ts";
import { denseBar } from "../../lib/train/competence.ts";
import { LEARNED, learnedComparisons, summarize } from "../../lib/train/summary.ts";
import { InputError } from "../../lib/util/errors.ts";

/** Echo: output k is input k, on an encoder of two tokens' width. */
const toy = echoExperiment({
  name: "toy-echo",
  title: "Echo (output k is input k)",
  budgets: {
    quick: {
      size: taskSize({ n: 8, width: 8, heads: 2, ffHidden: 8, batch: 4, steps: 3, extra: 3 }),
      layers: [1],
      seeds: [0, 1],
      levels: [],
    },
    full: {
      size: taskSize({ n: 8, width: 8, heads: 2, ffHidden: 8, batch: 4, steps: 30, extra: 3 }),
      layers: [1, 2],
      seeds: [0, 1, 2, 3, 4],
      levels: [],
    },
  },
  competence: [denseBar("accuracy", "echo accuracy", 0.5, false, 1)],
  findings: (series) => [
    learnedComparisons(`every pattern echoes (above ${LEARNED})`, series, () => true, 1, true),
  ],
});

Deno.test("a toy experiment added through the registry plans, trains, summarizes and is listed", async () => {
  const unregister = registerExperiment(toy);
  const dir = Deno.makeTempDirSync({ prefix: "toy experiment " });
  try {
    assert.deepEqual(experimentNames().slice(-1), ["toy-echo"]);
    assert.equal(requireExperiment("toy-echo"), toy);
    // plans: by name, like every experiment
    const plan = planSweep("toy-echo", { mode: "quick", resultsDir: dir });
    assert.deepEqual(plan.runs.map((r) => r.runId), [
      "dense-single-full-L1-seed0",
      "window-single-w1-L1-seed0",
      "dense-single-full-L1-seed1",
      "window-single-w1-L1-seed1",
    ]);
    assert.equal(planSummary("toy-echo").rows[1].runs, 20);
    assert.match(planRows("toy-echo").title, /^toy-echo, n = 8: 20 runs$/);
    // trains, in quick mode, into a scratch folder
    const summary = await runSweep("toy-echo", {
      mode: "quick",
      resultsDir: dir,
      progress: { output: "silent" },
    });
    assert.equal(summary.trained.length, 4);
    assert.ok(summary.results.every((r) => r.experiment === "toy-echo" && r.curve.length === 3));
    assert.deepEqual(Object.keys(runRows(summary, "toy-echo", "runs").rows[0]), [
      "run",
      "sparsity",
      "accuracy",
      "wall (s)",
    ]);
    // summarizes: series on its own metric and axis, its bars, its findings, its figure
    const series = summarize(summary.results, toy.metric.key, toy.axis);
    assert.deepEqual(series.map((s) => s.label), ["dense", "window (w=1)"]);
    assert.equal(competenceRows("toy-echo", summary.results)[0].status, "pending", "2 seeds");
    const [verdict] = experimentVerdicts("toy-echo", series);
    assert.equal(verdict.verdict, "inconclusive");
    assert.match(verdict.covers, /^n = 8, fewer than 5 seeds per point so far$/);
    const figure = experimentFigure("toy-echo", series);
    assert.equal(figure.title, "Echo (output k is input k) (n = 8): echo accuracy vs layers");
    assert.equal(figure.data.length, 2);
    // listed in the READMEs' tables with the lab's own, its full runs not committed
    assert.match(resultsProgressTable(), /\| toy-echo +\| 0 \/ 20 +\| none yet /);
  } finally {
    unregister();
    Deno.removeSync(dir, { recursive: true });
  }
  assert.ok(!experimentNames().includes("toy-echo"), "unregistered");
  assert.throws(() => requireExperiment("toy-echo"), /unknown experiment; known: copying, /);
});

Deno.test("a registered name is new and a folder's name; a registered experiment trains here only", async () => {
  assert.throws(() => registerExperiment({ ...toy, name: "copying" }), /already registered/);
  assert.throws(() => registerExperiment({ ...toy, name: "../up" }), InputError);
  const unregister = registerExperiment(toy);
  try {
    await assert.rejects(
      () => runSweep("toy-echo", { mode: "quick", jobs: 2, dryRun: true }),
      (e) => e instanceof InputError && e.parameter === "jobs",
    );
  } finally {
    unregister();
  }
});

Deno.test("each of the lab's experiments declares its budgets, bars and findings, and names itself once", () => {
  assert.deepEqual(experimentNames(), LAB_EXPERIMENTS.map((d) => d.name));
  for (const definition of LAB_EXPERIMENTS) {
    assert.equal(EXPERIMENT_DEFINITIONS[definition.name], definition);
    assert.ok(definition.competence.length > 0, definition.name);
    assert.ok(definition.findings([]).every((f) => f.comparisons.length === 0), definition.name);
    assert.ok(planSweep(definition.name, { mode: "full" }).runs.length > 0, definition.name);
  }
  // only each experiment's own module names it: nothing in lib/ or tools/ switches on a name
  const root = new URL("../../", import.meta.url);
  const files = ["lib", "tools"].flatMap((folder) => walk(new URL(`${folder}/`, root)));
  for (const { name } of LAB_EXPERIMENTS) {
    const naming = files.filter((file) => Deno.readTextFileSync(file).includes(`"${name}"`))
      .map((file) => file.pathname.slice(root.pathname.length));
    assert.equal(naming.length, 1, `${name} is named in ${naming.join(", ")}`);
    assert.match(naming[0], /^lib\/experiments\/[a-z_0-9]+\.ts$/);
  }
});

/** Every TypeScript file under `dir`. */
function walk(dir: URL): URL[] {
  return [...Deno.readDirSync(dir)].flatMap((entry) => {
    if (entry.isDirectory) return walk(new URL(`${entry.name}/`, dir));
    return entry.name.endsWith(".ts") ? [new URL(entry.name, dir)] : [];
  });
}
