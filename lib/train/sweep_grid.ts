/**
 * Which attention patterns an experiment compares, and how a sparsity level is matched.
 *
 * Sparsity of a configuration = 1 − (mean connections per attention head and layer) / n²:
 * SEQUENTIAL (the family's two patterns cycled over layers, p = 2) and MULTIHEAD (half the heads
 * on each pattern) average the two patterns; UNION (one pattern holding both) counts the union.
 * A level admits every parameter of the pattern (stride or block size c, FIXED's summary cells
 * c′, the window half-width w) whose achieved sparsity is within ±SPARSITY_TOLERANCE of it, and a
 * sweep trains each of them: which parameter a level happens to pick decides outcomes (a block
 * that coincides with a task's halves, a stride that divides its offset), so none is singled out.
 * RANDOM hits any level exactly. The achieved sparsity, not the target, is what results record.
 *
 * Every schedule is built from a zoo entry (lib/pattern/zoo.ts), named by SWEEP_PATTERNS, at
 * the parameters its family declares for length n (its parameter space). "star" is the
 * Star-Transformer (the paper's STAR) at its own sparsity, about 5n connections; "window-relay"
 * is a widened variant (window half-width w plus the relay token) that reaches the lower levels
 * STAR itself cannot, a pattern of the lab's own, never called STAR.
 */
import { analyzeAssumption1, Schedule, sequential, union } from "../pattern/mod.ts";
import { type ParameterSpace, requireZooEntry, type ZooEntry } from "../pattern/zoo.ts";
import { InputError } from "../util/errors.ts";

export const PATTERNS = [
  "dense",
  "strided",
  "fixed",
  "star",
  "causal-star",
  "window-relay",
  "random",
  "window",
  "no-mixing-baseline",
] as const;
export type PatternName = typeof PATTERNS[number];

/** The zoo entry each experiment series is built from, and what a notebook may say of it. */
export const SWEEP_PATTERNS: Readonly<
  Record<PatternName, { zoo: string; description: string }>
> = Object.freeze({
  dense: { zoo: "dense", description: "dense attention" },
  strided: { zoo: "strided", description: "Child et al. strided, bidirectional (p = 2)" },
  fixed: { zoo: "fixed", description: "Child et al. fixed, bidirectional (p = 2)" },
  star: { zoo: "star", description: "Star-Transformer: neighbours k−1, k, k+1 and relay n−1" },
  "causal-star": {
    zoo: "causal-star",
    description: "STAR for causal models (the lab's reconstruction): relay at token 0, which " +
      "every row of a causal mask keeps",
  },
  "window-relay": {
    zoo: "window-relay",
    description: "the lab's widened STAR: window half-width w plus relay n−1 (not the paper's)",
  },
  random: { zoo: "random", description: "self-loops plus uniformly random pairs (seeded)" },
  window: { zoo: "window", description: "sliding window |j − k| ≤ w" },
  "no-mixing-baseline": {
    zoo: "self-only",
    description: "each token attends only to itself: the baseline of what mixing buys",
  },
});

/** The zoo entry an experiment series is built from. */
function zooEntryOf(pattern: PatternName): ZooEntry {
  return requireZooEntry(SWEEP_PATTERNS[pattern].zoo);
}

/** Builds the zoo entry behind an experiment series with these parameters. */
function fromZoo(pattern: PatternName, params: Record<string, number>): Schedule {
  return zooEntryOf(pattern).build(params);
}

/** The values the series' parameters may take at n, as its zoo entry declares them. */
function parameterSpaceOf(pattern: PatternName, n: number): ParameterSpace {
  const entry = zooEntryOf(pattern);
  if (!entry.parameterSpace) {
    throw new Error(`zoo entry "${entry.name}" declares no parameter space to sweep`);
  }
  return entry.parameterSpace(n);
}
export const CONFIGURATIONS = ["single", "sequential", "union", "multihead"] as const;
export type Configuration = typeof CONFIGURATIONS[number];

/** How far (in sparsity) an admissible parameter's achieved level may be from the target. */
export const SPARSITY_TOLERANCE = 0.02;

export interface PatternChoice {
  pattern: PatternName;
  configuration: Configuration;
}

/**
 * The series of a pattern read from a file (`--pattern-file`): trained on an experiment's plan
 * beside the committed families and compared with them, never one of the families.
 */
export const FILE_PATTERN = "file";

export interface ResolvedPattern extends Omit<PatternChoice, "pattern"> {
  pattern: PatternName | typeof FILE_PATTERN;
  n: number;
  schedule: Schedule;
  /** "layers": the schedule's patterns cycle over layers; "heads": over heads (MULTIHEAD). */
  patternMode: "layers" | "heads";
  /** The pattern's own parameter that set the level (c, w), empty when it has none. */
  parameters: Record<string, number>;
  /** Exact achieved sparsity. */
  sparsity: number;
  /** Mean connections per head and layer. */
  connections: number;
  /** Assumption 1's mixing depth s of the schedule as layers use it (null: none). */
  mixingDepth: number | null;
  label: string;
  /** What the series is, from SWEEP_PATTERNS (for STAR: that it is the window-relay variant). */
  description: string;
}

export function choiceLabel(choice: { pattern: string; configuration: string }): string {
  return choice.configuration === "single"
    ? choice.pattern
    : `${choice.pattern} ${choice.configuration}`;
}

/** Throws unless the pattern and configuration exist and fit together. */
export function requireChoice(pattern: string, configuration: string): PatternChoice {
  if (!(PATTERNS as readonly string[]).includes(pattern)) {
    throw new InputError("--pattern", pattern, `unknown pattern; known: ${PATTERNS.join(", ")}`);
  }
  if (!(CONFIGURATIONS as readonly string[]).includes(configuration)) {
    throw new InputError(
      "--configuration",
      configuration,
      `unknown configuration; known: ${CONFIGURATIONS.join(", ")}`,
    );
  }
  // a two-pattern family (p = 2) is what the paper combines in three ways
  const twoPatterns = zooEntryOf(pattern as PatternName).numPatterns === 2;
  if (twoPatterns === (configuration === "single")) {
    throw new InputError(
      "--configuration",
      configuration,
      twoPatterns
        ? `pattern "${pattern}" has two patterns: use sequential, union or multihead`
        : `pattern "${pattern}" has one pattern: its only configuration is single`,
    );
  }
  return { pattern: pattern as PatternName, configuration: configuration as Configuration };
}

/** A two-pattern family combined as the configuration says; one pattern is used as it is. */
function configured(family: Schedule, configuration: Configuration): Schedule {
  if (family.numPatterns === 1) return family;
  if (configuration === "union") return union(family);
  return configuration === "sequential" ? sequential(family) : family;
}

interface Candidate {
  schedule: Schedule;
  parameters: Record<string, number>;
}

/**
 * Candidates and resolved patterns are pure functions of (pattern, configuration, n[,
 * parameters]), and a plan asks for the same ones once per seed and level: building every stride
 * and window at n = 128 and analysing each took seconds per plan, so both are kept.
 */
const candidateCache = new Map<string, Candidate[]>();
const resolvedCache = new Map<string, ResolvedPattern>();

/**
 * Every schedule the pattern's parameters can give at length n, in the order of its parameter
 * space; none when the space is a level (RANDOM), which is built at the level asked for.
 */
function candidates(choice: PatternChoice, n: number): Candidate[] {
  const key = `${choice.pattern}|${choice.configuration}|${n}`;
  let found = candidateCache.get(key);
  if (found === undefined) {
    found = buildCandidates(choice, n);
    candidateCache.set(key, found);
  }
  return found;
}

function buildCandidates(choice: PatternChoice, n: number): Candidate[] {
  const space = parameterSpaceOf(choice.pattern, n);
  if (space.kind === "level") return [];
  return space.settings.map((parameters) => ({
    schedule: configured(fromZoo(choice.pattern, { n, ...parameters }), choice.configuration),
    parameters,
  }));
}

/** The distinct sparsity levels the pattern reaches at n, rounded to 3 decimals, ascending. */
export function reachableLevels(choice: PatternChoice, n: number): number[] {
  const space = parameterSpaceOf(choice.pattern, n);
  if (space.kind === "level") return [space.min, Number(space.max.toFixed(3))];
  const levels = candidates(choice, n).map((c) => Number(c.schedule.sparsity.toFixed(3)));
  return [...new Set(levels)].sort((a, b) => a - b);
}

/** One parameter setting a pattern sweeps, with the exact sparsity it achieves. */
export interface SparsityPoint {
  parameters: Record<string, number>;
  sparsity: number;
}

/**
 * How a parametrised pattern's sparsity moves along its parameter space at n: every setting in
 * the order the space declares, the first and last of them, and the sparsest. Sparsity need not
 * be monotone in the parameter (STRIDED is sparsest at a middle stride), which is why one family
 * can reach one level through two different parameters.
 */
export function sparsityProfile(choice: PatternChoice, n: number): {
  points: SparsityPoint[];
  first: SparsityPoint;
  last: SparsityPoint;
  sparsest: SparsityPoint;
} {
  const space = parameterSpaceOf(choice.pattern, n);
  if (space.kind === "level") {
    throw new InputError("pattern", choice.pattern, "a profile needs a parametrised pattern");
  }
  const points = candidates(choice, n).map((c) => ({
    parameters: c.parameters,
    sparsity: c.schedule.sparsity,
  }));
  const sparsest = points.reduce((best, point) => point.sparsity > best.sparsity ? point : best);
  return { points, first: points[0], last: points[points.length - 1], sparsest };
}

function describeLevels(choice: PatternChoice, n: number): string {
  const space = parameterSpaceOf(choice.pattern, n);
  if (space.kind === "level") return `any level in [${space.min}, ${space.max.toFixed(3)}]`;
  return reachableLevels(choice, n).join(", ");
}

function resolved(choice: PatternChoice, n: number, candidate: Candidate): ResolvedPattern {
  const key = `${choice.pattern}|${choice.configuration}|${n}|` +
    JSON.stringify(candidate.parameters);
  let found = resolvedCache.get(key);
  if (found === undefined) {
    found = resolveCandidate(choice, n, candidate);
    resolvedCache.set(key, found);
  }
  return found;
}

function resolveCandidate(
  choice: PatternChoice,
  n: number,
  candidate: Candidate,
): ResolvedPattern {
  const { schedule, parameters } = candidate;
  const mixingDepth = choice.configuration === "multihead"
    ? analyzeAssumption1(union(schedule)).reach.mixingDepth // every layer sees both patterns
    : analyzeAssumption1(schedule).reach.mixingDepth;
  const shown = Object.entries(parameters).map(([k, v]) => `${k}=${v}`).join(", ");
  return {
    ...choice,
    n,
    schedule,
    patternMode: choice.configuration === "multihead" ? "heads" : "layers",
    parameters,
    sparsity: schedule.sparsity,
    connections: schedule.connectionsPerLayer,
    mixingDepth,
    label: `${choiceLabel(choice)}${shown ? ` (${shown})` : ""}`,
    description: SWEEP_PATTERNS[choice.pattern].description,
  };
}

/**
 * A pattern read from a file as a series of its own (`FILE_PATTERN`, configuration "single"):
 * its schedule's patterns cycle over layers as any schedule's do; its sparsity, connections and
 * mixing depth are computed exactly from the schedule.
 */
export function resolveFilePattern(name: string, schedule: Schedule): ResolvedPattern {
  const mixingDepth = analyzeAssumption1(schedule).reach.mixingDepth;
  return {
    pattern: FILE_PATTERN,
    configuration: "single",
    n: schedule.n,
    schedule,
    patternMode: "layers",
    parameters: {},
    sparsity: schedule.sparsity,
    connections: schedule.connectionsPerLayer,
    mixingDepth,
    label: `${FILE_PATTERN} ${name}`,
    description: `a pattern read from a file (${name}), p = ${schedule.patterns.length}`,
  };
}

/**
 * The pattern at the achievable level nearest `target`, or with the explicit `parameters`
 * (e.g. {w: 3}). `seed` draws RANDOM's pairs; `draws` > 1 draws that many independent patterns
 * of a level-drawn family (RANDOM), cycled over layers, so that a fresh draw serves each layer.
 * An unreachable level throws, listing the levels the pattern can reach at n.
 */
export function resolvePattern(
  choice: PatternChoice,
  n: number,
  target: number | undefined,
  seed = 0,
  parameters?: Record<string, number>,
  draws = 1,
): ResolvedPattern {
  const space = parameterSpaceOf(choice.pattern, n);
  if (space.kind === "level") {
    const { pattern } = choice;
    if (target === undefined) {
      throw new InputError("--sparsity", target, `${pattern.toUpperCase()} needs a level`);
    }
    if (!(target >= space.min && target <= space.max)) {
      throw new InputError(
        "--sparsity",
        target,
        `${pattern} at n=${n} reaches ${describeLevels(choice, n)}`,
      );
    }
    const drawn = {
      n,
      [space.parameter]: target,
      [space.seedParameter]: seed,
      ...(draws > 1 ? { draws } : {}),
    };
    // built afresh, not cached: the schedule depends on the level and seed, no key holds them
    return resolveCandidate(choice, n, {
      schedule: fromZoo(pattern, drawn),
      parameters: draws > 1 ? { draws } : {},
    });
  }
  const all = candidates(choice, n);
  if (parameters) {
    const wanted = JSON.stringify(parameters);
    const found = all.find((c) => JSON.stringify(c.parameters) === wanted);
    if (!found) throw new InputError(`${choice.pattern} parameters`, parameters, "not available");
    return resolved(choice, n, found);
  }
  if (target === undefined) return resolved(choice, n, all[0]);
  let best = all[0];
  for (const candidate of all) {
    const gap = Math.abs(candidate.schedule.sparsity - target);
    if (gap < Math.abs(best.schedule.sparsity - target) - 1e-12) best = candidate;
  }
  if (Math.abs(best.schedule.sparsity - target) > SPARSITY_TOLERANCE) {
    throw new InputError(
      "--sparsity",
      target,
      `${choiceLabel(choice)} at n=${n} cannot reach it (within ±${SPARSITY_TOLERANCE}); ` +
        `it reaches ${describeLevels(choice, n)}`,
    );
  }
  return resolved(choice, n, best);
}

/**
 * Every parameter of the pattern whose achieved sparsity is within ±SPARSITY_TOLERANCE of
 * `target`, in the order of its parameters (RANDOM: the one schedule at exactly the level).
 * Empty when the pattern cannot reach the level at n.
 */
export function admissiblePatterns(
  choice: PatternChoice,
  n: number,
  target: number,
  seed = 0,
): ResolvedPattern[] {
  if (parameterSpaceOf(choice.pattern, n).kind === "level") {
    return canReach(choice, n, target) ? [resolvePattern(choice, n, target, seed)] : [];
  }
  return candidates(choice, n)
    .filter((c) => Math.abs(c.schedule.sparsity - target) <= SPARSITY_TOLERANCE + 1e-12)
    .map((c) => resolved(choice, n, c));
}

/**
 * The admissible parameters a sweep trains when there are more than `most`: the first and the
 * last in parameter order (the geometric extremes: the smallest and the largest block or stride)
 * and, between them, those nearest the level. At n = 128 and level 0.8, STRIDED admits c = 3
 * and c = 22…28; the seven large strides share one reach structure, so training all of them
 * would spend most of a sweep on near-copies.
 */
export function spreadOfAdmissible(
  admissible: readonly ResolvedPattern[],
  target: number,
  most: number,
): ResolvedPattern[] {
  if (admissible.length <= most) return [...admissible];
  if (most < 2) throw new InputError("most", most, "expected at least 2 (both extremes)");
  const ends = [admissible[0], admissible[admissible.length - 1]];
  const middle = admissible.slice(1, -1)
    .map((pattern, index) => ({ pattern, index, gap: Math.abs(pattern.sparsity - target) }))
    .sort((a, b) => a.gap - b.gap || a.index - b.index)
    .slice(0, most - 2)
    .sort((a, b) => a.index - b.index)
    .map((m) => m.pattern);
  return [ends[0], ...middle, ends[1]];
}

/**
 * How far (in sparsity) the parameter a curve trains for a level may lie from it: half the
 * spacing of the curves' levels, so that every level a family reaches gives it a point.
 */
export const CURVE_TOLERANCE = 0.05;

/**
 * The one parameter of the pattern whose achieved sparsity is nearest `target`, within
 * ±CURVE_TOLERANCE (ties: the first in parameter order); undefined when none is that near. A
 * level-drawn pattern (RANDOM) is drawn at exactly the level, with `draws` draws.
 */
export function nearestPattern(
  choice: PatternChoice,
  n: number,
  target: number,
  seed = 0,
  draws = 1,
): ResolvedPattern | undefined {
  const space = parameterSpaceOf(choice.pattern, n);
  if (space.kind === "level") {
    return target >= space.min && target <= space.max
      ? resolvePattern(choice, n, target, seed, undefined, draws)
      : undefined;
  }
  let best: Candidate | undefined;
  let bestGap = Infinity;
  for (const candidate of candidates(choice, n)) {
    const gap = Math.abs(candidate.schedule.sparsity - target);
    if (gap < bestGap - 1e-12) [best, bestGap] = [candidate, gap];
  }
  return best && bestGap <= CURVE_TOLERANCE + 1e-12 ? resolved(choice, n, best) : undefined;
}

/** True when `target` is within tolerance of a level the pattern reaches at n. */
export function canReach(choice: PatternChoice, n: number, target: number): boolean {
  const space = parameterSpaceOf(choice.pattern, n);
  if (space.kind === "level") return target >= space.min && target <= space.max;
  return reachableLevels(choice, n).some((level) => Math.abs(level - target) <= SPARSITY_TOLERANCE);
}

/**
 * The zoo entry and parameters that rebuild the pattern at any length (a saved model records
 * them, so it can be exported and served at another n): SEQUENTIAL and UNION through the zoo's
 * `sequential` and `union` entries, MULTIHEAD as the family itself (the model's patternMode
 * "heads" spreads it over heads). A pattern drawn at a level (RANDOM) depends on its level and
 * seed, which a resolved pattern does not carry, so it has none; nor does a pattern read from a
 * file, which exists at its own n only.
 */
export function patternSpecOf(
  pattern: ResolvedPattern,
): { name: string; params: Record<string, number | string> } | undefined {
  if (pattern.pattern === FILE_PATTERN) return undefined;
  if (parameterSpaceOf(pattern.pattern, pattern.n).kind === "level") return undefined;
  const { zoo } = SWEEP_PATTERNS[pattern.pattern];
  if (pattern.configuration === "sequential" || pattern.configuration === "union") {
    return { name: pattern.configuration, params: { of: zoo, ...pattern.parameters } };
  }
  return { name: zoo, params: { ...pattern.parameters } };
}
