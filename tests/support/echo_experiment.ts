/**
 * A toy experiment for tests that register one: echo (output k is input k) on a small encoder,
 * dense and a w = 1 window. Tests give its name and budgets, and any bars or findings.
 */
import type { ExperimentDefinition } from "../../lib/train/experiment_definition.ts";
import { trainingSteps } from "../../lib/train/experiment_definition.ts";
import { runTokenTask } from "../../lib/train/token_task.ts";

export function echoExperiment(
  fields:
    & Pick<ExperimentDefinition, "name" | "title" | "budgets">
    & Partial<Pick<ExperimentDefinition, "competence" | "findings">>,
): ExperimentDefinition {
  return {
    axis: "layers",
    metric: { key: "accuracy", label: "echo accuracy", higherIsBetter: true },
    patterns: [
      { pattern: "dense", configuration: "single" },
      { pattern: "window", configuration: "single", parameters: { w: 1 } },
    ],
    steps: trainingSteps,
    run: (task) => runTokenTask((x) => ({ input: x, target: x, weight: x.map(() => 1) }), task),
    competence: [],
    findings: () => [],
    ...fields,
  };
}
