/**
 * The sweep runner behind `deno task experiment`: plans pattern × sparsity level ×
 * configuration × layers × seed (with the dense baseline), resolves and validates every run
 * before training any (bad input leaves no partial result), skips runs whose result file
 * exists, trains the rest one after another and writes each result atomically.
 */
import {
  admissiblePatterns,
  canReach,
  choiceLabel,
  CONFIGURATIONS,
  type PatternChoice,
  PATTERNS,
  requireChoice,
  type ResolvedPattern,
  resolvePattern,
  spreadOfAdmissible,
} from "./sweep_grid.ts";
import {
  EXPERIMENT_DEFINITIONS,
  type ExperimentDefinition,
  type ExperimentName,
  EXPERIMENTS,
} from "./experiments.ts";
import {
  codeVersion,
  hasResult,
  readResults,
  RESULTS_SCHEMA,
  resultsRoot,
  resultStatus,
  type RunMode,
  type RunResult,
  sameModel,
  writeResult,
} from "./results.ts";
import { Progress, type ProgressOptions } from "./progress.ts";
import { claimRun } from "./claims.ts";
import { type BestModelKeeper, bestModelKeeper } from "./best_model.ts";
import { requireJobs, runParallel } from "./parallel.ts";
import { initTf } from "../attention/mod.ts";
import { InputError } from "../util/errors.ts";
import { PathError, reasonOf, requireWritableFolder } from "../util/output_folder.ts";
import { pathFromUrl, sweepStaleTemporaries } from "../util/system.ts";

export interface SweepOptions {
  mode: RunMode;
  /** Keep only these patterns / configurations / levels / seeds / layer counts. */
  patterns?: string[];
  configurations?: string[];
  sparsity?: number[];
  seeds?: number[];
  layers?: number[];
  /** Where the results go (default: resultsRoot(mode)/<experiment>). */
  resultsDir?: string;
  /**
   * The setting that chose the results folder, named when the folder is unusable (the command
   * line passes "RESULTS_DIR"); default "resultsDir".
   */
  resultsSetting?: string;
  /** Where notices go (stale temporary files removed, a corrupt result redone): stderr. */
  log?: (line: string) => void;
  progress?: ProgressOptions;
  /** Plan and validate only. */
  dryRun?: boolean;
  /**
   * Runs trained at once, each in its own worker process (default 1: one after another in
   * this process). At most the machine's cores; capped at the number of pending runs.
   */
  jobs?: number;
}

export interface PlannedRun {
  runId: string;
  pattern: ResolvedPattern;
  /** The requested level, or null (dense, or a pattern at fixed parameters). */
  sparsityTarget: number | null;
  layers: number;
  seed: number;
}

export interface SweepPlan {
  definition: ExperimentDefinition;
  mode: RunMode;
  dir: string;
  runs: PlannedRun[];
  /** Pattern × level pairs left out because the pattern cannot reach the level at this n. */
  unreachable: string[];
}

export function requireExperiment(name: string): ExperimentDefinition {
  if (!(EXPERIMENTS as readonly string[]).includes(name)) {
    throw new InputError(
      "experiment",
      name,
      `unknown experiment; known: ${EXPERIMENTS.join(", ")}`,
    );
  }
  return EXPERIMENT_DEFINITIONS[name as ExperimentName];
}

/** The level and the pattern's parameters, e.g. "s0.80-c16summary2"; "full" for dense. */
function levelTag(run: Omit<PlannedRun, "runId">): string {
  const parameters = Object.entries(run.pattern.parameters).map(([k, v]) => `${k}${v}`).join("");
  if (run.sparsityTarget === null) return parameters || "full";
  const level = `s${run.sparsityTarget.toFixed(2)}`;
  return parameters ? `${level}-${parameters}` : level;
}

export function runIdOf(run: Omit<PlannedRun, "runId">): string {
  const { pattern, configuration } = run.pattern;
  return `${pattern}-${configuration}-${levelTag(run)}-L${run.layers}-seed${run.seed}`;
}

/**
 * The keeper of the sweep's best model, for a full sweep into the committed results folder only
 * (a sweep into a scratch folder must not replace the committed model).
 */
function keeperFor(plan: SweepPlan, runId: string): BestModelKeeper | undefined {
  const best = plan.definition.bestModel;
  const committed = pathFromUrl(`../../data/results/${plan.definition.name}`, import.meta.url);
  if (!best || plan.mode !== "full" || plan.dir !== committed) return undefined;
  return bestModelKeeper(pathFromUrl(`../../${best.stem}`, import.meta.url), runId, best.metric);
}

/** Builds and validates the whole plan; throws an InputError on any bad option. */
export function planSweep(name: string, options: SweepOptions): SweepPlan {
  const definition = requireExperiment(name);
  const budget = definition.budgets[options.mode];
  const n = budget.size.n;
  for (const pattern of options.patterns ?? []) {
    if (!(PATTERNS as readonly string[]).includes(pattern)) {
      throw new InputError("--pattern", pattern, `unknown pattern; known: ${PATTERNS.join(", ")}`);
    }
    if (!definition.patterns.some((p) => p.pattern === pattern)) {
      throw new InputError(
        "--pattern",
        pattern,
        `not in the ${name} sweep; it compares ${
          [...new Set(definition.patterns.map((p) => p.pattern))].join(", ")
        }`,
      );
    }
  }
  for (const configuration of options.configurations ?? []) {
    if (!(CONFIGURATIONS as readonly string[]).includes(configuration)) {
      throw new InputError(
        "--configuration",
        configuration,
        `unknown configuration; known: ${CONFIGURATIONS.join(", ")}`,
      );
    }
  }
  const selected = definition.patterns.filter((p) =>
    (!options.patterns || options.patterns.includes(p.pattern)) &&
    (!options.configurations || options.configurations.includes(p.configuration))
  );
  if (selected.length === 0) {
    throw new InputError(
      "--configuration",
      options.configurations?.join(","),
      `no pattern of the ${name} sweep has it; pairs: ${
        definition.patterns.map(choiceLabel).join(", ")
      }`,
    );
  }
  selected.forEach((p) => requireChoice(p.pattern, p.configuration));
  const levels = options.sparsity ?? budget.levels;
  for (const level of options.sparsity ?? []) {
    if (!(level >= 0 && level < 1)) {
      throw new InputError("--sparsity", level, "expected a level in [0, 1)");
    }
    for (const choice of selected) {
      if (choice.pattern === "dense" || choice.parameters) continue;
      // resolvePattern throws naming the levels this pattern can reach
      if (!canReach(choice, n, level)) resolvePattern(choice, n, level);
    }
  }
  const runs: PlannedRun[] = [];
  const unreachable: string[] = [];
  const layerCounts = options.layers ?? budget.layers;
  const seeds = options.seeds ?? budget.seeds;
  // seeds outermost: a sweep stopped part-way has every pattern at the first seeds
  for (const seed of seeds) {
    for (const choice of selected) {
      const targets: (number | null)[] = choice.pattern === "dense" || choice.parameters
        ? [null]
        : levels;
      for (const target of targets) {
        if (target !== null && !canReach(choice as PatternChoice, n, target)) {
          if (seed === seeds[0]) unreachable.push(`${choiceLabel(choice)} @ ${target}`);
          continue;
        }
        // every parameter admissible at the level, not only the nearest (see sweep_grid.ts)
        const patterns = target === null
          ? [resolvePattern(choice, n, undefined, seed, choice.parameters)]
          : spreadOfAdmissible(
            admissiblePatterns(choice, n, target, seed),
            target,
            budget.parametersPerLevel ?? Infinity,
          );
        for (const pattern of patterns) {
          for (const layers of layerCounts) {
            const run = { pattern, sparsityTarget: target, layers, seed };
            runs.push({ ...run, runId: runIdOf(run) });
          }
        }
      }
    }
  }
  const dir = options.resultsDir ?? `${resultsRoot(options.mode)}/${name}`;
  return { definition, mode: options.mode, dir, runs, unreachable };
}

/** The sizes a plan's runs train at, as results record them. */
function modelOf(plan: SweepPlan): RunResult["model"] {
  return { ...plan.definition.budgets[plan.mode].size, impl: "sparse", norm: "pre" };
}

export interface SweepSummary {
  dir: string;
  /** Runs trained now. */
  trained: string[];
  /** Runs whose result already existed. */
  reused: string[];
  /** Runs left alone because another live process holds their claim (it is training them). */
  heldElsewhere: string[];
  unreachable: string[];
  results: RunResult[];
  /** Temporary files of interrupted writes removed from the folder before the sweep. */
  removedTemporaries: string[];
  /** Result files that were unusable (corrupt, or trained at other sizes) and were redone. */
  redone: { path: string; reason: string }[];
  wallSeconds: number;
}

/** Plans, skips finished runs, trains the rest and returns every result of the plan. */
export async function runSweep(name: string, options: SweepOptions): Promise<SweepSummary> {
  const started = performance.now();
  const plan = planSweep(name, options);
  const { definition, dir } = plan;
  const size = definition.budgets[options.mode].size;
  const model = modelOf(plan);
  const log = options.log ?? ((line: string) => console.error(line));
  const removedTemporaries: string[] = [];
  if (!options.dryRun) {
    requireWritableFolder(options.resultsSetting ?? "resultsDir", dir);
    removedTemporaries.push(...sweepStaleTemporaries(dir));
    if (removedTemporaries.length > 0) {
      log(
        `removed ${removedTemporaries.length} temporary file(s) an interrupted write left in ` +
          `${dir}: ${removedTemporaries.join(", ")}`,
      );
    }
  }
  const redone: { path: string; reason: string }[] = [];
  const pending = plan.runs.filter((run) => {
    const status = resultStatus(dir, run.runId, model);
    if (status.state === "corrupt") redone.push({ path: status.path, reason: status.reason });
    if (status.state === "other-sizes") {
      redone.push({ path: status.path, reason: "trained at other sizes" });
    }
    return status.state !== "done";
  });
  if (!options.dryRun) {
    for (const { path, reason } of redone) {
      log(
        `${path} is ${reason === "trained at other sizes" ? reason : `corrupt (${reason})`}; ` +
          "running it again",
      );
    }
  }
  const reused = plan.runs.filter((run) => !pending.includes(run)).map((r) => r.runId);
  const trained: string[] = [];
  const heldElsewhere: string[] = [];
  if (!options.dryRun && pending.length > 0) {
    const jobs = Math.min(requireJobs(options.jobs ?? 1), pending.length);
    const outcome = jobs > 1
      ? await runParallel(plan, name, options, pending.map((run) => run.runId), jobs, reused.length)
      : await trainRuns(plan, name, options, pending, {
        progress: new Progress(
          `${name} (${options.mode})`,
          definition.steps(size) * pending.length,
          options.progress,
        ),
        log,
        reusedBefore: reused.length,
      });
    trained.push(...outcome.trained);
    reused.push(...outcome.reused);
    heldElsewhere.push(...outcome.heldElsewhere);
  }
  const wanted = new Set(plan.runs.map((r) => r.runId));
  const results = readResults(dir).results.filter((r) =>
    wanted.has(r.runId) && sameModel(r.model, model)
  );
  return {
    dir,
    trained,
    reused,
    heldElsewhere,
    unreachable: plan.unreachable,
    results,
    removedTemporaries,
    redone,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

export interface TrainOutcome {
  trained: string[];
  reused: string[];
  heldElsewhere: string[];
}

export interface TrainHooks {
  progress: Progress;
  log: (line: string) => void;
  /** Runs of the sweep found done before training began (for the closing line). */
  reusedBefore?: number;
  /** Told when a run starts training (after its claim), and how it ended. */
  onRun?: (runId: string, event: "start" | "trained" | "reused" | "held") => void;
  /**
   * Pids whose claims this process never takes over: the sweep's own worker processes, whose
   * death fails the sweep instead of handing their run to another worker.
   */
  keepClaimsOf?: (pid: number) => boolean;
}

/**
 * Trains `runs` of `plan` one after another in this process. Each run is claimed first
 * (claims.ts): a run another live process holds is left to it, a stale claim is taken over
 * (and said so on `log`), a run whose result appeared meanwhile is reused. The claim is
 * released once the result is written, or when training throws.
 */
export async function trainRuns(
  plan: SweepPlan,
  name: string,
  options: SweepOptions,
  runs: PlannedRun[],
  hooks: TrainHooks,
): Promise<TrainOutcome> {
  const { definition, dir } = plan;
  const size = definition.budgets[options.mode].size;
  const model = modelOf(plan);
  const { progress, log } = hooks;
  const trained: string[] = [];
  const reused: string[] = [];
  const heldElsewhere: string[] = [];
  await initTf();
  const version = codeVersion();
  const units = definition.steps(size);
  for (const [index, run] of runs.entries()) {
    progress.startRun(`run ${index + 1}/${runs.length} ${run.runId}`, units);
    const claim = claimRun(dir, run.runId, undefined, hooks.keepClaimsOf);
    if (claim.state === "held") {
      progress.endRun();
      heldElsewhere.push(run.runId);
      hooks.onRun?.(run.runId, "held");
      continue;
    }
    try {
      if (claim.reclaimedFrom !== undefined) {
        log(`${claim.path}: took over the claim of process ${claim.reclaimedFrom}, which is gone`);
      }
      if (hasResult(dir, run.runId, model)) {
        // another sweep over the same directory finished it meanwhile
        progress.endRun();
        reused.push(run.runId);
        hooks.onRun?.(run.runId, "reused");
        continue;
      }
      hooks.onRun?.(run.runId, "start");
      const runStarted = performance.now();
      const outcome = await definition.run({
        pattern: run.pattern,
        layers: run.layers,
        seed: run.seed,
        size,
        progress,
        keepBest: keeperFor(plan, run.runId),
      });
      progress.endRun();
      const { pattern } = run;
      writeResultOrExplain(dir, {
        schema: RESULTS_SCHEMA,
        experiment: name,
        mode: options.mode,
        runId: run.runId,
        pattern: pattern.pattern,
        configuration: pattern.configuration,
        patternName: pattern.schedule.name,
        patternParameters: pattern.parameters,
        sparsity: pattern.sparsity,
        sparsityTarget: run.sparsityTarget,
        connections: pattern.connections,
        mixingDepth: pattern.mixingDepth,
        n: pattern.n,
        layers: run.layers,
        seed: run.seed,
        model,
        metricName: outcome.metricName,
        curve: outcome.curve,
        final: outcome.final,
        wallSeconds: (performance.now() - runStarted) / 1000,
        codeVersion: version,
        dataChecksum: outcome.dataChecksum,
        finishedAt: new Date().toISOString(),
      });
      trained.push(run.runId);
      hooks.onRun?.(run.runId, "trained");
    } finally {
      claim.release();
    }
  }
  const held = heldElsewhere.length > 0 ? `, ${heldElsewhere.length} held by another sweep` : "";
  const reusedAll = (hooks.reusedBefore ?? 0) + reused.length;
  await progress.finish(`${trained.length} runs trained, ${reusedAll} reused${held}`);
  return { trained, reused, heldElsewhere };
}

/** Writes a result atomically; a failed write names the file and why (nothing is left). */
function writeResultOrExplain(dir: string, result: RunResult): void {
  try {
    writeResult(dir, result);
  } catch (error) {
    throw new PathError(
      `${dir}/${result.runId}.json`,
      undefined,
      `cannot be written (${reasonOf(error)})`,
    );
  }
}

export interface CommittedStatus {
  /** The full plan the results were checked against. */
  plan: SweepPlan;
  dir: string;
  /** Usable results of the full plan. */
  results: RunResult[];
  /** Run ids of the full plan with no usable result yet. */
  missing: string[];
  /** Files reported corrupt and left out. */
  skipped: { path: string; reason: string }[];
  complete: boolean;
}

/** The committed full results of an experiment against its full plan: what is in, what is not. */
export function committedStatus(name: string): CommittedStatus {
  const plan = planSweep(name, { mode: "full" });
  const dir = pathFromUrl(`../../data/results/${plan.definition.name}`, import.meta.url);
  const { results, skipped } = readResults(dir, { quiet: true }); // callers report `skipped`
  const wanted = new Set(plan.runs.map((r) => r.runId));
  const model = modelOf(plan);
  const usable = results.filter((r) =>
    wanted.has(r.runId) && r.mode === "full" && sameModel(r.model, model)
  );
  const present = new Set(usable.map((r) => r.runId));
  const missing = plan.runs.map((r) => r.runId).filter((id) => !present.has(id));
  return { plan, dir, results: usable, missing, skipped, complete: missing.length === 0 };
}
