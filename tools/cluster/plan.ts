/**
 * A sweep's plan as a scheduler sees it: every planned run by its index, with the command that
 * trains exactly that run, its predicted minutes and the memory to ask for. `deno task
 * experiment NAME --plan` prints these entries (one JSON object a line), and every engine of
 * `deno task cluster` (Slurm job arrays, GNU parallel, Kubernetes Indexed Jobs) hands the same
 * indices out to `deno task experiment NAME --run INDEX`, under the same selection flags.
 *
 * An index names a run of one plan: the experiment, the mode, the selection flags and the
 * code. The scripts the engines write carry the code version they were planned under, and
 * every `--run` given `--planned-version` refuses to train under other code, so an index is
 * never read against a different plan.
 */
import { predictedRunMinutes } from "../../lib/experiments/sweep_costs.ts";
import type { SweepPlan } from "../../lib/train/sweep.ts";
import { SELECTION_FLAGS } from "../cli/sweep_flags.ts";

/**
 * The memory each training process asks a scheduler for, in MiB. A training process at the
 * largest full size peaks at about 0.4 GiB resident (VmHWM, measured on the sweeps; `--run`
 * prints its own peak): 1 GiB leaves room for a heavier machine's allocator.
 */
export const TRAINING_PROCESS_MEMORY_MB = 1024;

/** One planned run as `--plan` prints it. */
export interface PlanEntry {
  index: number;
  runId: string;
  /** The achieved sparsity of the run's pattern. */
  sparsity: number;
  /** The command that trains exactly this run, from the checkout's root. */
  command: string;
  /** Predicted minutes alone on one core if the run stops at its floor; null without a bench. */
  predictedMinutes: number | null;
  /** Predicted minutes if it trains to its cap (the most it can take); null without a bench. */
  maxMinutes: number | null;
  memoryMB: number;
}

/** `word` quoted for a POSIX shell: as is when it is plainly safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** A command line from its words, each quoted for a POSIX shell. */
export function shellCommand(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

/**
 * The arguments of `deno task experiment` that plan the same sweep: the name, the mode and the
 * selection flags given (`selection`, flag name without dashes → value as typed).
 */
export function planArguments(
  plan: SweepPlan,
  selection: ReadonlyMap<string, string>,
): string[] {
  const args = [plan.definition.name, `--${plan.mode}`];
  for (const flag of SELECTION_FLAGS) {
    const value = selection.get(flag);
    if (value !== undefined) args.push(`--${flag}`, value);
  }
  return args;
}

/** Every run of the plan as a scheduler sees it, in plan order (its index). */
export function planEntries(
  plan: SweepPlan,
  selection: ReadonlyMap<string, string>,
): PlanEntry[] {
  const predictions = predictedRunMinutes(plan);
  const round = (minutes: number | undefined) =>
    minutes === undefined ? null : Math.round(minutes * 100) / 100;
  const base = ["deno", "task", "experiment", ...planArguments(plan, selection)];
  return plan.runs.map((run, index) => ({
    index,
    runId: run.runId,
    sparsity: run.pattern.sparsity,
    command: shellCommand([...base, "--run-id", run.runId]),
    predictedMinutes: round(predictions?.[index].floorMinutes),
    maxMinutes: round(predictions?.[index].capMinutes),
    memoryMB: TRAINING_PROCESS_MEMORY_MB,
  }));
}
