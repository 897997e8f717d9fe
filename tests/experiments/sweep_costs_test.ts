/**
 * The committed-runs prediction of lib/experiments/sweep_costs.ts against the plan prediction it
 * must agree with: runs that trained exactly their floor (or cap) cost what the plan predicts
 * for every run stopping there.
 */
import assert from "node:assert/strict";
import { requireExperiment } from "../../lib/experiments/registry.ts";
import { planSweep } from "../../lib/experiments/sweeps.ts";
import {
  measuredSpeedup,
  predictedForTrainedRuns,
  predictedSweepCost,
} from "../../lib/experiments/sweep_costs.ts";
import type { RunResult } from "../../lib/train/results.ts";

const plan = planSweep(requireExperiment("seq2seq"), { mode: "full" });
const rule = plan.definition.budgets.full.size.convergence!;

/** The plan's runs as results that trained `steps` each (only what the cost model reads). */
const trainedFor = (steps: number, plateaued: boolean) =>
  plan.runs.map((run) =>
    ({
      pattern: run.pattern.pattern,
      layers: run.layers,
      training: { stepsTrained: steps, plateaued },
    }) as unknown as RunResult
  );

Deno.test("runs that trained their floor or cap cost what the plan predicts at that bound", () => {
  const floor = predictedSweepCost(plan, 1, "floor");
  const cap = predictedSweepCost(plan, 1, "cap");
  assert.ok(floor && cap, "seq2seq has committed step times");
  const atFloor = predictedForTrainedRuns(plan, trainedFor(rule.floorSteps, true), 1)!;
  const atCap = predictedForTrainedRuns(plan, trainedFor(rule.capSteps, false), 1)!;
  assert.ok(Math.abs(atFloor - floor.runMinutes) < 1e-9 * floor.runMinutes, `${atFloor}`);
  assert.ok(Math.abs(atCap - cap.runMinutes) < 1e-9 * cap.runMinutes, `${atCap}`);
  assert.ok(atCap > 2 * atFloor, "the cap is several times the floor");
  // two jobs side by side: each run slowed by 2 / the measured throughput of two processes
  const two = predictedForTrainedRuns(plan, trainedFor(rule.floorSteps, true), 2)!;
  const slowdown = 2 / measuredSpeedup(2);
  assert.ok(slowdown >= 1);
  assert.ok(Math.abs(two - atFloor * slowdown) < 1e-9 * two);
});

Deno.test("no committed runs, no prediction for them", () => {
  assert.equal(predictedForTrainedRuns(plan, []), undefined);
});
