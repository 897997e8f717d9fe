/** The sweep cost model (lib/train/sweep_cost.ts) against costs worked out by hand. */
import assert from "node:assert/strict";
import { formatMinutes, runMinutes, sweepCost } from "../../lib/train/sweep_cost.ts";
import { InputError } from "../../lib/util/errors.ts";

// 100 ms a dense step and 50 ms a sparse one at 4 layers; evaluation a fifth of a run
const measured = {
  layers: 4,
  denseMsPerStep: 100,
  sparseMsPerStep: 50,
  evaluationShare: 0.2,
  setupMs: 0,
};

Deno.test("a run's minutes: steps × step time × depth ratio, plus evaluation's share", () => {
  // 1,200 steps × 100 ms = 2 min of training, which is 80% of the run: 2.5 min
  assert.equal(runMinutes({ dense: true, layers: 4, steps: 1200 }, measured), 2.5);
  // half the depth, half the step time; the sparse step time is half the dense one
  assert.equal(runMinutes({ dense: true, layers: 2, steps: 1200 }, measured), 1.25);
  assert.equal(runMinutes({ dense: false, layers: 4, steps: 1200 }, measured), 1.25);
  // a run's set-up is paid once, whatever its length: 30 s more
  assert.equal(
    runMinutes({ dense: true, layers: 4, steps: 1200 }, { ...measured, setupMs: 30_000 }),
    3,
  );
});

Deno.test("elapsed time follows the sweep's scheduling: plan order, first free job", () => {
  const runs = [
    { dense: true, layers: 4, steps: 1200 }, // 2.5
    { dense: false, layers: 4, steps: 1200 }, // 1.25
    { dense: false, layers: 4, steps: 1200 }, // 1.25
    { dense: true, layers: 2, steps: 1200 }, // 1.25
  ];
  const one = sweepCost(runs, measured, 1);
  assert.equal(one.runMinutes, 6.25);
  assert.equal(one.elapsedMinutes, 6.25);
  // job A: 2.5; job B: 1.25 + 1.25, then the last run to B (free at 2.5 as A): 3.75
  const two = sweepCost(runs, measured, 2);
  assert.equal(two.runMinutes, 6.25);
  assert.equal(two.elapsedMinutes, 3.75);
  // two processes at 1.6× the throughput of one: every run takes 2/1.6 = 1.25× as long
  assert.equal(sweepCost(runs, measured, 2, 1.6).elapsedMinutes, 3.75 * 1.25);
  assert.throws(() => sweepCost(runs, measured, 2, 3), InputError);
  assert.throws(() => sweepCost(runs, measured, 0), InputError);
});

Deno.test("minutes print as minutes, or hours from an hour and a half", () => {
  assert.equal(formatMinutes(47.4), "47 min");
  assert.equal(formatMinutes(89), "89 min");
  assert.equal(formatMinutes(792), "13.2 h");
});
