/**
 * The learning-rate schedule every experiment trains with: a linear warm-up from zero over the
 * first `warmup` steps, then a cosine decay to `floor` × the peak at the last step. Warm-up
 * keeps Adam's first updates (whose second-moment estimate rests on a handful of gradients)
 * small; the decay lets a run settle instead of ending on the peak rate's noise.
 */
import { requireInteger, requireNumber } from "../util/errors.ts";

export interface LearningRateSchedule {
  /** The peak rate, reached at the end of warm-up. */
  peak: number;
  /** Steps of linear warm-up (0: start at the peak). */
  warmup: number;
  /** Steps of the whole run (warm-up included). */
  steps: number;
  /** The last step's rate as a fraction of the peak. */
  floor: number;
}

/** The rate at `step` (1-based, as the training loop counts). */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  const { peak, warmup, steps, floor } = schedule;
  requireNumber("peak", peak, 0);
  requireInteger("steps", steps, 1);
  requireInteger("warmup", warmup, 0, steps);
  requireNumber("floor", floor, 0, 1);
  requireInteger("step", step, 1, steps);
  if (step <= warmup) return (peak * step) / warmup;
  const decaySteps = steps - warmup;
  if (decaySteps <= 1) return peak;
  const progress = (step - warmup - 1) / (decaySteps - 1);
  return peak * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
