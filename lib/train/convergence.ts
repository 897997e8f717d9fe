/**
 * Training until the validation metric stops improving. A run trains at least `floorSteps`
 * (the dense reference's competence budget, over which its learning rate decays as a
 * fixed-length run's would, then holds) and at most `capSteps`; in between it stops at the
 * first validation after which the metric has not improved by more than `tolerance` for
 * `patience` validations in a row (it has plateaued). A run stopped by the cap while still
 * improving has not plateaued, and says so in its result: a verdict of "does not learn" or
 * "worse" needs every seed plateaued, and an undertrained series is inconclusive.
 *
 * The same rule decides while training (`shouldStop`) and reads a finished curve afterwards
 * (`trainingLengthOf`), so a result's record of whether it plateaued is what stopped it.
 */
import { InputError, requireInteger, requireNumber } from "../util/errors.ts";

export interface ConvergenceRule {
  /** Validations in a row without an improvement greater than `tolerance` that end a run. */
  patience: number;
  /** The least change of the validation metric, in its own units, that counts as improving. */
  tolerance: number;
  /** Steps every run trains before the rule may stop it. */
  floorSteps: number;
  /** Steps after which a run stops, plateaued or not. */
  capSteps: number;
  /** Whether a larger validation metric is better (accuracy) or a smaller one (perplexity). */
  higherIsBetter: boolean;
}

/** Validations in a row without improvement that end every experiment's runs. */
const LAB_PATIENCE = 3;

/** The cap of an experiment's runs as a multiple of the floor, unless the experiment says more. */
const LAB_CAP_FACTOR = 3;

/**
 * The lab's rule for an experiment: at least `floorSteps` (its dense competence budget), at
 * most `capFactor` times that (three unless the experiment's slowest series need longer),
 * stopping after 3 validations in a row that improve the metric by no more than `tolerance`.
 * Raising a cap leaves every run that plateaued below it as it was (see `sameTraining`).
 */
export function plateauRule(
  floorSteps: number,
  tolerance: number,
  higherIsBetter: boolean,
  capFactor = LAB_CAP_FACTOR,
): ConvergenceRule {
  return validateConvergenceRule({
    patience: LAB_PATIENCE,
    tolerance,
    floorSteps,
    capSteps: capFactor * floorSteps,
    higherIsBetter,
  });
}

/** Checks a rule's fields, naming the first that is out of range. */
export function validateConvergenceRule(rule: ConvergenceRule): ConvergenceRule {
  requireInteger("patience", rule.patience, 1, 1000);
  requireNumber("tolerance", rule.tolerance, 0);
  requireInteger("floorSteps", rule.floorSteps, 1);
  requireInteger("capSteps", rule.capSteps, rule.floorSteps);
  if (typeof rule.higherIsBetter !== "boolean") {
    throw new InputError("higherIsBetter", rule.higherIsBetter, "expected true or false");
  }
  return rule;
}

/** A validation: the global step it was taken after, and the metric. */
export interface Validation {
  step: number;
  metric: number;
}

/** How long a run trained, and whether its validation metric had stopped improving. */
export interface TrainingLength {
  stepsTrained: number;
  plateaued: boolean;
}

/** Validations since the best one that improved by more than the tolerance (0: the last did). */
function validationsWithoutImprovement(validations: readonly Validation[], rule: ConvergenceRule) {
  let best: number | undefined;
  let since = 0;
  for (const { metric } of validations) {
    const better = best === undefined ||
      (rule.higherIsBetter ? metric > best + rule.tolerance : metric < best - rule.tolerance);
    if (better) {
      best = metric;
      since = 0;
    } else {
      since++;
    }
  }
  return since;
}

/** Whether the validations so far count as a plateau under the rule. */
export function hasPlateaued(validations: readonly Validation[], rule: ConvergenceRule): boolean {
  return validationsWithoutImprovement(validations, rule) >= rule.patience;
}

/** Whether training stops after `step`, given the validations taken so far. */
export function shouldStop(
  validations: readonly Validation[],
  step: number,
  rule: ConvergenceRule,
): boolean {
  if (step >= rule.capSteps) return true;
  return step >= rule.floorSteps && hasPlateaued(validations, rule);
}

/**
 * A finished run's length under the rule, read from its curve: the last point's step, and
 * whether the validations (points with a metric) had plateaued.
 */
export function trainingLengthOf(
  curve: readonly { step: number; metric?: number }[],
  rule: ConvergenceRule,
): TrainingLength {
  if (curve.length === 0) throw new InputError("curve", "[]", "expected at least one point");
  const validations = curve.flatMap((point) =>
    point.metric === undefined ? [] : [{ step: point.step, metric: point.metric }]
  );
  return {
    stepsTrained: curve[curve.length - 1].step,
    plateaued: hasPlateaued(validations, rule),
  };
}
