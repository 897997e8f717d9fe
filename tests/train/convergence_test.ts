/**
 * Training until the validation metric plateaus (lib/train/convergence.ts): the rule on
 * hand-made validations (direction, tolerance, patience, floor, cap), a finished curve read
 * back, bad rules refused by field; and a toy experiment trained through the sweep under a rule:
 * it stops early once it plateaus, between floor and cap, and its results record how long it
 * trained and whether it plateaued (and a result with a malformed record is refused).
 */
import assert from "node:assert/strict";
import {
  type ConvergenceRule,
  hasPlateaued,
  plateauRule,
  shouldStop,
  trainingLengthOf,
  validateConvergenceRule,
} from "../../lib/train/convergence.ts";
import { registerExperiment } from "../../lib/experiments/registry.ts";
import { runSweep } from "../../lib/experiments/sweeps.ts";
import { echoExperiment } from "../support/echo_experiment.ts";
import { phaseLearningRate, taskSize } from "../../lib/train/tasks.ts";
import { parseResult } from "../../lib/train/results.ts";
import { InputError } from "../../lib/util/errors.ts";

const rule: ConvergenceRule = {
  patience: 2,
  tolerance: 0.01,
  floorSteps: 30,
  capSteps: 100,
  higherIsBetter: true,
};
const at = (...metrics: number[]) => metrics.map((metric, i) => ({ step: 10 * (i + 1), metric }));

Deno.test("a plateau is `patience` validations in a row without an improvement beyond the tolerance", () => {
  assert.equal(hasPlateaued(at(0.5, 0.6, 0.7), rule), false);
  assert.equal(hasPlateaued(at(0.5, 0.6, 0.605, 0.609), rule), true, "gains within tolerance");
  assert.equal(hasPlateaued(at(0.5, 0.6, 0.605, 0.7), rule), false, "a real gain resets");
  assert.equal(hasPlateaued(at(0.9, 0.5, 0.4), rule), true, "getting worse is no improvement");
  const lower = { ...rule, higherIsBetter: false };
  assert.equal(hasPlateaued(at(5, 4, 3), lower), false, "perplexity falling: still improving");
  assert.equal(hasPlateaued(at(5, 4, 4.5, 4.2), lower), true);
});

Deno.test("a run stops at a plateau only past the floor, and always at the cap", () => {
  const flat = at(0.9, 0.9, 0.9);
  assert.equal(shouldStop(flat, 20, rule), false, "before the floor");
  assert.equal(shouldStop(flat, 30, rule), true);
  assert.equal(shouldStop(at(0.1, 0.2, 0.3), 100, rule), true, "the cap, still improving");
  assert.equal(shouldStop(at(0.1, 0.2, 0.3), 99, rule), false);
});

Deno.test("a finished curve says how long it trained and whether it had plateaued", () => {
  const curve = [
    { step: 5, loss: 1 },
    { step: 10, loss: 0.5, metric: 0.2 },
    { step: 20, loss: 0.4, metric: 0.6 },
    { step: 25, loss: 0.3 },
  ];
  assert.deepEqual(trainingLengthOf(curve, rule), { stepsTrained: 25, plateaued: false });
  const flat = [...curve, { step: 30, loss: 0.3, metric: 0.6 }, {
    step: 40,
    loss: 0.3,
    metric: 0.6,
  }];
  assert.deepEqual(trainingLengthOf(flat, rule), { stepsTrained: 40, plateaued: true });
  assert.throws(() => trainingLengthOf([], rule), /curve/);
});

Deno.test("a bad rule is refused, naming the field", () => {
  assert.equal(validateConvergenceRule(rule), rule);
  assert.throws(() => validateConvergenceRule({ ...rule, patience: 0 }), /patience/);
  assert.throws(() => validateConvergenceRule({ ...rule, tolerance: -1 }), /tolerance/);
  assert.throws(() => validateConvergenceRule({ ...rule, capSteps: 10 }), /capSteps/);
  assert.throws(
    () => validateConvergenceRule({ ...rule, higherIsBetter: "yes" as unknown as boolean }),
    /higherIsBetter/,
  );
});

Deno.test("a toy experiment trained under a rule stops once it plateaus and records it", async () => {
  // echo is learned within a few dozen steps; the cap leaves room for far more
  const convergence = {
    patience: 2,
    tolerance: 0.005,
    floorSteps: 40,
    capSteps: 400,
    higherIsBetter: true,
  };
  const size = taskSize({
    n: 8,
    width: 16,
    heads: 2,
    ffHidden: 16,
    batch: 16,
    steps: 400,
    extra: 4,
  });
  const toy = echoExperiment({
    name: "toy-converging-echo",
    title: "Echo until it plateaus",
    budgets: {
      quick: { size: { ...size, evalEvery: 10, convergence }, layers: [1], seeds: [0], levels: [] },
      full: { size, layers: [1], seeds: [0], levels: [] },
    },
  });
  const unregister = registerExperiment(toy);
  const dir = Deno.makeTempDirSync({ prefix: "converging " });
  try {
    const summary = await runSweep(toy.name, {
      mode: "quick",
      patterns: ["dense"],
      resultsDir: dir,
      progress: { output: "silent" },
    });
    const [result] = summary.results;
    assert.ok(result.training, "the result records how long it trained");
    const { stepsTrained, plateaued } = result.training!;
    assert.equal(plateaued, true);
    assert.ok(stepsTrained >= 40 && stepsTrained < 400, `stopped at ${stepsTrained}`);
    assert.equal(result.curve[result.curve.length - 1].step, stepsTrained);
    assert.ok(result.final.accuracy > 0.9, `echo learned: ${result.final.accuracy}`);
    assert.equal(result.model.convergenceCapSteps, 400);
    assert.equal(result.model.convergenceDecaySteps, convergence.floorSteps);
    // a malformed record is refused by name; a result without one still loads
    const text = JSON.stringify(result);
    const bad = text.replace(/"plateaued":true/, '"plateaued":"yes"');
    assert.match(String(parseResult(bad)), /^training = /);
    const { training: _, ...fixedLength } = result;
    assert.equal(typeof parseResult(JSON.stringify(fixedLength)), "object");
    // an experiment declaring a bad rule is refused when registered
    const broken = { ...toy, name: "toy-broken-rule" };
    broken.budgets = {
      ...toy.budgets,
      full: {
        ...toy.budgets.full,
        size: { ...size, convergence: { ...convergence, patience: 0 } },
      },
    };
    assert.throws(() => registerExperiment(broken), /patience/);
  } finally {
    unregister();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("with a convergence rule the rate decays over the floor's steps, then holds", () => {
  const size = { learningRate: 1e-3, warmup: 10 };
  const rule = { patience: 2, tolerance: 0, floorSteps: 100, capSteps: 300, higherIsBetter: true };
  const ruled = phaseLearningRate(size, 300, 0, rule);
  const fixed = phaseLearningRate(size, 100, 0);
  for (const step of [1, 10, 50, 100]) assert.equal(ruled(step), fixed(step), `step ${step}`);
  assert.ok(Math.abs(ruled(100) - 1e-4) < 1e-12, "the decay ends at a tenth of the peak");
  for (const step of [101, 200, 300]) assert.equal(ruled(step), ruled(100), `held at ${step}`);
  // a phase after pretraining counts the floor from the run's first step
  const afterPretraining = phaseLearningRate(size, 260, 40, rule);
  assert.ok(afterPretraining(59) > afterPretraining(60));
  assert.equal(afterPretraining(61), afterPretraining(60));
  assert.ok(Math.abs(afterPretraining(60) - 1e-4) < 1e-12);
  // without a rule the whole phase decays
  assert.ok(phaseLearningRate(size, 300, 0)(200) > phaseLearningRate(size, 300, 0)(300));
});

Deno.test("the lab's rule caps at three times the floor unless the experiment asks for more", () => {
  assert.equal(plateauRule(2000, 0.05, false).capSteps, 6000);
  assert.equal(plateauRule(2000, 0.05, false, 5).capSteps, 10000);
  assert.equal(plateauRule(2000, 0.05, false, 5).floorSteps, 2000);
  assert.throws(() => plateauRule(2000, 0.05, false, 0.5), InputError);
});
