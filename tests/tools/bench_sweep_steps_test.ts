/**
 * The sweep-size step benchmark (tools/bench/sweep_steps.ts) on a toy experiment registered for
 * the test: it trains the experiment's own run for two validation intervals and a step, dense
 * and with the case's sparse series, and reads step time, validation and final evaluation from
 * the run's step reports. Timings are not asserted (a benchmark, not a timed test); what the
 * records say about each other is.
 */
import assert from "node:assert/strict";
import { EXPERIMENT_DEFINITIONS, registerExperiment } from "../../lib/experiments/registry.ts";
import { echoExperiment } from "../support/echo_experiment.ts";
import { taskSize } from "../../lib/train/tasks.ts";
import { plateauRule } from "../../lib/train/convergence.ts";
import { nativeBlasActive } from "../../lib/attention/tf/heap_kernels/native_blas.ts";
import {
  runSweepStepBenchmark,
  SWEEP_STEP_CASES,
  sweepStepMarkdown,
  sweepStepRuns,
  WASM_PATH_STEPS,
} from "../../tools/bench/sweep_steps.ts";

const size = taskSize({ n: 8, width: 8, heads: 2, ffHidden: 8, batch: 4, steps: 40, extra: 3 });
const toy = echoExperiment({
  name: "toy-bench-echo",
  title: "Echo, timed",
  budgets: {
    quick: { size, layers: [1], seeds: [0], levels: [] },
    full: { size: { ...size, evalEvery: 5 }, layers: [1, 2], seeds: [0], levels: [] },
  },
});

Deno.test("every lab experiment's bench case is in its full plan, at its deepest depth", () => {
  const depths: Record<string, number> = {};
  for (const stepCase of SWEEP_STEP_CASES) {
    const [dense, sparse] = sweepStepRuns(stepCase);
    assert.equal(dense.pattern.pattern, "dense");
    assert.equal(sparse.pattern.pattern, stepCase.sparse.pattern);
    assert.equal(sparse.pattern.configuration, stepCase.sparse.configuration);
    assert.equal(dense.layers, sparse.layers);
    // the deepest depth of the experiment's full budget, from the registry's definition
    const definition = EXPERIMENT_DEFINITIONS[stepCase.experiment];
    assert.ok(definition, `${stepCase.experiment} is a lab experiment`);
    const deepest = Math.max(...definition.budgets.full.layers);
    assert.equal(dense.layers, deepest, `${stepCase.experiment}: L = ${deepest}`);
    depths[stepCase.experiment] = dense.layers;
  }
  // the four the sweeps train at length, and the depth study; two depths read off by hand
  assert.equal(Object.keys(depths).length, 5);
  assert.equal(depths["copying"], 4);
  assert.equal(depths["language-modeling"], 2);
});

Deno.test("the sweep-size bench times an experiment's own run: steps, validations, final evaluation", async () => {
  const unregister = registerExperiment(toy);
  try {
    const cases = [{
      experiment: toy.name,
      sparse: { pattern: "window", configuration: "single" },
    }];
    const seen: string[] = [];
    const records = await runSweepStepBenchmark({ cases, onRecord: (r) => seen.push(r.pattern) });
    assert.deepEqual(records.map((r) => [r.config, r.layers]), [[toy.name, 2], [toy.name, 2]]);
    assert.deepEqual(seen, records.map((r) => r.pattern));
    assert.equal(records[0].pattern, "dense");
    assert.match(records[1].pattern, /window/);
    for (const r of records) {
      assert.ok(r.msPerStep > 0);
      assert.ok(Math.abs(r.tokensPerSec - (4 * 8) / (r.msPerStep / 1000)) / r.tokensPerSec < 0.02);
      assert.equal(r.fullSteps, 40);
      assert.equal(r.validations, 8);
      assert.ok(r.validationMs >= 0 && r.finalMs > 0 && r.setupMs >= 0);
      assert.ok(r.evaluationShare > 0 && r.evaluationShare < 1);
      // the WASM path is timed beside the native one where the machine has a BLAS
      if (nativeBlasActive()) assert.ok(r.wasmMsPerStep !== null && r.wasmMsPerStep > 0);
      else assert.equal(r.wasmMsPerStep, null);
    }
    const table = sweepStepMarkdown(records);
    assert.equal(table.trim().split("\n").length, 4 + records.length);
    assert.match(table, /\| toy-bench-echo \| dense \| 2 \| 8 × 4 \|/);
  } finally {
    unregister();
  }
});

Deno.test("a plan that trains to a plateau is timed over the bench's own steps, not to its plateau", async () => {
  const sizes: { steps: number; convergence?: unknown }[] = [];
  const converging = echoExperiment({
    name: "toy-bench-converging",
    title: "Echo, trained to a plateau",
    budgets: {
      quick: { size, layers: [1], seeds: [0], levels: [] },
      full: {
        size: { ...size, evalEvery: 5, convergence: plateauRule(400, 0.01, true) },
        layers: [1],
        seeds: [0],
        levels: [],
      },
    },
  });
  const unregister = registerExperiment({
    ...converging,
    run: (run) => {
      sizes.push(run.size);
      return converging.run(run);
    },
  });
  try {
    const cases = [{
      experiment: converging.name,
      sparse: { pattern: "window", configuration: "single" },
    }];
    await runSweepStepBenchmark({ cases });
    assert.ok(sizes.length >= 2);
    for (const s of sizes) {
      assert.equal(s.convergence, undefined);
      // two validation intervals and a step, or the short run on the WASM path
      assert.ok(s.steps <= Math.max(2 * 5 + 1, WASM_PATH_STEPS), `${s.steps} steps`);
    }
  } finally {
    unregister();
  }
});
