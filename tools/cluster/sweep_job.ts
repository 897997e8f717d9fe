/**
 * What every cluster engine needs to hand a sweep's runs out: the plan's entries, the checkout
 * every node runs, the shared results folder and the code version the plan was made under. An
 * engine maps its own task index (SLURM_ARRAY_TASK_ID, GNU parallel's {}, Kubernetes'
 * JOB_COMPLETION_INDEX) to `deno run -A tools/experiment.ts ... --run INDEX --planned-version V`.
 */
import type { RunMode } from "../../lib/train/results.ts";
import { type PlanEntry, shellCommand } from "./plan.ts";

export interface SweepJob {
  /** The experiment's name. */
  name: string;
  mode: RunMode;
  /** The plan as `--plan` prints it. */
  entries: PlanEntry[];
  /** `deno task experiment`'s arguments that give the plan: name, mode, selection flags. */
  planArgs: string[];
  /** The checkout every node runs, as an absolute path. */
  checkout: string;
  /** The shared folder results go to (RESULTS_DIR; each experiment in a folder of its own). */
  resultsDir: string;
  /** `codeVersion()` of the checkout when the plan was made. */
  codeVersion: string;
  /** The command line that wrote the script, for its header. */
  writtenBy: string;
  /** Whether the results go to the checkout's committed folder (the READMEs' tables follow). */
  committedResults: boolean;
}

/** The experiment tool's arguments, from the checkout's root, for the run at `index`. */
export function trainArguments(job: SweepJob, index: string): string[] {
  return [
    "run",
    "-A",
    "tools/experiment.ts",
    ...job.planArgs,
    "--run",
    index,
    "--planned-version",
    job.codeVersion,
  ];
}

/** The command that reports which runs of the plan are done (exit 1 while any is missing). */
export function statusCommand(job: SweepJob, deno: string): string {
  return `${deno} ${
    shellCommand(["run", "-A", "tools/experiment.ts", ...job.planArgs, "--status"])
  }`;
}

/** The command that rewrites the READMEs' tables, for results in the committed folder only. */
export function summaryCommand(job: SweepJob, deno: string): string | undefined {
  if (!job.committedResults) return undefined;
  return `${deno} ${shellCommand(["run", "-A", "tools/experiment.ts", "--summary", "--write"])}`;
}

/** The slowest run's predicted minutes at its cap, or undefined without a prediction. */
export function longestRunMinutes(job: SweepJob): number | undefined {
  const known = job.entries.map((entry) => entry.maxMinutes).filter((m) => m !== null);
  return known.length === job.entries.length && known.length > 0 ? Math.max(...known) : undefined;
}

/** The memory a run asks for, the largest of the plan's. */
export function runMemoryMB(job: SweepJob): number {
  return Math.max(...job.entries.map((entry) => entry.memoryMB));
}

/** The lines every script starts with: what it runs, who wrote it, under which code. */
export function scriptHeader(job: SweepJob, how: string): string[] {
  return [
    `# The ${job.name} sweep (${job.mode} plan, ${job.entries.length} runs) ${how}.`,
    `# Written by: ${job.writtenBy}`,
    `# Planned under code version ${job.codeVersion}: a run on a checkout with other code`,
    "# trains nothing and fails (its index could name another run).",
    `# The plan, one JSON line per run: deno task experiment ${shellCommand(job.planArgs)} --plan`,
  ];
}
