/**
 * The registry of experiments: the lab's five, one module each, in the order of notebooks
 * 11–15 (and of every table that lists them), and any experiment registered at run time. Every
 * command, table and notebook finds an experiment here by its name; nothing else names one.
 */
import { validateConvergenceRule } from "../train/convergence.ts";
import type { ExperimentDefinition } from "../train/experiment_definition.ts";
import type { CompetenceBar } from "../train/competence.ts";
import { InputError } from "../util/errors.ts";
import { copying } from "./copying.ts";
import { languageModeling } from "./language_modeling.ts";
import { seq2seq } from "./seq2seq.ts";
import { classification } from "./classification.ts";
import { depthVsMixing } from "./depth_vs_mixing.ts";

/** The lab's experiments: adding one is a module of its own and a line here. */
export const LAB_EXPERIMENTS: readonly ExperimentDefinition[] = [
  copying,
  languageModeling,
  seq2seq,
  classification,
  depthVsMixing,
];

/** The lab's experiments by name (notebooks read their budgets from here). */
export const EXPERIMENT_DEFINITIONS: Readonly<Record<string, ExperimentDefinition>> = Object
  .fromEntries(LAB_EXPERIMENTS.map((definition) => [definition.name, definition]));

/** The competence bars of the lab's experiments by name. */
export const COMPETENCE_BARS: Readonly<Record<string, readonly CompetenceBar[]>> = Object
  .fromEntries(LAB_EXPERIMENTS.map((definition) => [definition.name, definition.competence]));

const registered: ExperimentDefinition[] = [...LAB_EXPERIMENTS];

/** An experiment given by its registered name, or its definition itself. */
export type ExperimentRef = string | ExperimentDefinition;

/** Every registered experiment, the lab's first. */
export function experiments(): readonly ExperimentDefinition[] {
  return [...registered];
}

/** The registered experiments' names, in order. */
export function experimentNames(): string[] {
  return registered.map((definition) => definition.name);
}

/** Whether `definition` is one of the lab's own (every process loads those). */
export function isLabExperiment(definition: ExperimentDefinition): boolean {
  return LAB_EXPERIMENTS.includes(definition);
}

/**
 * Adds an experiment to this process's registry, after the others, and returns what takes it
 * out again. Its name must be new. The lab's own are listed in LAB_EXPERIMENTS instead: a
 * parallel sweep's worker processes load that list, not what a process registered.
 */
export function registerExperiment(definition: ExperimentDefinition): () => void {
  if (typeof definition?.name !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(definition.name)) {
    throw new InputError(
      "experiment.name",
      definition?.name,
      "expected lower-case words joined by -",
    );
  }
  if (experimentNames().includes(definition.name)) {
    throw new InputError("experiment.name", definition.name, "already registered");
  }
  for (const budget of Object.values(definition.budgets ?? {})) {
    if (budget?.size?.convergence) validateConvergenceRule(budget.size.convergence);
  }
  registered.push(definition);
  return () => {
    const index = registered.indexOf(definition);
    if (index >= 0) registered.splice(index, 1);
  };
}

/** The registered experiment of that name (or the definition given); an InputError otherwise. */
export function requireExperiment(experiment: ExperimentRef): ExperimentDefinition {
  if (typeof experiment !== "string") return experiment;
  const found = registered.find((definition) => definition.name === experiment);
  if (found === undefined) {
    throw new InputError(
      "experiment",
      experiment,
      `unknown experiment; known: ${experimentNames().join(", ")}`,
    );
  }
  return found;
}
