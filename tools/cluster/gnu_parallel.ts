/**
 * A sweep run by GNU parallel: a bash script that hands the plan's indices out one per job
 * slot, on this machine or over ssh on the machines of an ssh login file (`--sshloginfile`
 * format: one `[cores/]host` a line, `:` for this machine), and checks the results folder holds
 * the whole plan when every run has ended. A failed run stops the handing out (`--halt
 * soon,fail=1`); runs already done are skipped, so running the script again resumes.
 */
import { shellCommand, shellQuote } from "./plan.ts";
import { scriptHeader, statusCommand, type SweepJob, trainArguments } from "./sweep_job.ts";

export function gnuParallelScript(job: SweepJob): string {
  // the command each slot runs, as one string GNU parallel passes to a shell (over ssh too);
  // {} is the index it hands out
  const remote = `cd ${shellQuote(job.checkout)} && RESULTS_DIR=${shellQuote(job.resultsDir)} ` +
    `\${DENO:-deno} ${shellCommand(trainArguments(job, "INDEX")).replace("INDEX", "{}")}`;
  return [
    "#!/usr/bin/env bash",
    ...scriptHeader(job, "run by GNU parallel"),
    "# Usage: bash this-file [SSH_LOGIN_FILE]   (default: this machine, one run per core).",
    "# Every machine needs the checkout and the results folder at the same paths.",
    "set -euo pipefail",
    "logins=${1:-}",
    `cd ${shellQuote(job.checkout)}`,
    `export RESULTS_DIR=${shellQuote(job.resultsDir)}`,
    'mkdir -p "$RESULTS_DIR"',
    "hosts=()",
    'if [ -n "$logins" ]; then hosts=(--sshloginfile "$logins"); fi',
    `seq 0 ${job.entries.length - 1} | parallel --jobs 100% "\${hosts[@]}" --halt soon,fail=1 \\`,
    `  --joblog "$RESULTS_DIR/${job.name}-parallel.log" ${shellQuote(remote)}`,
    statusCommand(job, '"${DENO:-deno}"'),
    "",
  ].join("\n");
}
