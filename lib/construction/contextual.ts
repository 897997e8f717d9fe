/**
 * Step 2b: the contextual mapping g_c built from sparse attention layers for any schedule that
 * satisfies Assumption 1 (notebooks/paper.md §2.4–2.5, the lab's reconstruction).
 *
 * Phase 1 walks the Hamiltonian path γ. For i = 2, …, n and every value b of γ(i)'s bucket it
 * applies a selective shift Z ↦ Z + δ^{−d} Ψ^ℓ(Z; b − δ/2, b + δ/2) with a pattern ℓ in which
 * γ(i) attends to γ(i−1); identity layers (W_O = 0) wait for that pattern to come round in the
 * cycle. Only γ(i) moves, by δ^{−d}(max − min) over its neighbourhood = δ^{−d}(f_{i−1} − l_i).
 * Phase 2 pads to pattern 1 and applies s all-max shifts Z ↦ Z + c·ψ(Z; −δ/2), which spread
 * the global maximum f_n to every token (Assumption 1.3). At most p(n−1)δ^{−d} + s layers.
 *
 * Verification runs every layer exactly (exact.ts) on every grid input, asserting at every
 * phase-1 layer that the moving token's hardmax picks itself as the min and its predecessor as
 * the max, and that no other token moves; then it searches the smallest power of two c for
 * which the final ids are distinct within every input and across all inputs.
 */
import { hardmax } from "../attention/probability_maps.ts";
import { runNetwork } from "../attention/reference.ts";
import { requireAssumption1 } from "../pattern/assumption1.ts";
import { asSchedule, type PatternLike, type Schedule } from "../pattern/pattern.ts";
import { InputError, requireInteger } from "../util/errors.ts";
import {
  exactAttention,
  exactIds,
  mixedAttention,
  mixedIds,
  type MixedState,
  toExact,
} from "./exact.ts";
import { DeltaGrid } from "./grid.ts";
import {
  type AttentionLayer,
  type AttentionRole,
  idVector,
  referenceLayer,
  type SizeOneHead,
} from "./layers.ts";
import { type BucketEmbedding, embeddedGridState, positionalEmbedding } from "./quantization.ts";

/** Largest exponent tried in the search for c = 2^e. */
export const DEFAULT_MAX_C_EXPONENT = 64;

/** How many grid inputs (evenly spaced) the float64 comparison runs by default. */
export const DEFAULT_FLOAT_COMPARISON_INPUTS = 1024;

/** Integers below this are exact in float64. */
const FLOAT_EXACT_LIMIT = 2n ** 53n;

function head(u: readonly bigint[], queryBias: bigint, scale: bigint): SizeOneHead {
  const output = u.map((_, c) => (c === 0 ? scale : 0n));
  return { query: u, key: u, value: u, queryBias, output };
}

/**
 * Selective shift for id b (units of δ): head 1 has b_Q = b − δ/2 and W_O = +D·e^{(1)} (picks
 * the max when the query id exceeds b − δ/2), head 2 has b_Q = b + δ/2 and W_O = −D·e^{(1)}.
 */
export function selectiveShiftHeads(u: readonly bigint[], tokenValues: bigint, b: bigint) {
  return [head(u, -(2n * b - 1n), tokenValues), head(u, -(2n * b + 1n), -tokenValues)];
}

/** All-max shift: one head with b_Q = −δ/2 below every id, so it always picks the max; W_O = c. */
export function allMaxShiftHeads(u: readonly bigint[], c: bigint) {
  return [head(u, 1n, c)];
}

/** The layer plan of phase 1, ending padded so that phase 2 starts on pattern 1. */
export function phaseOneLayers(schedule: Schedule, grid: DeltaGrid, gamma: readonly number[]) {
  const p = schedule.numPatterns;
  const D = BigInt(grid.tokenValues);
  const u = idVector(grid.d, grid.levels);
  const layers: AttentionLayer[] = [];
  const identity = (why: "pattern cycle" | "padding"): AttentionLayer => ({
    kind: "attention",
    pattern: layers.length % p,
    heads: [],
    role: { type: "identity", why },
  });
  for (let i = 1; i < gamma.length; i++) {
    const token = gamma[i];
    const predecessor = gamma[i - 1];
    const usable = schedule.patterns.map((pattern) => pattern.has(token, predecessor));
    if (!usable.some(Boolean)) {
      throw new InputError(
        "gamma",
        gamma,
        `token ${token} attends to its predecessor ${predecessor} in no pattern`,
      );
    }
    const bucketStart = BigInt(i - 1) * D;
    for (let b = bucketStart; b < bucketStart + D; b++) {
      while (!usable[layers.length % p]) layers.push(identity("pattern cycle"));
      layers.push({
        kind: "attention",
        pattern: layers.length % p,
        heads: selectiveShiftHeads(u, D, b),
        role: { type: "selectiveShift", token, predecessor, pathIndex: i, value: b },
      });
    }
  }
  while (layers.length % p !== 0) layers.push(identity("padding"));
  return layers;
}

/** Phase 2: s all-max shifts with constant c, patterns cycled from pattern 1. */
export function phaseTwoLayers(schedule: Schedule, grid: DeltaGrid, s: number, c: bigint) {
  const u = idVector(grid.d, grid.levels);
  return Array.from({ length: s }, (_, t): AttentionLayer => ({
    kind: "attention",
    pattern: t % schedule.numPatterns,
    heads: allMaxShiftHeads(u, c),
    role: { type: "allMaxShift", c },
  }));
}

/** Layers of each kind in a contextual mapping, and the paper's bound p(n−1)δ^{−d} + s. */
export interface ContextualLayerCount {
  selectiveShifts: number;
  cycleIdentities: number;
  padding: number;
  allMaxShifts: number;
  total: number;
  predicted: number;
}

export function countContextualLayers(
  layers: readonly AttentionLayer[],
  schedule: Schedule,
  grid: DeltaGrid,
  s: number,
): ContextualLayerCount {
  const count = (type: AttentionRole["type"], why?: string) =>
    layers.filter((l) =>
      l.role.type === type && (why === undefined || (l.role as { why?: string }).why === why)
    )
      .length;
  return {
    selectiveShifts: count("selectiveShift"),
    cycleIdentities: count("identity", "pattern cycle"),
    padding: count("identity", "padding"),
    allMaxShifts: count("allMaxShift"),
    total: layers.length,
    predicted: schedule.numPatterns * (schedule.n - 1) * grid.tokenValues + s,
  };
}

/** a = b for integers held as number or BigInt. */
function sameInteger(a: number | bigint, b: number | bigint): boolean {
  return typeof a === typeof b ? a === b : BigInt(a) === BigInt(b);
}

/** Collisions among the final ids: within one input, and across inputs. */
export interface DistinctnessReport {
  distinct: boolean;
  withinInput: number;
  acrossInputs: number;
  /** One colliding pair: [input, token] twice, and the shared id. */
  example?: { first: [number, number]; second: [number, number]; id: string };
}

export function checkDistinct(ids: readonly bigint[][]): DistinctnessReport {
  const owner = new Map<bigint, number>();
  let withinInput = 0;
  let acrossInputs = 0;
  let example: DistinctnessReport["example"];
  const n = ids[0]?.length ?? 0;
  ids.forEach((row, input) =>
    row.forEach((id, token) => {
      const previous = owner.get(id);
      if (previous === undefined) {
        owner.set(id, input * n + token);
        return;
      }
      const other: [number, number] = [Math.floor(previous / n), previous % n];
      if (other[0] === input) withinInput++;
      else acrossInputs++;
      example ??= { first: other, second: [input, token], id: id.toString() };
    })
  );
  return { distinct: withinInput + acrossInputs === 0, withinInput, acrossInputs, example };
}

/** How far the float64 reference reproduces the exact ids (see `compareWithReference`). */
export interface FloatComparison {
  /** Whether δ is a power of two (otherwise grid values already round and nothing is claimed). */
  dyadic: boolean;
  inputsCompared: number;
  /** Leading contextual layers the bound proves exact in float64 on every compared input. */
  provablyExactLayers: number;
  /** Whether float64 ids equal the exact ids on every provably exact layer. */
  agrees: boolean;
  mismatches: number;
  /** Largest |float − exact| / |exact| of the ids after the last layer. */
  finalRelativeError: number;
}

export interface ContextualMapping {
  schedule: Schedule;
  grid: DeltaGrid;
  gamma: readonly number[];
  /** Mixing depth s of Assumption 1. */
  s: number;
  embedding: BucketEmbedding;
  /** The chosen (or given) all-max-shift constant; null when no tried c verified. */
  c: bigint | null;
  layers: AttentionLayer[];
  counts: ContextualLayerCount;
  /** Exhaustive verification over every grid input. */
  verified: boolean;
  inputs: number;
  /** Phase-1 checks "min = self, max = predecessor, nobody else moves" that passed. */
  invariantChecks: number;
  /** The first few invariant violations (empty when the construction behaves). */
  invariantFailures: string[];
  /** Each c tried, in order, with its collisions. */
  cTried: { c: string; withinInput: number; acrossInputs: number }[];
  distinctness: DistinctnessReport;
  /** The exact state g_c(L + E)/δ per input (n×d token-major). */
  states: bigint[][];
  /** ids[input][token]: u^T g_c(L + E)_k / δ, exact. */
  ids: bigint[][];
  /** The state after phase 1 (before the all-max shifts), per input. */
  phaseOneIds: bigint[][];
  floatComparison?: FloatComparison;
}

export interface ContextualOptions {
  d: number;
  delta: number;
  /** All-max-shift constant; by default the smallest power of two that verifies. */
  c?: number | bigint;
  maxCExponent?: number;
  /** Compare the float64 reference with the exact ids (default true). */
  compareFloat?: boolean;
}

/** Assumption 1's evidence the construction needs, or an InputError naming the failed part. */
export function requireConstructible(pattern: PatternLike) {
  const schedule = asSchedule(pattern);
  const verdict = requireAssumption1(schedule);
  return {
    schedule,
    gamma: verdict.hamiltonianPath.path as number[],
    s: verdict.reach.mixingDepth as number,
    verdict,
  };
}

function parseC(c: number | bigint | undefined): bigint | undefined {
  if (c === undefined) return undefined;
  if (typeof c === "bigint") {
    if (c < 1n) throw new InputError("c", c, "expected a positive integer");
    return c;
  }
  return BigInt(requireInteger("c", c, 1));
}

/**
 * The invariant checks of an exhaustive verification: how many passed, and the first few
 * violations (empty when the construction behaves).
 */
export class InvariantLog {
  checks = 0;
  readonly failures: string[] = [];
  fail(message: string): void {
    if (this.failures.length < 5) this.failures.push(message);
  }
}

/**
 * Builds the contextual mapping for `pattern` and verifies it on every grid input (at most
 * 65,536): refuses (InputError) a schedule failing Assumption 1 or a grid too large.
 */
export function buildContextualMapping(
  pattern: PatternLike,
  options: ContextualOptions,
): ContextualMapping {
  const { schedule, gamma, s } = requireConstructible(pattern);
  const grid = new DeltaGrid(schedule.n, options.d, options.delta);
  const inputs = grid.requireEnumerable();
  const givenC = parseC(options.c);
  const maxExponent = requireInteger(
    "maxCExponent",
    options.maxCExponent ?? DEFAULT_MAX_C_EXPONENT,
    0,
    4096,
  );
  const { n } = grid;
  const embedding = positionalEmbedding(grid, gamma);
  const u = idVector(grid.d, grid.levels);
  const phaseOne = phaseOneLayers(schedule, grid, gamma);
  const log = new InvariantLog();
  const phaseOneRun: PhaseOneRun = {
    schedule,
    grid,
    gamma,
    embedding,
    layers: phaseOne,
    u,
    chosen: new Int32Array(2 * n),
    log,
  };
  const phaseOneStates = Array.from(
    { length: inputs },
    (_, input) => runPhaseOne(phaseOneRun, input),
  );
  const candidates = givenC !== undefined
    ? [givenC]
    : Array.from({ length: maxExponent + 1 }, (_, e) => 2n ** BigInt(e));
  const { final, cTried } = searchAllMaxConstant(schedule, grid, s, phaseOne, {
    phaseOneStates,
    candidates,
  });
  const mapping: ContextualMapping = {
    schedule,
    grid,
    gamma,
    s,
    embedding,
    c: final.report.distinct ? final.c : null,
    layers: final.layers,
    counts: countContextualLayers(final.layers, schedule, grid, s),
    verified: final.report.distinct && log.failures.length === 0,
    inputs,
    invariantChecks: log.checks,
    invariantFailures: log.failures,
    cTried,
    distinctness: final.report,
    states: final.states.map(toExact),
    ids: final.ids,
    phaseOneIds: phaseOneStates.map((state) => mixedIds(state, n, u).map(BigInt)),
  };
  if (options.compareFloat !== false) mapping.floatComparison = compareWithReference(mapping);
  return mapping;
}

/** What phase 1 runs with on every grid input; `chosen` is the hardmax's scratch, reused. */
interface PhaseOneRun {
  schedule: Schedule;
  grid: DeltaGrid;
  gamma: readonly number[];
  embedding: BucketEmbedding;
  layers: readonly AttentionLayer[];
  u: readonly bigint[];
  chosen: Int32Array;
  log: InvariantLog;
}

/**
 * Phase 1 on one grid input, exactly, checking at every layer that only the selective shift's
 * token moves and that it moves as the construction says, and that every token of γ after the
 * first shifts once. Returns the state after phase 1.
 */
function runPhaseOne(run: PhaseOneRun, input: number): MixedState {
  const { schedule, grid, gamma, u, chosen, log } = run;
  const { n, d } = grid;
  const D = BigInt(grid.tokenValues);
  let state: MixedState = embeddedGridState(grid, run.embedding, input).map(Number);
  let ids = mixedIds(state, n, u);
  const shifts = new Int32Array(n);
  run.layers.forEach((layer, index) => {
    const next = mixedAttention(layer, schedule.patterns[layer.pattern], state, n, d, chosen);
    const nextIds = mixedIds(next, n, u);
    const role = layer.role;
    const mover = role.type === "selectiveShift" && sameInteger(ids[role.token], role.value)
      ? role.token
      : -1;
    for (let k = 0; k < n; k++) {
      if (k !== mover && !sameInteger(nextIds[k], ids[k])) {
        log.fail(`input ${input}, layer ${index}: token ${k} moved`);
      }
    }
    if (mover >= 0 && role.type === "selectiveShift") {
      const own = BigInt(ids[mover]);
      const expected = own + D * (BigInt(ids[role.predecessor]) - own);
      const maxIsPredecessor = chosen[mover] === role.predecessor;
      const minIsSelf = chosen[n + mover] === mover;
      if (maxIsPredecessor && minIsSelf && sameInteger(nextIds[mover], expected)) {
        log.checks++;
      } else {
        log.fail(
          `input ${input}, layer ${index}: token ${mover} saw max = token ${chosen[mover]} ` +
            `(predecessor ${role.predecessor}), min = token ${chosen[n + mover]}`,
        );
      }
      shifts[mover]++;
    }
    state = next;
    ids = nextIds;
  });
  gamma.slice(1).forEach((token) => {
    if (shifts[token] !== 1) {
      log.fail(`input ${input}: token ${token} shifted ${shifts[token]} times`);
    }
  });
  return state;
}

/**
 * Phase 2 with each candidate c in turn, on every input's phase-1 state, until the final ids
 * are distinct: the last c tried with its layers, states, ids and collisions, and each c tried.
 */
function searchAllMaxConstant(
  schedule: Schedule,
  grid: DeltaGrid,
  s: number,
  phaseOne: readonly AttentionLayer[],
  search: { phaseOneStates: readonly MixedState[]; candidates: readonly bigint[] },
) {
  const { n, d } = grid;
  const u = idVector(d, grid.levels);
  const cTried: ContextualMapping["cTried"] = [];
  let result:
    | {
      c: bigint;
      layers: AttentionLayer[];
      states: MixedState[];
      ids: bigint[][];
      report: DistinctnessReport;
    }
    | undefined;
  for (const c of search.candidates) {
    const phaseTwo = phaseTwoLayers(schedule, grid, s, c);
    const states = search.phaseOneStates.map((state) => {
      for (const layer of phaseTwo) {
        state = mixedAttention(layer, schedule.patterns[layer.pattern], state, n, d);
      }
      return state;
    });
    const ids = states.map((state) => mixedIds(state, n, u).map(BigInt));
    const report = checkDistinct(ids);
    cTried.push({
      c: c.toString(),
      withinInput: report.withinInput,
      acrossInputs: report.acrossInputs,
    });
    result = { c, layers: [...phaseOne, ...phaseTwo], states, ids, report };
    if (report.distinct) break;
  }
  return { final: result!, cTried };
}

/** u^T x_k / δ for every token of a float64 state: the ids as the reference sees them. */
export function referenceIds(x: Float64Array, grid: DeltaGrid): number[] {
  const { n, d, levels } = grid;
  return Array.from({ length: n }, (_, k) => {
    let id = 0;
    for (let c = 0; c < d; c++) id += levels ** c * x[k * d + c];
    return id * levels;
  });
}

/**
 * Runs the float64 reference (lib/attention, hardmax) beside the exact executor on every grid
 * input (evenly spaced ones, at most `maxInputs`) and compares the ids layer by layer.
 *
 * The bound: with δ = 2^{−k}, every value of a layer is an integer count of δ/2 times a power
 * of two. If the ids entering a layer are at most M (units of δ) and its W_O entries at most κ,
 * the largest integers the layer forms are the logits' M·(2M + 1) (key times doubled query)
 * and the outputs' (κ + 1)·M. When both are below 2^53 every float64 operation of the layer is
 * exact (products of such numbers and sums below 2^53 do not round) and, a hardmax tie aside,
 * the float layer reproduces the exact one bit for bit. Past that layer nothing is claimed.
 */
export function compareWithReference(
  mapping: Pick<ContextualMapping, "grid" | "schedule" | "embedding" | "layers" | "inputs">,
  maxInputs = DEFAULT_FLOAT_COMPARISON_INPUTS,
): FloatComparison {
  const { grid, schedule, embedding } = mapping;
  const { n, d } = grid;
  const u = idVector(d, grid.levels);
  const reference = mapping.layers.map((layer) =>
    referenceLayer(layer, { schedule, d, levels: grid.levels }, {})
  );
  let provable = grid.dyadic ? mapping.layers.length : 0;
  let mismatches = 0;
  let finalRelativeError = 0;
  // Evenly spaced inputs when the grid is larger than maxInputs (the float run is the slow part).
  const stride = Math.max(1, Math.ceil(mapping.inputs / maxInputs));
  let compared = 0;
  for (let input = 0; input < mapping.inputs; input += stride) {
    compared++;
    let state = embeddedGridState(grid, embedding, input);
    let tie = false;
    const rho = (scores: Float64Array) =>
      hardmax(scores, 1, (tied) => (tie ||= (tied.length & (tied.length - 1)) !== 0));
    let exactSoFar = true;
    runNetwork(grid.pointAt(input), n, d, reference.map((spec) => ({ ...spec, rho })), {
      positional: embedding.matrix,
      onLayer: (index, _spec, output) => {
        const layer = mapping.layers[index];
        const before = exactIds(state, n, u);
        const M = before.reduce((a, b) => (a > b ? a : b), 0n);
        const kappa = layer.heads.reduce(
          (a, h) => (h.output[0] > a ? h.output[0] : -h.output[0] > a ? -h.output[0] : a),
          0n,
        );
        state = exactAttention(layer, schedule.patterns[layer.pattern], state, n, d);
        exactSoFar &&= grid.dyadic && !tie && M * (2n * M + 1n) < FLOAT_EXACT_LIMIT &&
          (kappa + 1n) * M < FLOAT_EXACT_LIMIT;
        tie = false;
        const after = exactIds(state, n, u);
        const floatIds = referenceIds(output, grid);
        if (exactSoFar) {
          for (let k = 0; k < n; k++) if (floatIds[k] !== Number(after[k])) mismatches++;
        } else if (index < provable) provable = index;
        if (index === mapping.layers.length - 1) {
          for (let k = 0; k < n; k++) {
            const exact = Number(after[k]);
            finalRelativeError = Math.max(
              finalRelativeError,
              Math.abs(floatIds[k] - exact) / Math.abs(exact),
            );
          }
        }
      },
    });
  }
  return {
    dyadic: grid.dyadic,
    inputsCompared: compared,
    provablyExactLayers: provable,
    agrees: mismatches === 0,
    mismatches,
    finalRelativeError,
  };
}
