/** The learning-rate schedule: linear warm-up, cosine decay to the floor, bad input refused. */
import assert from "node:assert/strict";
import { learningRateAt } from "../../lib/train/schedule.ts";
import { InputError } from "../../lib/util/errors.ts";

const schedule = { peak: 0.01, warmup: 10, steps: 110, floor: 0.1 };
const close = (a: number, b: number) => Math.abs(a - b) < 1e-15;

Deno.test("warm-up rises linearly to the peak, then the cosine falls to the floor", () => {
  assert.ok(close(learningRateAt(schedule, 1), 0.001));
  assert.ok(close(learningRateAt(schedule, 5), 0.005));
  assert.ok(close(learningRateAt(schedule, 10), 0.01));
  // decay over steps 11 … 110: the first is the peak, the middle (step 60.5) halfway to the floor
  assert.ok(close(learningRateAt(schedule, 11), 0.01));
  const middle = 0.01 * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * 49) / 99)));
  assert.ok(close(learningRateAt(schedule, 60), middle));
  assert.ok(close(learningRateAt(schedule, 110), 0.001));
  for (let step = 11; step < 110; step++) {
    assert.ok(learningRateAt(schedule, step + 1) <= learningRateAt(schedule, step), `step ${step}`);
  }
  assert.equal(learningRateAt({ ...schedule, warmup: 0 }, 1), 0.01);
});

Deno.test("a step outside the run or a bad setting is refused naming it", () => {
  for (
    const [bad, parameter] of [
      [{ ...schedule, warmup: 200 }, "warmup"],
      [{ ...schedule, floor: 2 }, "floor"],
      [{ ...schedule, peak: -1 }, "peak"],
    ] as const
  ) {
    assert.throws(
      () => learningRateAt(bad, 1),
      (e) => e instanceof InputError && e.parameter === parameter,
    );
  }
  assert.throws(
    () => learningRateAt(schedule, 0),
    (e) => e instanceof InputError && e.parameter === "step",
  );
  assert.throws(() => learningRateAt(schedule, 111), (e) => e instanceof InputError);
});
