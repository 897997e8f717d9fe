/**
 * The sweep runner behind `deno task experiment`, given an experiment's definition: plans
 * pattern × sparsity level × configuration × layers × seed (with the dense baseline), resolves
 * and validates every run before training any (bad input leaves no partial result), skips runs
 * whose result file exists, trains the rest (one after another in this process, or in parallel
 * workers: parallel.ts) and writes each result atomically.
 */
import { trainingLengthOf } from "./convergence.ts";
import {
  admissiblePatterns,
  canReach,
  choiceLabel,
  CONFIGURATIONS,
  FILE_PATTERN,
  nearestPattern,
  type PatternChoice,
  PATTERNS,
  reachableLevels,
  requireChoice,
  type ResolvedPattern,
  resolveFilePattern,
  resolvePattern,
  spreadOfAdmissible,
} from "./sweep_grid.ts";
import { scheduleToJson } from "../pattern/mod.ts";
// read with Deno's file system: kept out of lib/pattern/mod.ts, which the browser bundles
import { readPatternFile } from "../pattern/pattern_file.ts";
import type { CurveSpec, ExperimentDefinition, GridPattern } from "./experiment_definition.ts";
import {
  codeVersion,
  hasResult,
  ownPatternsRoot,
  readResults,
  RESULTS_SCHEMA,
  resultsRoot,
  resultStatus,
  type RunMode,
  type RunResult,
  sameTraining,
  writeResult,
} from "./results.ts";
import type { TaskOutcome } from "./tasks.ts";
import { Progress, type ProgressOptions } from "./progress.ts";
import { tryUnderClaim } from "./claims.ts";
import { type BestModelKeeper, bestModelKeeper } from "./best_model.ts";
import { requireJobs, runParallel } from "./parallel.ts";
import type { TrainHooks, TrainOutcome } from "./run_events.ts";
import { initTf } from "../attention/mod.ts";
import { InputError } from "../util/errors.ts";
import { PathError, reasonOf, requireWritableFolder } from "../util/output_folder.ts";
import { pathFromUrl, sweepStaleTemporaries, writeFileAtomicSync } from "../util/system.ts";

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
  /**
   * A pattern file (`--pattern-file`): the plan trains that pattern alone, at the budget's
   * depths and seeds, with the experiment's budgets and convergence rule, into a folder of its
   * own (ownPatternsRoot()/NAME/PATTERN) unless `resultsDir` says otherwise. Its n must be the
   * plan's; it may fail Assumption 1 (the plan says so, and trains it anyway).
   */
  patternFile?: string;
  /**
   * Train only these runs of the plan, named by run id (`--run`, `--run-id`: one run handed out
   * by a scheduler); the rest of the plan is neither trained nor reported. An id outside the
   * plan is an InputError.
   */
  runIds?: readonly string[];
  /** Plan and validate only. */
  dryRun?: boolean;
  /**
   * Runs trained at once, each in its own worker process (default 1: one after another in
   * this process). At most the machine's cores; capped at the number of pending runs.
   */
  jobs?: number;
  /**
   * The script each worker process of a parallel sweep runs (`jobs` > 1): given a WorkerSpec
   * as its argument, it finds the experiment by name and trains (sweep_worker.ts
   * `trainAsWorker`). lib/experiments/sweep_worker.ts, which knows the registry.
   */
  workerScript?: string;
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

/** What a worker process is told: the sweep's selection, its folder, and the runs to try. */
export interface WorkerSpec {
  name: string;
  mode: SweepOptions["mode"];
  patterns?: string[];
  configurations?: string[];
  sparsity?: number[];
  seeds?: number[];
  layers?: number[];
  resultsDir: string;
  patternFile?: string;
  runIds: string[];
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

/** The committed results folder of an experiment: data/results/NAME/ in this checkout. */
function committedDir(definition: ExperimentDefinition): string {
  return pathFromUrl(`../../data/results/${definition.name}`, import.meta.url);
}

/**
 * The keeper of the sweep's best model, for a full sweep into the committed results folder only
 * (a sweep into a scratch folder must not replace the committed model).
 */
function keeperFor(plan: SweepPlan, runId: string): BestModelKeeper | undefined {
  const best = plan.definition.bestModel;
  if (!best || plan.mode !== "full" || plan.dir !== committedDir(plan.definition)) return undefined;
  // a pattern from a file is compared with the lab's, never served in their place
  if (plan.runs.some((run) => run.pattern.pattern === FILE_PATTERN)) return undefined;
  const planned = new Set(plan.runs.map((run) => run.runId));
  // a model kept from a run of an earlier plan gives way to this plan's first offer
  return bestModelKeeper(
    pathFromUrl(`../../${best.stem}`, import.meta.url),
    runId,
    best.metric,
    (keptRunId) => planned.has(keptRunId),
  );
}

/** The definition's patterns that --pattern and --configuration keep; an InputError if none. */
function selectPatterns(definition: ExperimentDefinition, options: SweepOptions): GridPattern[] {
  const { name, patterns } = definition;
  for (const pattern of options.patterns ?? []) {
    if (!(PATTERNS as readonly string[]).includes(pattern)) {
      throw new InputError("--pattern", pattern, `unknown pattern; known: ${PATTERNS.join(", ")}`);
    }
    if (!patterns.some((p) => p.pattern === pattern)) {
      const compared = [...new Set(patterns.map((p) => p.pattern))].join(", ");
      throw new InputError(
        "--pattern",
        pattern,
        `not in the ${name} sweep; it compares ${compared}`,
      );
    }
  }
  for (const configuration of options.configurations ?? []) {
    if (!(CONFIGURATIONS as readonly string[]).includes(configuration)) {
      const known = CONFIGURATIONS.join(", ");
      throw new InputError(
        "--configuration",
        configuration,
        `unknown configuration; known: ${known}`,
      );
    }
  }
  const selected = patterns.filter((p) =>
    (!options.patterns || options.patterns.includes(p.pattern)) &&
    (!options.configurations || options.configurations.includes(p.configuration))
  );
  if (selected.length === 0) {
    const pairs = patterns.map(choiceLabel).join(", ");
    throw new InputError(
      "--configuration",
      options.configurations?.join(","),
      `no pattern of the ${name} sweep has it; pairs: ${pairs}`,
    );
  }
  selected.forEach((p) => requireChoice(p.pattern, p.configuration));
  return selected;
}

/** Checks --sparsity: every level in [0, 1) and reachable by every selected level-matched pattern. */
function requireLevels(levels: readonly number[], selected: readonly GridPattern[], n: number) {
  for (const level of levels) {
    if (!(level >= 0 && level < 1)) {
      throw new InputError("--sparsity", level, "expected a level in [0, 1)");
    }
    for (const choice of selected) {
      if (choice.pattern === "dense" || choice.parameters) continue;
      // resolvePattern throws naming the levels this pattern can reach
      if (!canReach(choice, n, level)) resolvePattern(choice, n, level);
    }
  }
}

/** The grid a plan enumerates: patterns, levels, depths and seeds at length n. */
interface Grid {
  selected: GridPattern[];
  levels: number[];
  layerCounts: number[];
  seeds: number[];
  n: number;
  parametersPerLevel: number;
  curve?: CurveSpec;
  randomDrawPerLayer: boolean;
}

/** Whether the pattern's parameter is a level it is drawn at (RANDOM), not a shape. */
const isDrawnAtLevel = (choice: PatternChoice) =>
  PATTERNS_DRAWN_AT_A_LEVEL.includes(choice.pattern);
const PATTERNS_DRAWN_AT_A_LEVEL: readonly string[] = ["random"];

/**
 * The levels a curve trains a family at: `points` levels evenly spread over the part of
 * [lowest, highest] the family reaches at n (a level-drawn family reaches any level). Each
 * level then trains the parameter nearest it, so the points follow the family's own range.
 */
export function curveTargets(choice: PatternChoice, n: number, curve: CurveSpec): number[] {
  const reached = reachableLevels(choice, n);
  const low = Math.max(curve.lowest, reached[0]);
  const high = Math.min(curve.highest, reached[reached.length - 1]);
  if (high < low) return [];
  if (curve.points === 1 || high === low) return [Number(low.toFixed(3))];
  return Array.from(
    { length: curve.points },
    (_, i) => Number((low + ((high - low) * i) / (curve.points - 1)).toFixed(3)),
  );
}

/**
 * The patterns a choice trains at one level and depth: its fixed parameters, the one parameter
 * nearest the level (a curve), or the admissible spread. A pattern drawn at a level draws afresh
 * for each of the `layers` layers when the budget says so.
 */
function patternsAt(
  choice: GridPattern,
  target: number | null,
  grid: Grid,
  seed: number,
  layers: number,
): ResolvedPattern[] {
  if (target === null) return [resolvePattern(choice, grid.n, undefined, seed, choice.parameters)];
  if (isDrawnAtLevel(choice)) {
    return canReach(choice, grid.n, target)
      ? [
        resolvePattern(
          choice,
          grid.n,
          target,
          seed,
          undefined,
          grid.randomDrawPerLayer ? layers : 1,
        ),
      ]
      : [];
  }
  if (grid.curve) {
    const nearest = nearestPattern(choice, grid.n, target, seed);
    return nearest ? [nearest] : [];
  }
  // every parameter admissible at the level, not only the nearest (see sweep_grid.ts)
  const admissible = admissiblePatterns(choice, grid.n, target, seed);
  return spreadOfAdmissible(admissible, target, grid.parametersPerLevel);
}

/** The levels a choice is trained at: none (fixed parameters), its curve's, or the plan's. */
function targetsOf(choice: GridPattern, grid: Grid): (number | null)[] {
  if (choice.pattern === "dense" || choice.parameters) return [null];
  return grid.curve ? curveTargets(choice, grid.n, grid.curve) : grid.levels;
}

/** Every run of the grid, and the pattern × level pairs it cannot reach. */
function enumerateRuns(grid: Grid): { runs: PlannedRun[]; unreachable: string[] } {
  const runs: PlannedRun[] = [];
  const unreachable: string[] = [];
  // a parameter nearest two levels of a curve is trained once, for the first
  const planned = new Set<string>();
  // seeds outermost: a sweep stopped part-way has every pattern at the first seeds
  for (const seed of grid.seeds) {
    for (const choice of grid.selected) {
      for (const target of targetsOf(choice, grid)) {
        for (const layers of grid.layerCounts) {
          const patterns = patternsAt(choice, target, grid, seed, layers);
          if (patterns.length === 0) {
            const pair = `${choiceLabel(choice)} @ ${target}`;
            if (seed === grid.seeds[0] && !unreachable.includes(pair)) unreachable.push(pair);
            continue;
          }
          for (const pattern of patterns) {
            const once = `${pattern.label}|${pattern.sparsity}|${layers}|${seed}`;
            if (planned.has(once)) continue;
            planned.add(once);
            const run = { pattern, sparsityTarget: target, layers, seed };
            runs.push({ ...run, runId: runIdOf(run) });
          }
        }
      }
    }
  }
  return { runs, unreachable };
}

/**
 * A name as a run id, a file or a folder may carry it: letters, digits, '-' and '_', at most
 * `maxLength` characters ("pattern" when nothing is left).
 */
export function fileSafeName(name: string, maxLength = 64): string {
  const safe = name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, maxLength);
  return safe === "" ? "pattern" : safe;
}

/**
 * The plan of a pattern file: the pattern at every depth and seed of the budget (or of the
 * selection), each run named `file-NAME-L<layers>-seed<seed>`.
 */
function planPatternFile(
  definition: ExperimentDefinition,
  options: SweepOptions & { patternFile: string },
): SweepPlan {
  const budget = definition.budgets[options.mode];
  const n = budget.size.n;
  const schedule = readPatternFile(options.patternFile, { parameter: "--pattern-file" });
  if (schedule.n !== n) {
    throw new InputError(
      "--pattern-file",
      options.patternFile,
      `its n = ${schedule.n}; the ${options.mode} plan of ${definition.name} trains at n = ${n}`,
    );
  }
  const pattern = resolveFilePattern(schedule.name, schedule);
  const name = fileSafeName(schedule.name);
  const runs: PlannedRun[] = [];
  for (const seed of options.seeds ?? budget.seeds) {
    for (const layers of options.layers ?? budget.layers) {
      const runId = `${FILE_PATTERN}-${name}-L${layers}-seed${seed}`;
      runs.push({ runId, pattern, sparsityTarget: null, layers, seed });
    }
  }
  const dir = options.resultsDir ?? `${ownPatternsRoot()}/${definition.name}/${name}`;
  return { definition, mode: options.mode, dir, runs, unreachable: [] };
}

/** Builds and validates the whole plan; throws an InputError on any bad option. */
export function planSweepOf(definition: ExperimentDefinition, options: SweepOptions): SweepPlan {
  if (options.patternFile !== undefined) {
    return planPatternFile(definition, { ...options, patternFile: options.patternFile });
  }
  const budget = definition.budgets[options.mode];
  const n = budget.size.n;
  const selected = selectPatterns(definition, options);
  requireLevels(options.sparsity ?? [], selected, n);
  const { runs, unreachable } = enumerateRuns({
    selected,
    levels: options.sparsity ?? budget.levels,
    layerCounts: options.layers ?? budget.layers,
    seeds: options.seeds ?? budget.seeds,
    n,
    parametersPerLevel: budget.parametersPerLevel ?? Infinity,
    // levels asked for on the command line are matched as the curve's own are
    curve: options.sparsity ? undefined : budget.curve,
    randomDrawPerLayer: budget.randomDrawPerLayer ?? false,
  });
  const dir = options.resultsDir ?? `${resultsRoot(options.mode)}/${definition.name}`;
  return { definition, mode: options.mode, dir, runs, unreachable };
}

/**
 * The sizes a plan's runs train at, as results record them (numbers and strings: a convergence
 * rule is recorded field by field).
 */
function modelOf(plan: SweepPlan): RunResult["model"] {
  const { convergence, ...size } = plan.definition.budgets[plan.mode].size;
  const rule: Record<string, number> = convergence
    ? {
      convergencePatience: convergence.patience,
      convergenceTolerance: convergence.tolerance,
      convergenceFloorSteps: convergence.floorSteps,
      convergenceCapSteps: convergence.capSteps,
      // the rate decays over the floor's steps, then holds (lib/train/tasks.ts trainLoop)
      convergenceDecaySteps: convergence.floorSteps,
    }
    : {};
  return { ...size, ...rule, impl: "sparse", norm: "pre" };
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

/** Proves the results folder writable and removes what interrupted writes left there. */
function prepareFolder(plan: SweepPlan, options: SweepOptions, log: (line: string) => void) {
  requireWritableFolder(options.resultsSetting ?? "resultsDir", plan.dir);
  const removed = sweepStaleTemporaries(plan.dir);
  if (removed.length > 0) {
    log(
      `removed ${removed.length} temporary file(s) an interrupted write left in ` +
        `${plan.dir}: ${removed.join(", ")}`,
    );
  }
  return removed;
}

/** The plan's runs that `runIds` names (every run without it); an InputError for an id not in it. */
export function selectedRuns(plan: SweepPlan, runIds?: readonly string[]): PlannedRun[] {
  if (!runIds) return plan.runs;
  const byId = new Map(plan.runs.map((run) => [run.runId, run]));
  return runIds.map((id) => {
    const run = byId.get(id);
    if (!run) {
      throw new InputError(
        "--run-id",
        id,
        `not in the ${plan.mode} plan of ${plan.definition.name} ` +
          `(${plan.runs.length} runs; --plan lists them)`,
      );
    }
    return run;
  });
}

/** Where a pattern file's sweep keeps the pattern its runs trained: a folder results skip. */
export function patternCopyPath(dir: string): string {
  return `${dir}/pattern/pattern.json`;
}

/** Copies the pattern a file's plan trains beside its results, so they say what they are. */
function keepPatternCopy(plan: SweepPlan): void {
  const [run] = plan.runs;
  if (!run) return;
  const path = patternCopyPath(plan.dir);
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  writeFileAtomicSync(path, `${JSON.stringify(scheduleToJson(run.pattern.schedule))}\n`);
}

/** The runs without a usable result, and the unusable files among them (to be redone). */
function pendingRuns(plan: SweepPlan, runs: readonly PlannedRun[] = plan.runs) {
  const model = modelOf(plan);
  const redone: { path: string; reason: string }[] = [];
  const pending = runs.filter((run) => {
    const status = resultStatus(plan.dir, run.runId, model);
    if (status.state === "corrupt") redone.push({ path: status.path, reason: status.reason });
    if (status.state === "other-sizes") {
      redone.push({ path: status.path, reason: "trained at other sizes" });
    }
    return status.state !== "done";
  });
  return { pending, redone };
}

/** Plans, skips finished runs, trains the rest and returns every result of the plan. */
export async function runSweepOf(
  definition: ExperimentDefinition,
  options: SweepOptions,
): Promise<SweepSummary> {
  const started = performance.now();
  const plan = planSweepOf(definition, options);
  const selected = selectedRuns(plan, options.runIds);
  const log = options.log ?? ((line: string) => console.error(line));
  const removedTemporaries = options.dryRun ? [] : prepareFolder(plan, options, log);
  if (!options.dryRun && options.patternFile !== undefined) keepPatternCopy(plan);
  const { pending, redone } = pendingRuns(plan, selected);
  if (!options.dryRun) {
    for (const { path, reason } of redone) {
      const why = reason === "trained at other sizes" ? reason : `corrupt (${reason})`;
      log(`${path} is ${why}; running it again`);
    }
  }
  const reused = selected.filter((run) => !pending.includes(run)).map((r) => r.runId);
  const outcome = options.dryRun || pending.length === 0
    ? { trained: [], reused: [], heldElsewhere: [] }
    : await trainPending(plan, options, pending, reused.length, log);
  const wanted = new Set(selected.map((r) => r.runId));
  const model = modelOf(plan);
  const results = readResults(plan.dir).results.filter((r) =>
    wanted.has(r.runId) && sameTraining(r, model)
  );
  return {
    dir: plan.dir,
    trained: outcome.trained,
    reused: [...reused, ...outcome.reused],
    heldElsewhere: outcome.heldElsewhere,
    unreachable: plan.unreachable,
    results,
    removedTemporaries,
    redone,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * Trains the pending runs, in this process or in `jobs` workers, under one progress display
 * that closes with what was trained and reused (`reusedBefore` found done before training).
 */
async function trainPending(
  plan: SweepPlan,
  options: SweepOptions,
  pending: PlannedRun[],
  reusedBefore: number,
  log: (line: string) => void,
): Promise<TrainOutcome> {
  const { definition, mode } = plan;
  const units = definition.steps(definition.budgets[mode].size);
  const jobs = Math.min(requireJobs(options.jobs ?? 1), pending.length);
  const progress = new Progress(
    `${definition.name} (${mode})`,
    units * pending.length,
    options.progress,
  );
  const outcome = jobs > 1
    ? await runParallel({
      runIds: pending.map((run) => run.runId),
      jobs,
      unitsPerRun: units,
      progress,
      log,
      dir: plan.dir,
      worker: {
        script: requireWorkerScript(options),
        args: [JSON.stringify(workerSpec(plan, options, pending))],
      },
      trainHere: (hooks) => trainRuns(plan, pending, hooks),
    })
    : await trainRuns(plan, pending, { progress, log });
  const held = outcome.heldElsewhere.length > 0
    ? `, ${outcome.heldElsewhere.length} held by another sweep`
    : "";
  const where = jobs > 1 ? ` in ${jobs} processes` : "";
  const reusedAll = reusedBefore + outcome.reused.length;
  await progress.finish(
    `${outcome.trained.length} runs trained${where}, ${reusedAll} reused${held}`,
  );
  return outcome;
}

/** The worker script a parallel sweep needs; a plain Error when the caller gave none. */
function requireWorkerScript(options: SweepOptions): string {
  if (options.workerScript === undefined) {
    throw new Error(
      "a parallel sweep needs options.workerScript (lib/experiments/sweep_worker.ts)",
    );
  }
  return options.workerScript;
}

/** What every worker of the sweep is told: the same selection, folder and pending runs. */
function workerSpec(plan: SweepPlan, options: SweepOptions, pending: PlannedRun[]): WorkerSpec {
  return {
    name: plan.definition.name,
    mode: options.mode,
    patterns: options.patterns,
    configurations: options.configurations,
    sparsity: options.sparsity,
    seeds: options.seeds,
    layers: options.layers,
    resultsDir: plan.dir,
    patternFile: options.patternFile,
    runIds: pending.map((run) => run.runId),
  };
}

/**
 * The run function: trains `runs` of `plan` one after another in this process, each under its
 * claim (claims.ts `tryUnderClaim`): a run another live process holds is left to it, a stale
 * claim is taken over (and said so on `log`), a run whose result appeared meanwhile is reused.
 */
export async function trainRuns(
  plan: SweepPlan,
  runs: PlannedRun[],
  hooks: TrainHooks,
): Promise<TrainOutcome> {
  const { definition, dir } = plan;
  const model = modelOf(plan);
  const outcome: TrainOutcome = { trained: [], reused: [], heldElsewhere: [] };
  await initTf();
  const version = codeVersion();
  const units = definition.steps(definition.budgets[plan.mode].size);
  for (const [index, run] of runs.entries()) {
    hooks.progress.startRun(`run ${index + 1}/${runs.length} ${run.runId}`, units);
    const end = await tryUnderClaim(dir, run.runId, {
      isDone: () => hasResult(dir, run.runId, model),
      train: () => trainOne(plan, run, hooks, version),
      log: hooks.log,
      keepClaimsOf: hooks.keepClaimsOf,
    });
    if (end !== "trained") {
      hooks.progress.endRun();
      hooks.onRun?.(run.runId, end);
    }
    outcome[end === "held" ? "heldElsewhere" : end].push(run.runId);
  }
  return outcome;
}

/** Trains one run (its claim held) and writes its result. */
async function trainOne(plan: SweepPlan, run: PlannedRun, hooks: TrainHooks, version: string) {
  hooks.onRun?.(run.runId, "start");
  const started = performance.now();
  const outcome = await plan.definition.run({
    pattern: run.pattern,
    layers: run.layers,
    seed: run.seed,
    size: plan.definition.budgets[plan.mode].size,
    progress: hooks.progress,
    keepBest: keeperFor(plan, run.runId),
  });
  hooks.progress.endRun();
  const wallSeconds = (performance.now() - started) / 1000;
  writeResultOrExplain(plan.dir, resultOf(plan, run, outcome, wallSeconds, version));
  hooks.onRun?.(run.runId, "trained");
}

/** The result file of a trained run. */
function resultOf(
  plan: SweepPlan,
  run: PlannedRun,
  outcome: TaskOutcome,
  wallSeconds: number,
  version: string,
): RunResult {
  const { pattern } = run;
  const rule = plan.definition.budgets[plan.mode].size.convergence;
  return {
    schema: RESULTS_SCHEMA,
    experiment: plan.definition.name,
    mode: plan.mode,
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
    model: modelOf(plan),
    metricName: outcome.metricName,
    curve: outcome.curve,
    final: outcome.final,
    ...(rule ? { training: trainingLengthOf(outcome.curve, rule) } : {}),
    wallSeconds,
    codeVersion: version,
    dataChecksum: outcome.dataChecksum,
    finishedAt: new Date().toISOString(),
  };
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
  /** The plan the results were checked against. */
  plan: SweepPlan;
  dir: string;
  /** Usable results of the plan. */
  results: RunResult[];
  /** Run ids of the plan with no usable result yet. */
  missing: string[];
  /** Files reported corrupt and left out. */
  skipped: { path: string; reason: string }[];
  complete: boolean;
}

/** The results in `dir` against `plan`: what is in (trained at the plan's sizes), what is not. */
function statusAgainst(plan: SweepPlan, dir: string): CommittedStatus {
  const { results, skipped } = readResults(dir, { quiet: true }); // callers report `skipped`
  const wanted = new Set(plan.runs.map((r) => r.runId));
  const model = modelOf(plan);
  const usable = results.filter((r) =>
    wanted.has(r.runId) && r.mode === plan.mode && sameTraining(r, model)
  );
  const present = new Set(usable.map((r) => r.runId));
  const missing = plan.runs.map((r) => r.runId).filter((id) => !present.has(id));
  return { plan, dir, results: usable, missing, skipped, complete: missing.length === 0 };
}

/**
 * The usable results in `dir` trained at the sizes of the experiment's `mode` plan, whatever
 * their run ids (a pattern file's runs are in no plan of the lab's); corrupt files left out.
 */
export function resultsAtPlanSizes(
  definition: ExperimentDefinition,
  mode: RunMode,
  dir: string,
): RunResult[] {
  const model = modelOf(planSweepOf(definition, { mode }));
  return readResults(dir, { quiet: true }).results.filter((r) =>
    r.mode === mode && r.experiment === definition.name && sameTraining(r, model)
  );
}

/** The committed results folder of an experiment, or the folder its quick sweep writes to. */
export function defaultResultsDir(definition: ExperimentDefinition, mode: RunMode): string {
  return mode === "full" ? committedDir(definition) : `${resultsRoot("quick")}/${definition.name}`;
}

/** The committed full results of an experiment against its full plan: what is in, what is not. */
export function committedStatusOf(definition: ExperimentDefinition): CommittedStatus {
  return statusAgainst(planSweepOf(definition, { mode: "full" }), committedDir(definition));
}

/**
 * A sweep's results folder (RESULTS_DIR's or the mode's) against its plan under `options`:
 * what a scheduler's runs have finished, and what is still to train.
 */
export function sweepStatusOf(
  definition: ExperimentDefinition,
  options: SweepOptions,
): CommittedStatus {
  const plan = planSweepOf(definition, options);
  return statusAgainst(plan, plan.dir);
}
