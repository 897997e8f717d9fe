/**
 * Assumption 1 of Yun et al. (2020) for any schedule of p patterns:
 *   (1) self-loops: k ∈ A_k^ℓ for every token k and pattern ℓ;
 *   (2) a Hamiltonian path in the union graph: a permutation γ with γ(i) ∈ ∪_ℓ A_{γ(i+1)}^ℓ
 *       (each next token on the path attends to its predecessor);
 *   (3) finite mixing depth: S_k^1 = A_k^1, S_k^t = ∪_{j ∈ A_k^{ℓ(t)}} S_j^{t−1} with the
 *       patterns cycled, and s = min{t : S_k^t = [n] for all k} exists.
 * Every verdict carries its evidence: the tokens lacking a self-loop, the path as a witness,
 * the reach-set sizes layer by layer and, when s does not exist, the tokens never reached.
 */
import { InputError } from "../util/errors.ts";
import { printable } from "../util/text.ts";
import { asSchedule, type PatternLike, type Schedule } from "./pattern.ts";
import { findHamiltonianPath, type HamiltonianPathReport } from "./hamiltonian_path.ts";
import { type ReachOptions, type ReachReport, validateReachOptions } from "./reach_report.ts";
import { reachSets } from "./reach_sets.ts";

// ---------------------------------------------------------------------------------------------
// (1) Self-loops

export interface SelfLoopReport {
  holds: boolean;
  /** Per pattern ℓ (0-indexed), the tokens k with k ∉ A_k^ℓ (only patterns that miss some). */
  missing: { pattern: number; tokens: number[] }[];
}

export function checkSelfLoops(pattern: PatternLike): SelfLoopReport {
  const missing = asSchedule(pattern).patterns
    .map((p, index) => ({ pattern: index, tokens: p.tokensWithoutSelfLoop() }))
    .filter((entry) => entry.tokens.length > 0);
  return { holds: missing.length === 0, missing };
}

// ---------------------------------------------------------------------------------------------
// The verdict

export interface Assumption1Verdict {
  name: string;
  n: number;
  numPatterns: number;
  connections: number[];
  sparsity: number[];
  selfLoops: SelfLoopReport;
  hamiltonianPath: HamiltonianPathReport;
  reach: ReachReport;
  /** true / false when decided; null only when some condition is "unknown". */
  satisfied: boolean | null;
  /** One line per failed or undecided condition. */
  reasons: string[];
}

/**
 * Runs all three checks and returns the verdict as plain data (lib/plot's `verdictTable`
 * shows it as a table).
 */
export function analyzeAssumption1(
  pattern: PatternLike,
  options: ReachOptions & { searchBudget?: number } = {},
): Assumption1Verdict {
  const schedule: Schedule = asSchedule(pattern);
  const { searchBudget, ...reachOptions } = options ?? {};
  validateReachOptions(reachOptions, schedule.n);
  const selfLoops = checkSelfLoops(schedule);
  const hamiltonianPath = findHamiltonianPath(schedule, { searchBudget });
  const reach = reachSets(schedule, reachOptions);
  const reasons: string[] = [];
  for (const entry of selfLoops.missing) {
    reasons.push(
      `(1) pattern ${entry.pattern}: ${entry.tokens.length} token(s) lack a self-loop, e.g. k = ${
        entry.tokens.slice(0, 5).join(", ")
      }`,
    );
  }
  if (hamiltonianPath.status !== "found") {
    reasons.push(
      `(2) ${
        hamiltonianPath.status === "none" ? "no" : "undecided"
      } Hamiltonian path: ${hamiltonianPath.reason}`,
    );
  }
  if (reach.status !== "found") {
    const example = reach.neverReached?.[0];
    reasons.push(
      `(3) ${reach.status === "none" ? "no" : "undecided"} mixing depth: ${reach.reason}` +
        (example
          ? `; ${reach.neverReachedCount} token(s) never reached, e.g. token ${example.token} by token ${example.missingFrom}`
          : ""),
    );
  }
  const undecided = hamiltonianPath.status === "unknown" || reach.status === "unknown";
  const failed = !selfLoops.holds || hamiltonianPath.status === "none" || reach.status === "none";
  return {
    name: schedule.name,
    n: schedule.n,
    numPatterns: schedule.numPatterns,
    connections: schedule.connections,
    sparsity: schedule.patterns.map((p) => p.sparsity),
    selfLoops,
    hamiltonianPath,
    reach,
    satisfied: failed ? false : undecided ? null : true,
    reasons,
  };
}

/** "holds", "fails" or "undecided": the verdict in one word. */
export function verdictWord(v: Assumption1Verdict): "holds" | "fails" | "undecided" {
  return v.satisfied === null ? "undecided" : v.satisfied ? "holds" : "fails";
}

/** Validates that a verdict can back a construction; throws naming the failed condition. */
export function requireAssumption1(pattern: PatternLike): Assumption1Verdict {
  const verdict = analyzeAssumption1(pattern);
  if (verdict.satisfied !== true) {
    throw new InputError(
      "pattern",
      printable(verdict.name),
      verdict.satisfied === false
        ? `does not satisfy Assumption 1: ${printable(verdict.reasons.join("; "))}`
        : `Assumption 1 is undecided for this pattern (a construction needs it proved): ${
          printable(verdict.reasons.join("; "))
        }`,
    );
  }
  return verdict;
}

/** The verdict as one JSON object (what `deno task pattern --json` prints). */
export function assumption1Json(v: Assumption1Verdict) {
  return {
    name: v.name,
    n: v.n,
    numPatterns: v.numPatterns,
    connections: v.connections,
    sparsity: v.sparsity,
    selfLoops: v.selfLoops.holds,
    tokensWithoutSelfLoop: v.selfLoops.missing,
    hamiltonianPath: v.hamiltonianPath.path,
    hamiltonianPathStatus: v.hamiltonianPath.status,
    mixingDepth: v.reach.mixingDepth,
    mixingDepthStatus: v.reach.status,
    mixingDepthBounds: v.reach.bounds ?? null,
    neverReached: v.reach.neverReached ?? [],
    satisfiesAssumption1: v.satisfied,
    reasons: v.reasons,
  };
}
