/**
 * Writes what runs a sweep's plan on a cluster: every engine hands the plan's indices to
 * `deno task experiment NAME ... --run INDEX`, one run per core, into a shared results folder.
 *
 *   deno task cluster slurm copying --full [--partition P] [--time T] [--max-parallel K]
 *   deno task cluster parallel copying --full                  # GNU parallel, over ssh
 *   deno task cluster kubernetes copying --full --image I --results-claim C   # Indexed Job
 *
 * Every engine takes the experiment's plan flags (--quick or --full, --pattern, --configuration,
 * --sparsity, --seed, --layers), --results-dir DIR (default: RESULTS_DIR, else the mode's
 * folder in this checkout; Kubernetes mounts its claim instead) and --out FILE (default:
 * standard output; a script is made executable). The script records this checkout's code
 * version, and every run refuses to train under other code.
 */
import {
  integerFlag,
  parseFlags,
  rejectConflicts,
  rejectUnknownFlags,
  runTool,
} from "./cli/flags.ts";
import { PLAN_FLAGS, planSelection, selectionOf } from "./cli/sweep_flags.ts";
import { planArguments, planEntries, shellCommand } from "./cluster/plan.ts";
import type { SweepJob } from "./cluster/sweep_job.ts";
import { slurmScript } from "./cluster/slurm.ts";
import { gnuParallelScript } from "./cluster/gnu_parallel.ts";
import { kubernetesJob } from "./cluster/kubernetes.ts";
import { experimentNames } from "../lib/experiments/registry.ts";
import { planSweep } from "../lib/experiments/sweeps.ts";
import { codeVersion, resultsRoot } from "../lib/train/results.ts";
import { InputError } from "../lib/util/errors.ts";
import { requireWritableFolder } from "../lib/util/output_folder.ts";
import { pathFromUrl, writeFileAtomicSync } from "../lib/util/system.ts";
import { dirname, resolve } from "node:path";

const ENGINES = ["slurm", "parallel", "kubernetes"] as const;
type Engine = typeof ENGINES[number];

const USAGE = `usage: deno task cluster ENGINE NAME [--quick | --full] [--pattern P,...] ` +
  `[--configuration C,...] [--sparsity S,...] [--seed N,...] [--layers L,...] ` +
  `[--results-dir DIR] [--out FILE]
ENGINE: slurm [--partition P] [--time T] [--max-parallel K]   a job array and a summary job
        parallel                                              GNU parallel, here or over ssh
        kubernetes --image I --results-claim C [--workdir D] [--parallelism K]   an Indexed Job
NAME: ${experimentNames().join(", ")}
--results-dir: the shared folder results go to (default RESULTS_DIR, else the mode's folder)
--out: where the script or manifest goes (default: standard output)`;

const ENGINE_FLAGS: Record<Engine, string[]> = {
  slurm: ["partition", "time", "max-parallel"],
  parallel: [],
  kubernetes: ["image", "results-claim", "workdir", "parallelism"],
};

const CHECKOUT = pathFromUrl("../", import.meta.url).replace(/\/$/, "");

/** The engine and the experiment, in that order. */
function requireEngineAndName(positional: string[]): { engine: Engine; name: string } {
  const [engine, name, ...rest] = positional;
  if (!(ENGINES as readonly string[]).includes(engine)) {
    throw new InputError("engine", engine, `expected one of ${ENGINES.join(", ")} (see --help)`);
  }
  if (name === undefined || rest.length > 0) {
    throw new InputError(
      "experiment",
      [name, ...rest].filter((word) => word !== undefined).join(" ") || undefined,
      `expected one name (${experimentNames().join(", ")})`,
    );
  }
  return { engine: engine as Engine, name };
}

/** A flag's value when given, as a string. */
function text(flags: Map<string, string | true>, name: string): string | undefined {
  const value = flags.get(name);
  return typeof value === "string" ? value : undefined;
}

/** The results folder every node writes to, as an absolute path. */
function resultsFolder(flags: Map<string, string | true>, mode: "quick" | "full"): string {
  const given = text(flags, "results-dir");
  return resolve(given ?? resultsRoot(mode));
}

function sweepJob(parsed: ReturnType<typeof parseFlags>, name: string): SweepJob {
  const { flags } = parsed;
  const selection = selectionOf(flags);
  // every node reads the pattern file at the same absolute path
  const patternFile = selection.get("pattern-file");
  if (patternFile !== undefined) selection.set("pattern-file", resolve(patternFile));
  const options = planSelection(parsed);
  const plan = planSweep(name, options);
  const resultsDir = resultsFolder(flags, options.mode);
  return {
    name,
    mode: options.mode,
    entries: planEntries(plan, selection),
    planArgs: planArguments(plan, selection),
    checkout: CHECKOUT,
    resultsDir,
    codeVersion: codeVersion(),
    writtenBy: shellCommand(["deno", "task", "cluster", ...Deno.args]),
    committedResults: options.mode === "full" && resultsDir === `${CHECKOUT}/data/results`,
  };
}

function render(engine: Engine, job: SweepJob, flags: Map<string, string | true>): string {
  switch (engine) {
    case "slurm":
      return slurmScript(job, {
        partition: text(flags, "partition"),
        time: text(flags, "time"),
        maxParallel: flags.has("max-parallel")
          ? integerFlag("max-parallel", flags.get("max-parallel")!, 1, 100_000)
          : undefined,
      });
    case "parallel":
      return gnuParallelScript(job);
    case "kubernetes": {
      const image = text(flags, "image");
      const claim = text(flags, "results-claim");
      if (image === undefined) throw new InputError("--image", undefined, "kubernetes needs it");
      if (claim === undefined) {
        throw new InputError("--results-claim", undefined, "kubernetes needs it");
      }
      const manifest = kubernetesJob(job, {
        image,
        resultsClaim: claim,
        workdir: text(flags, "workdir"),
        parallelism: flags.has("parallelism")
          ? integerFlag("parallelism", flags.get("parallelism")!, 1, 100_000)
          : undefined,
      });
      return `${JSON.stringify(manifest, null, 2)}\n`;
    }
  }
}

function main(): number {
  const parsed = parseFlags(Deno.args, ["quick", "full", "help"]);
  const { flags } = parsed;
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const engine = (ENGINES as readonly string[]).includes(parsed.positional[0])
    ? parsed.positional[0] as Engine
    : undefined;
  rejectUnknownFlags(parsed, [
    ...PLAN_FLAGS,
    "help",
    "results-dir",
    "out",
    ...(engine ? ENGINE_FLAGS[engine] : Object.values(ENGINE_FLAGS).flat()),
  ]);
  rejectConflicts(parsed, "quick", "full");
  const { name } = requireEngineAndName(parsed.positional);
  const job = sweepJob(parsed, name);
  const output = render(engine!, job, flags);
  if (job.codeVersion.endsWith("+dirty")) {
    console.error(
      "cluster: the training code has uncommitted changes; the version check cannot tell " +
        "two such checkouts apart",
    );
  }
  const out = text(flags, "out");
  if (out === undefined) {
    Deno.stdout.writeSync(new TextEncoder().encode(output));
    return 0;
  }
  requireWritableFolder("--out", dirname(resolve(out)));
  writeFileAtomicSync(out, output);
  if (engine !== "kubernetes") Deno.chmodSync(out, 0o755);
  console.error(`cluster: wrote ${out} (${job.entries.length} runs of the ${job.mode} plan)`);
  return 0;
}

if (import.meta.main) runTool("cluster", main);
