/**
 * Which attention patterns an experiment compares, and how a sparsity level is matched.
 *
 * Sparsity of a configuration = 1 − (mean connections per attention head and layer) / n²:
 * SEQUENTIAL (the family's two patterns cycled over layers, p = 2) and MULTIHEAD (half the heads
 * on each pattern) average the two patterns; UNION (one pattern holding both) counts the union.
 * A level is matched by scanning the pattern's own parameter (stride or block size c, the window
 * of STAR's satellites, the window w) and taking the value whose achieved sparsity is nearest;
 * RANDOM hits any level exactly. The achieved sparsity, not the target, is what results record.
 */
import {
  analyzeAssumption1,
  dense,
  fixed,
  random,
  Schedule,
  sequential,
  star,
  strided,
  union,
  unionOf,
  window,
} from "../pattern/mod.ts";
import { InputError } from "../util/errors.ts";

export const PATTERNS = ["dense", "strided", "fixed", "star", "random", "window"] as const;
export type PatternName = typeof PATTERNS[number];
export const CONFIGURATIONS = ["single", "sequential", "union", "multihead"] as const;
export type Configuration = typeof CONFIGURATIONS[number];

/** Patterns made of two factorized patterns, which the paper combines in three ways. */
const TWO_PATTERN_FAMILIES: readonly PatternName[] = ["strided", "fixed"];

/** How far (in sparsity) the nearest achievable level may be from the requested one. */
export const SPARSITY_TOLERANCE = 0.05;

export interface PatternChoice {
  pattern: PatternName;
  configuration: Configuration;
}

export interface ResolvedPattern extends PatternChoice {
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
  const twoPatterns = TWO_PATTERN_FAMILIES.includes(pattern as PatternName);
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

function configured(family: Schedule, configuration: Configuration): Schedule {
  if (configuration === "union") return union(family);
  return configuration === "sequential" ? sequential(family) : family;
}

function meanConnections(schedule: Schedule): number {
  const counts = schedule.connections;
  return counts.reduce((a, b) => a + b, 0) / counts.length;
}

interface Candidate {
  schedule: Schedule;
  parameters: Record<string, number>;
}

/** Every schedule the pattern's parameter can give at length n (RANDOM is handled apart). */
function candidates(choice: PatternChoice, n: number): Candidate[] {
  const range = (from: number, to: number) =>
    Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  switch (choice.pattern) {
    case "dense":
      return [{ schedule: dense({ n }), parameters: {} }];
    case "strided":
      // c = 1 is left out: its stride pattern (k − j) mod 1 = 0 is dense attention
      return range(2, Math.max(2, Math.floor(n / 2))).map((c) => ({
        schedule: configured(strided({ n, c }), choice.configuration),
        parameters: { c },
      }));
    case "fixed":
      // c must divide n, or the last block has no summary cell and Assumption 1 fails; c = n
      // is left out: one block holding the whole sequence is dense attention
      return range(2, Math.max(2, n - 1)).filter((c) => n % c === 0).map((c) => ({
        schedule: configured(fixed({ n, c }), choice.configuration),
        parameters: { c },
      }));
    case "star":
      // w = 1 is the Star-Transformer; wider satellite windows give lower sparsity levels
      return range(1, n).map((w) => ({
        schedule: w === 1 ? star({ n }) : new Schedule(`star(w=${w})`, [
          unionOf([...star({ n }).patterns, ...window({ n, w }).patterns], `star(w=${w})`),
        ]),
        parameters: { w },
      }));
    case "window":
      return range(1, n - 1).map((w) => ({ schedule: window({ n, w }), parameters: { w } }));
    case "random":
      return [];
  }
}

function sparsityOf(schedule: Schedule): number {
  return 1 - meanConnections(schedule) / schedule.n ** 2;
}

/** The distinct sparsity levels the pattern reaches at n, rounded to 3 decimals, ascending. */
export function reachableLevels(choice: PatternChoice, n: number): number[] {
  if (choice.pattern === "random") return [0, Number((1 - 1 / n).toFixed(3))];
  const levels = candidates(choice, n).map((c) => Number(sparsityOf(c.schedule).toFixed(3)));
  return [...new Set(levels)].sort((a, b) => a - b);
}

function describeLevels(choice: PatternChoice, n: number): string {
  if (choice.pattern === "random") return `any level in [0, ${(1 - 1 / n).toFixed(3)}]`;
  return reachableLevels(choice, n).join(", ");
}

function resolved(choice: PatternChoice, n: number, candidate: Candidate): ResolvedPattern {
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
    sparsity: sparsityOf(schedule),
    connections: meanConnections(schedule),
    mixingDepth,
    label: `${choiceLabel(choice)}${shown ? ` (${shown})` : ""}`,
  };
}

/**
 * The pattern at the achievable level nearest `target`, or with the explicit `parameters`
 * (e.g. {w: 3}). `seed` draws RANDOM's pairs. An unreachable level throws, listing the levels
 * the pattern can reach at n.
 */
export function resolvePattern(
  choice: PatternChoice,
  n: number,
  target: number | undefined,
  seed = 0,
  parameters?: Record<string, number>,
): ResolvedPattern {
  if (choice.pattern === "random") {
    if (target === undefined) throw new InputError("--sparsity", target, "RANDOM needs a level");
    if (!(target >= 0 && target <= 1 - 1 / n)) {
      throw new InputError(
        "--sparsity",
        target,
        `random at n=${n} reaches ${describeLevels(choice, n)}`,
      );
    }
    return resolved(choice, n, { schedule: random({ n, sparsity: target, seed }), parameters: {} });
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
    const gap = Math.abs(sparsityOf(candidate.schedule) - target);
    if (gap < Math.abs(sparsityOf(best.schedule) - target) - 1e-12) best = candidate;
  }
  if (Math.abs(sparsityOf(best.schedule) - target) > SPARSITY_TOLERANCE) {
    throw new InputError(
      "--sparsity",
      target,
      `${choiceLabel(choice)} at n=${n} cannot reach it (within ±${SPARSITY_TOLERANCE}); ` +
        `it reaches ${describeLevels(choice, n)}`,
    );
  }
  return resolved(choice, n, best);
}

/** True when `target` is within tolerance of a level the pattern reaches at n. */
export function canReach(choice: PatternChoice, n: number, target: number): boolean {
  if (choice.pattern === "random") return target >= 0 && target <= 1 - 1 / n;
  return reachableLevels(choice, n).some((level) => Math.abs(level - target) <= SPARSITY_TOLERANCE);
}
