/**
 * A sweep as a Slurm job array: a bash script that submits one array task per planned run
 * (SLURM_ARRAY_TASK_ID is the plan's index; one core, the plan's memory, a time limit from the
 * slowest run's predicted minutes at its cap) and a job that starts once every task has
 * succeeded (`--dependency=afterok`), checks that the results folder holds the whole plan and,
 * when the results went to the checkout's committed folder, rewrites the READMEs' tables.
 *
 * The job scripts go to sbatch on its standard input, so the one file submits both jobs; every
 * value is written into them quoted for the shell (paths with spaces included), not passed
 * through sbatch's comma-separated --export.
 */
import { InputError } from "../../lib/util/errors.ts";
import { shellQuote } from "./plan.ts";
import {
  longestRunMinutes,
  runMemoryMB,
  scriptHeader,
  statusCommand,
  summaryCommand,
  type SweepJob,
  trainArguments,
} from "./sweep_job.ts";

export interface SlurmOptions {
  partition?: string;
  /** Slurm's time format, as given (`--time`); default: from the predicted minutes. */
  time?: string;
  /** The most array tasks running at once (`%K`); default: no limit. */
  maxParallel?: number;
}

/** Slurm's forms of a time limit: minutes, HH:MM:SS, or D-HH:MM:SS. */
const SLURM_TIME =
  /^([0-9]{1,6}|[0-9]{1,4}:[0-5][0-9]:[0-5][0-9]|[0-9]{1,3}-[0-9]{1,2}:[0-5][0-9]:[0-5][0-9])$/;
const PARTITION = /^[A-Za-z0-9_.-]{1,64}$/;

/** The margin on the slowest run's predicted minutes: machines differ from the bench's. */
const TIME_MARGIN = 1.5;
/** Minutes added for start-up (Deno, data, the model) and a loaded node. */
const TIME_SLACK_MINUTES = 5;

/** The array task's time limit in Slurm's format: --time, or from the plan's prediction. */
export function slurmTimeLimit(job: SweepJob, time?: string): string {
  if (time !== undefined) {
    if (!SLURM_TIME.test(time)) {
      throw new InputError("--time", time, "expected minutes, HH:MM:SS or D-HH:MM:SS");
    }
    return time;
  }
  const longest = longestRunMinutes(job);
  if (longest === undefined) {
    throw new InputError(
      "--time",
      undefined,
      `no predicted minutes for the ${job.mode} plan of ${job.name} (the training bench ` +
        "measures full sizes only); give a time limit",
    );
  }
  const minutes = Math.ceil(longest * TIME_MARGIN + TIME_SLACK_MINUTES);
  const hh = String(Math.floor(minutes / 60)).padStart(2, "0");
  const mm = String(minutes % 60).padStart(2, "0");
  return `${hh}:${mm}:00`;
}

/** The submit script: bash it on a node that can run sbatch. */
export function slurmScript(job: SweepJob, options: SlurmOptions = {}): string {
  if (options.partition !== undefined && !PARTITION.test(options.partition)) {
    throw new InputError("--partition", options.partition, "expected a Slurm partition name");
  }
  const last = job.entries.length - 1;
  const time = slurmTimeLimit(job, options.time);
  const throttle = options.maxParallel === undefined ? "" : `%${options.maxParallel}`;
  const common = [
    "--parsable",
    "--ntasks=1",
    "--cpus-per-task=1",
    `--mem=${runMemoryMB(job)}M`,
    `--time=${time}`,
    ...(options.partition ? [`--partition=${options.partition}`] : []),
  ].join(" ");
  const deno = '"${DENO:-deno}"';
  const prologue = [
    "#!/usr/bin/env bash",
    "set -euo pipefail",
    `cd ${shellQuote(job.checkout)}`,
    `export RESULTS_DIR=${shellQuote(job.resultsDir)}`,
  ];
  const train = `exec ${deno} ${
    trainArguments(job, "INDEX").map((word) =>
      word === "INDEX" ? '"$SLURM_ARRAY_TASK_ID"' : shellQuote(word)
    ).join(" ")
  }`;
  const summary = summaryCommand(job, deno);
  return [
    "#!/usr/bin/env bash",
    ...scriptHeader(job, "as a Slurm job array"),
    `# Array task i trains run i, one core and ${runMemoryMB(job)} MiB each, at most ${time};`,
    "# a job that starts once every task succeeded checks the results folder holds the plan" +
    (summary ? "\n# and rewrites the READMEs' tables." : "."),
    "# Submit: bash this-file (sbatch on PATH; the checkout and the results folder on storage",
    "# every node sees; DENO=/path/to/deno where deno is not on the nodes' PATH).",
    "set -euo pipefail",
    `logs=${shellQuote(`${job.resultsDir}/slurm-logs`)}`,
    'mkdir -p "$logs"',
    `array=$(sbatch ${common} --job-name=${shellQuote(`lab-${job.name}`)} ` +
    `--array=0-${last}${throttle} --output="$logs/${job.name}-%A_%a.out" <<'TASK'`,
    ...prologue,
    train,
    "TASK",
    ")",
    'array=${array%%;*} # --parsable prints "id" or "id;cluster"',
    `summary=$(sbatch ${common} --job-name=${shellQuote(`lab-${job.name}-summary`)} ` +
    `--dependency=afterok:"$array" --kill-on-invalid-dep=yes ` +
    `--output="$logs/${job.name}-summary-%j.out" <<'SUMMARY'`,
    ...prologue,
    statusCommand(job, deno),
    ...(summary ? [summary] : []),
    "SUMMARY",
    ")",
    `echo "submitted array job $array (${job.entries.length} runs) and summary job \${summary%%;*}; logs in $logs"`,
    "",
  ].join("\n");
}
