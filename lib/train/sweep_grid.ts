/**
 * Which attention patterns an experiment compares, and how a sparsity level is matched.
 *
 * Sparsity of a configuration = 1 − (mean connections per attention head and layer) / n²:
 * SEQUENTIAL (the family's two patterns cycled over layers, p = 2) and MULTIHEAD (half the heads
 * on each pattern) average the two patterns; UNION (one pattern holding both) counts the union.
 * A level is matched by scanning the pattern's own parameter (stride or block size c, the window
 * half-width w) and taking the value whose achieved sparsity is nearest; RANDOM hits any level
 * exactly. The achieved sparsity, not the target, is what results record.
 *
 * Every schedule is built from a zoo entry (lib/pattern/zoo.ts), named by SWEEP_PATTERNS. The
 * series the results files call "star" is the zoo's `window-relay`: a window of half-width w
 * plus one relay token. At w = 1 it is exactly the Star-Transformer (the paper's STAR, the
 * zoo's `star`); wider windows reach the lower sparsity levels the experiments ask for, which
 * the Star-Transformer alone (about 5n connections) cannot.
 */
import { analyzeAssumption1, Schedule, sequential, union } from "../pattern/mod.ts";
import { requireZooEntry } from "../pattern/zoo.ts";
import { InputError } from "../util/errors.ts";

export const PATTERNS = ["dense", "strided", "fixed", "star", "random", "window"] as const;
export type PatternName = typeof PATTERNS[number];

/**
 * The zoo entry each experiment series is built from, and what a notebook may say of it. The
 * series label stays the one the results files use; "star" is the window-relay variant.
 */
export const SWEEP_PATTERNS: Readonly<
  Record<PatternName, { zoo: string; description: string }>
> = Object.freeze({
  dense: { zoo: "dense", description: "dense attention" },
  strided: { zoo: "strided", description: "Child et al. strided, bidirectional (p = 2)" },
  fixed: { zoo: "fixed", description: "Child et al. fixed, bidirectional (p = 2)" },
  star: {
    zoo: "window-relay",
    description:
      "STAR, widened: window half-width w plus relay token n−1 (w = 1: Star-Transformer)",
  },
  random: { zoo: "random", description: "self-loops plus uniformly random pairs (seeded)" },
  window: { zoo: "window", description: "sliding window |j − k| ≤ w" },
});

/** Builds the zoo entry behind an experiment series with these parameters. */
function fromZoo(pattern: PatternName, params: Record<string, number>): Schedule {
  return requireZooEntry(SWEEP_PATTERNS[pattern].zoo).build(params);
}
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
      return [{ schedule: fromZoo("dense", { n }), parameters: {} }];
    case "strided":
      // c = 1 is left out: its stride pattern (k − j) mod 1 = 0 is dense attention
      return range(2, Math.max(2, Math.floor(n / 2))).map((c) => ({
        schedule: configured(fromZoo("strided", { n, c }), choice.configuration),
        parameters: { c },
      }));
    case "fixed":
      // c must divide n, or the last block has no summary cell and Assumption 1 fails; c = n
      // is left out: one block holding the whole sequence is dense attention
      return range(2, Math.max(2, n - 1)).filter((c) => n % c === 0).map((c) => ({
        schedule: configured(fromZoo("fixed", { n, c, summary: 1 }), choice.configuration),
        parameters: { c },
      }));
    case "star":
      // the window-relay variant: w = 1 is the Star-Transformer, wider windows give lower
      // sparsity levels. Schedule names stay those of the committed results ("star" at w = 1,
      // "star(w=…)" above), so a rerun writes the same patternName.
      return range(1, n).map((w) => {
        const built = fromZoo("star", { n, w });
        const name = w === 1 ? "star" : `star(w=${w})`;
        return { schedule: new Schedule(name, built.patterns), parameters: { w } };
      });
    case "window":
      return range(1, n - 1).map((w) => ({
        schedule: fromZoo("window", { n, w }),
        parameters: { w },
      }));
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
    description: SWEEP_PATTERNS[choice.pattern].description,
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
    return resolved(choice, n, {
      schedule: fromZoo("random", { n, sparsity: target, seed }),
      parameters: {},
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
