/**
 * Runs one experiment's sweep (pattern × sparsity level × configuration × layers × seed, with
 * the dense baseline), resuming: runs whose result file exists are not redone.
 *
 *   deno task experiment copying --quick
 *   deno task experiment language-modeling --full --pattern strided,star --sparsity 0.7 --seed 0
 *   deno task experiment seq2seq --full --dry-run      # list the plan, train nothing
 *   deno task experiment copying --full --jobs 1        # one run at a time, in this process
 *   deno task experiment --summary [--check] [--write]  # the READMEs' generated tables
 *   deno task experiment copying --full --plan          # one JSON line per planned run
 *   deno task experiment copying --full --run 17        # train exactly run 17 of that plan
 *   deno task experiment copying --full --status        # which runs of the plan are done
 *   deno task experiment language-modeling --full --pattern-file my.json [--seeds 5]
 *   deno task experiment language-modeling --compare out/own-patterns/language-modeling/my
 *
 * --summary prints the tables generated from the committed results (data/results/): README.md's
 * verdict table (the notebooks' rules) and data/results/README.md's progress table (runs,
 * seeds, measured times, code versions); --write puts each into its file between its markers;
 * --check exits 1 with one line per table that differs from the generated one.
 *
 * Results: one JSON file per run under data/results/NAME/ (--full) or out/results-quick/NAME/
 * (--quick); RESULTS_DIR=DIR puts them under DIR/NAME/ instead. Each is written atomically. The
 * folder is created and proved writable before anything trains (an unusable one: one line
 * naming the setting, its value and why, exit 2); temporary files an interrupted write left
 * there are removed and listed, and a corrupt result is named on stderr before it is redone.
 *
 * --jobs N trains up to N runs at once, each worker in its own process (lib/train/parallel.ts);
 * N is at most the machine's cores and defaults to them. Runs are claimed before they train, so
 * sweeps sharing a folder never train one run twice. A failing run stops the other workers and
 * ends the sweep with one line naming the run (exit 1); Ctrl-C stops every worker (exit 130).
 *
 * For schedulers (tools/cluster.ts writes the scripts): --plan prints the plan as one JSON
 * object a line (index, run id, the command that trains it, predicted minutes, memory);
 * --run INDEX or --run-id ID trains exactly that run of the plan the same flags give, in this
 * process, and exits 0 (also when its result already exists); --planned-version V refuses to
 * train unless this checkout's code version is V (the version the scheduler's plan was made
 * under); --status prints which runs of the plan have results and exits 1 while any is missing.
 *
 * Your own pattern: --pattern-file FILE trains the experiment's plan for the pattern in FILE
 * (read and checked as `deno task pattern --file` reads it; its n must be the plan's) at the
 * plan's depths and seeds (--seeds K: the first K), with the same budgets and convergence rule,
 * into out/own-patterns/NAME/PATTERN/ (RESULTS_DIR/own-patterns/... when set; the committed
 * folder only with --commit), resumable like any sweep. --compare DIR prints where the pattern
 * in DIR stands against each family (at its sparsity, with the verdicts' tests) and writes the
 * figure with the pattern drawn over the families (--against DIR: the families' folder;
 * --out DIR: where the figure goes).
 */
import {
  integerFlag,
  parseFlags,
  rejectConflicts,
  rejectUnknownFlags,
  runTool,
} from "./cli/flags.ts";
import { planEntries } from "./cluster/plan.ts";
import { assumption1Line, compareCommand } from "./experiment/own_pattern.ts";
import { PLAN_FLAGS, planSelection, selectionOf } from "./cli/sweep_flags.ts";
import { experimentNames, experiments } from "../lib/experiments/registry.ts";
import {
  committedResultsDir,
  committedStatus,
  planSweep,
  runSweep,
  sweepStatus,
} from "../lib/experiments/sweeps.ts";
import { GENERATED_TABLES } from "../lib/experiments/readme_tables.ts";
import {
  selectedRuns,
  type SweepOptions,
  type SweepPlan,
  type SweepSummary,
} from "../lib/train/sweep.ts";
import { codeVersion } from "../lib/train/results.ts";
import { machineCores, RunFailedError, SweepInterrupted } from "../lib/train/parallel.ts";
import { SWEEP_PATTERNS } from "../lib/train/sweep_grid.ts";
import { replaceGenerated } from "../lib/train/readme_tables.ts";
import { InputError } from "../lib/util/errors.ts";
import { formatMinutes } from "../lib/train/sweep_cost.ts";
import { predictedSweepCost } from "../lib/experiments/sweep_costs.ts";
import { requireWritableFolder } from "../lib/util/output_folder.ts";
import { pathFromUrl, writeFileAtomicSync } from "../lib/util/system.ts";

const USAGE = `usage: deno task experiment NAME [--quick | --full] [--pattern P,...] ` +
  `[--configuration C,...] [--sparsity S,...] [--seed N,...] [--layers L,...] [--jobs N] ` +
  `[--dry-run | --plan | --status | --run INDEX | --run-id ID [--planned-version V]]
       deno task experiment NAME --full --pattern-file FILE [--seeds K] [--commit]
       deno task experiment NAME --compare DIR [--against DIR] [--out DIR]
       deno task experiment --summary [--check | --write]
--pattern-file FILE: train the plan for your own pattern (its n must be the plan's) into
out/own-patterns/NAME/PATTERN/; --seeds K: the plan's first K seeds; --commit: into the
committed folder instead
--compare DIR: where the pattern trained into DIR stands against each family, at its sparsity,
and its figure (--against DIR: the families' results; --out DIR: where the figure goes)
--plan: one JSON line per planned run (index, runId, command, predicted minutes, memoryMB)
--run INDEX / --run-id ID: train exactly that run of the plan (skipped when its result exists)
--planned-version V: with --run, refuse unless this checkout's code version is V
--status: which runs of the plan have results; exit 1 while any is missing
--summary: the READMEs' tables generated from the committed results (README.md's verdicts,
data/results/README.md's progress); --check: exit 1 when one is stale; --write: rewrite them
--jobs N: runs trained at once, each in its own process (1 to ${machineCores()}, the machine's ` +
  `cores; default ${machineCores()})
NAME: ${experimentNames().join(", ")}
P, and the zoo entry each is built from (deno task pattern --list):
${
    Object.entries(SWEEP_PATTERNS)
      .map(([name, { zoo, description }]) =>
        `  ${name.padEnd(12)} ${zoo.padEnd(12)} ${description}`
      )
      .join("\n")
  }`;

const FLAGS = [
  ...PLAN_FLAGS,
  "jobs",
  "dry-run",
  "help",
  "summary",
  "check",
  "write",
  "plan",
  "status",
  "run",
  "run-id",
  "planned-version",
  "commit",
  "compare",
  "against",
  "out",
];

/** The ways to act on a plan other than sweeping it: at most one is given. */
const PLAN_ACTIONS = ["dry-run", "plan", "status", "run", "run-id"];

/** --summary: print the generated tables, or check / rewrite the READMEs' copies of them. */
function summaryCommand(flags: Map<string, string | true>): number {
  if (flags.has("check") && flags.has("write")) {
    throw new InputError("--check", true, "choose --check or --write, not both");
  }
  // a result file that is not usable counts nowhere; say which, once, before the tables
  for (const experiment of experiments()) {
    const { skipped } = committedStatus(experiment);
    for (const { path, reason } of skipped) {
      console.error(`experiment: ${path} is corrupt (${reason}); left out of every count`);
    }
  }
  let stale = 0;
  for (const table of GENERATED_TABLES) {
    const block = table.render();
    if (!flags.has("check") && !flags.has("write")) {
      console.log(`${table.file}: ${table.title}\n${block}\n`);
      continue;
    }
    const path = pathFromUrl(`../${table.file}`, import.meta.url);
    const text = Deno.readTextFileSync(path);
    const updated = replaceGenerated(text, table, block);
    if (flags.has("check")) {
      if (updated === text) continue;
      console.error(
        `experiment: ${table.file}'s ${table.title} is stale: run \`deno task experiment --summary --write\``,
      );
      stale++;
      continue;
    }
    if (updated !== text) writeFileAtomicSync(path, updated);
    console.log(
      `experiment: ${table.file}'s ${table.title} ${updated === text ? "unchanged" : "written"}`,
    );
  }
  return stale > 0 ? 1 : 0;
}

/** The sweep's options from the flags; every flag's value checked. */
function sweepOptions(parsed: ReturnType<typeof parseFlags>, experiment: string): SweepOptions {
  const { flags } = parsed;
  if (flags.has("commit") && !(flags.has("pattern-file") && flags.has("full"))) {
    throw new InputError("--commit", true, "only with --pattern-file and --full");
  }
  return {
    ...planSelection(parsed),
    ...(flags.has("commit") ? { resultsDir: committedResultsDir(experiment) } : {}),
    jobs: flags.has("jobs")
      ? integerFlag("jobs", flags.get("jobs")!, 1, machineCores(), "the machine's cores")
      : machineCores(),
    // the folder that RESULTS_DIR or the mode chose, named by that setting when it is unusable
    resultsSetting: Deno.env.get("RESULTS_DIR") ? "RESULTS_DIR" : "results folder",
    log: (line) => console.error(`experiment: ${line}`),
  };
}

/** --dry-run: one line per planned run, the pairs out of reach, and the count. */
function printPlan(plan: SweepPlan): void {
  for (const run of plan.runs) {
    console.log(
      `${run.runId.padEnd(56)} sparsity ${run.pattern.sparsity.toFixed(4)}  ${run.pattern.label}`,
    );
  }
  for (const missing of plan.unreachable) {
    console.log(`not reachable at n=${plan.runs[0]?.pattern.n}: ${missing}`);
  }
  console.log(`${plan.runs.length} runs → ${plan.dir}`);
}

/** --full --dry-run: the plan's predicted cost from the committed step times, in one line. */
function printPredictedCost(name: string, plan: SweepPlan, jobs: number): void {
  const cost = predictedSweepCost(plan, jobs);
  if (!cost) {
    console.log(
      `no prediction: data/bench/training.json has no step times for ${name} ` +
        `(deno task bench --train --config ${name} --save)`,
    );
    return;
  }
  const atCap = plan.definition.budgets.full.size.convergence
    ? predictedSweepCost(plan, jobs, "cap")
    : undefined;
  console.log(
    `predicted: ${formatMinutes(cost.runMinutes)} of run time, ` +
      `${formatMinutes(cost.elapsedMinutes)} elapsed with --jobs ${jobs} ` +
      (atCap
        ? `if every run stops at its floor, ${formatMinutes(atCap.elapsedMinutes)} if every ` +
          "run trains to its cap "
        : "") +
      "(step times from data/bench/training.json)",
  );
}

/** What a sweep did: trained, reused, held elsewhere, and the pairs out of reach. */
function describeSweep(name: string, summary: SweepSummary): string {
  const held = summary.heldElsewhere.length > 0
    ? `, ${summary.heldElsewhere.length} held by another sweep`
    : "";
  return [
    `${name}: ${summary.trained.length} trained, ${summary.reused.length} already done${held}, ` +
    `${summary.results.length} results in ${summary.dir} (${summary.wallSeconds.toFixed(1)} s)`,
    ...summary.unreachable.map((missing) => `not reachable: ${missing}`),
  ].join("\n");
}

/** What `--run` did to its one run, with the process's peak memory where /proc tells it. */
function describeRun(name: string, summary: SweepSummary): string {
  const peak = peakMemoryMB();
  const memory = peak === undefined ? "" : `, peak memory ${peak} MiB`;
  const [trained] = summary.trained;
  if (trained !== undefined) {
    return `${name}: trained ${trained} into ${summary.dir} ` +
      `(${summary.wallSeconds.toFixed(1)} s${memory})`;
  }
  const [held] = summary.heldElsewhere;
  if (held !== undefined) return `${name}: ${held} is being trained by another process`;
  return `${name}: ${summary.reused[0]} is already done in ${summary.dir}`;
}

/** Trains the sweep and prints what it did; a failed run or Ctrl-C is one line (exit 1, 130). */
async function trainAndReport(
  name: string,
  options: SweepOptions,
  describe = describeSweep,
): Promise<number> {
  const fromEnv = Deno.env.get("RESULTS_DIR");
  if (fromEnv) requireWritableFolder("RESULTS_DIR", fromEnv);
  let summary;
  try {
    summary = await runSweep(name, options);
  } catch (error) {
    if (error instanceof RunFailedError || error instanceof SweepInterrupted) {
      console.error(`experiment: ${error.message}`);
      return error instanceof SweepInterrupted ? 130 : 1;
    }
    throw error;
  }
  console.log(describe(name, summary));
  return 0;
}

/** --status: how many of the plan's runs have results, the missing ones named; exit 1 if any. */
function printStatus(name: string, options: SweepOptions): number {
  const status = sweepStatus(name, options);
  for (const { path, reason } of status.skipped) {
    console.error(`experiment: ${path} is corrupt (${reason}); it will be trained again`);
  }
  const { plan, results, missing } = status;
  console.log(
    `${name} (${plan.mode}): ${results.length} of ${plan.runs.length} runs have results in ` +
      status.dir,
  );
  for (const runId of missing) {
    console.log(`missing: ${plan.runs.findIndex((run) => run.runId === runId)} ${runId}`);
  }
  return missing.length > 0 ? 1 : 0;
}

/** This process's peak resident memory in MiB (VmHWM), or undefined where /proc lacks it. */
function peakMemoryMB(): number | undefined {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(Deno.readTextFileSync("/proc/self/status"))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/**
 * --run INDEX / --run-id ID: trains exactly that run of the plan in this process into the
 * results folder; a run whose result exists is not redone. With --planned-version, a checkout
 * whose code is not the planned version trains nothing (exit 2): its indices may name other runs.
 */
async function trainOneRun(
  name: string,
  plan: SweepPlan,
  options: SweepOptions,
  flags: Map<string, string | true>,
): Promise<number> {
  const planned = flags.get("planned-version");
  if (planned !== undefined) {
    const current = codeVersion();
    if (planned !== current) {
      throw new InputError(
        "--planned-version",
        planned,
        `this checkout's code version is ${current}; check out the planned code or plan again`,
      );
    }
  }
  if (flags.has("jobs")) {
    throw new InputError("--jobs", flags.get("jobs"), "a single run trains in this process");
  }
  const last = plan.runs.length - 1;
  const runId = flags.has("run-id")
    ? selectedRuns(plan, [String(flags.get("run-id"))])[0].runId
    : plan.runs[
      integerFlag(
        "run",
        flags.get("run")!,
        0,
        last,
        `the last index of the ${plan.mode} plan of ${name}`,
      )
    ].runId;
  return await trainAndReport(name, { ...options, jobs: 1, runIds: [runId] }, describeRun);
}

/** --summary's flags: only --check or --write beside it. */
function requireSummaryAlone(flags: Map<string, string | true>, positional: string[]): void {
  const extra = [...flags.keys()].find((f) => !["summary", "check", "write"].includes(f));
  if (extra || positional.length) {
    throw new InputError(
      extra ? `--${extra}` : "experiment",
      extra ? true : positional.join(" "),
      "--summary takes only --check or --write",
    );
  }
}

/** The one experiment name a sweep takes, with --quick and --full not both given. */
function requireSweepArguments(flags: Map<string, string | true>, positional: string[]): string {
  if (flags.has("check") || flags.has("write")) {
    const flag = flags.has("check") ? "--check" : "--write";
    throw new InputError(flag, true, "only with --summary");
  }
  if (positional.length !== 1) {
    throw new InputError(
      "experiment",
      positional.join(" ") || undefined,
      `expected one name (${experimentNames().join(", ")}; see --help)`,
    );
  }
  return positional[0];
}

async function main(): Promise<number> {
  const parsed = parseFlags(Deno.args, [
    "quick",
    "full",
    "dry-run",
    "help",
    "summary",
    "check",
    "write",
    "plan",
    "status",
    "commit",
  ]);
  const { flags } = parsed;
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  rejectUnknownFlags(parsed, FLAGS);
  if (flags.has("summary")) {
    requireSummaryAlone(flags, parsed.positional);
    return summaryCommand(flags);
  }
  const name = requireSweepArguments(flags, parsed.positional);
  if (flags.has("compare")) {
    const extra = [...flags.keys()].find((f) => !["compare", "against", "out"].includes(f));
    if (extra) throw new InputError(`--${extra}`, flags.get(extra), "not with --compare");
    return await compareCommand(
      name,
      String(flags.get("compare")),
      flags.has("against") ? String(flags.get("against")) : undefined,
      flags.has("out") ? String(flags.get("out")) : undefined,
    );
  }
  for (const flag of ["against", "out"]) {
    if (flags.has(flag)) throw new InputError(`--${flag}`, flags.get(flag), "only with --compare");
  }
  for (const action of PLAN_ACTIONS) rejectConflicts(parsed, action, PLAN_ACTIONS);
  if (flags.has("planned-version") && !flags.has("run") && !flags.has("run-id")) {
    throw new InputError("--planned-version", flags.get("planned-version"), "only with --run");
  }
  const options = sweepOptions(parsed, name);
  const plan = planSweep(name, options); // every option checked before a folder is touched
  if (options.patternFile !== undefined) {
    // --plan's standard output is JSON lines only
    (flags.has("plan") ? console.error : console.log)(assumption1Line(plan));
  }
  if (flags.has("plan")) {
    for (const entry of planEntries(plan, selectionOf(flags))) console.log(JSON.stringify(entry));
    return 0;
  }
  if (flags.has("status")) return printStatus(name, options);
  if (flags.has("run") || flags.has("run-id")) {
    return await trainOneRun(name, plan, options, flags);
  }
  if (flags.has("dry-run")) {
    printPlan(plan);
    if (options.mode === "full") printPredictedCost(name, plan, options.jobs ?? 1);
    return 0;
  }
  return await trainAndReport(name, options);
}

if (import.meta.main) runTool("experiment", main);
