/**
 * The dense contextual mapping of the ICLR predecessor (Yun et al. 2020a, Lemma 6;
 * notebooks/paper.md §2.6, the lab's reconstruction, verified on tiny grids) as a real network,
 * for comparison with the sparse one.
 *
 * Setting: permutation equivariance — no positional embedding, every token attends to every
 * token (the dense pattern), and the columns of the input are assumed pairwise distinct. With
 * ids l_k = u^T L_k in units of δ (0 … D−1, D = δ^{−d}) sorted l_1 < … < l_n:
 *
 *   shift phase: for b = 0, 1, …, D−1 (units of δ) in increasing order, one selective shift
 *     Z ↦ Z + δ^{−d} Ψ(Z; b − δ/2, b + δ/2) with max/min over all tokens. The token with id b
 *     moves by δ^{−d}(max − min): l̃_1 = l_1 + D(l_n − l_1), l̃_k = l_k + D(l̃_{k−1} − l_k);
 *   global shift: Z ↦ Z + δ^{−(n+1)d} Ψ(Z; −δ/2, B + δ/2) with B = D^{n+1} − 1 above every
 *     id, so every column gets δ^{−(n+1)d}(l̃_n − l̃_1): q(L)_k = l̃_k + D^{n+1}(l̃_n − l̃_1).
 *
 * δ^{−d} + 1 layers, whatever n. The heads are the sparse construction's own
 * (`selectiveShiftHeads`, W_Q = W_K = W_V = u^T, query biases, W_O = ±κ·e^{(1)}) and they run
 * on the same exact executor; the only differences are the pattern, the order (sorted ids
 * instead of a Hamiltonian path) and the single global shift (instead of s all-max shifts).
 *
 * Why B bounds every id before the global shift: at layer b the tokens still at id b are the
 * smallest (smaller ids have moved above D − 1, unless all ids were equal, when nothing ever
 * moves), so a mover gets b + D(M − b) ≤ D·M with M the current max, and at most n − 1
 * distinct ids move after the first (≤ D(D − 1)): every id stays below D^{n+1}. `verify…`
 * asserts it anyway.
 *
 * Verification is "contextual mapping up to permutation" on every grid input with distinct
 * columns: the n ids of an input are distinct, inputs that are not permutations of each other
 * share no id, and permuting the columns permutes the ids. Inputs with a repeated column are
 * counted and reported, not hidden: equal columns always get equal ids there.
 */
import { dense } from "../pattern/zoo.ts";
import type { Schedule, SparsityPattern } from "../pattern/pattern.ts";
import {
  checkDistinct,
  compareWithReference,
  type ContextualMapping,
  type DistinctnessReport,
  type FloatComparison,
  InvariantLog,
  selectiveShiftHeads,
} from "./contextual.ts";
import { mixedAttention, mixedIds, type MixedState } from "./exact.ts";
import { DeltaGrid } from "./grid.ts";
import { type AttentionLayer, type AttentionRole, idVector } from "./layers.ts";
import { type BucketEmbedding, quantizationLayers } from "./quantization.ts";

/** What a layer of the dense contextual mapping is for. */
export type DenseRole = Extract<AttentionRole, { type: "denseSelectiveShift" | "globalShift" }>;

/** An attention layer on the dense pattern (pattern index 0 of `dense({n})`). */
export interface DenseLayer extends AttentionLayer {
  pattern: 0;
  role: DenseRole;
}

/** The global shift that closes every dense plan, and the id window it assumes. */
function globalShiftOf(layers: readonly DenseLayer[]) {
  const role = layers[layers.length - 1].role;
  if (role.type !== "globalShift") throw new Error("a dense plan ends with its global shift");
  return role;
}

/** The layer plan: D selective shifts for b = 0 … D−1, then the global shift. */
export function denseContextualLayers(grid: DeltaGrid): DenseLayer[] {
  const D = BigInt(grid.tokenValues);
  const u = idVector(grid.d, grid.levels);
  const layers: DenseLayer[] = [];
  for (let b = 0n; b < D; b++) {
    layers.push({
      kind: "attention",
      pattern: 0,
      heads: selectiveShiftHeads(u, D, b),
      role: { type: "denseSelectiveShift", value: b },
    });
  }
  const scale = D ** BigInt(grid.n + 1);
  const windowTop = scale - 1n;
  // Head 1 of the shift for b = 0 (b_Q = −δ/2, W_O = +κ) picks the max for every id ≥ 0; head 2
  // of the shift for b = B (b'_Q = B + δ/2, W_O = −κ) picks the min for every id ≤ B.
  const heads = [selectiveShiftHeads(u, scale, 0n)[0], selectiveShiftHeads(u, scale, windowTop)[1]];
  layers.push({
    kind: "attention",
    pattern: 0,
    heads,
    role: { type: "globalShift", scale, windowTop },
  });
  return layers;
}

/** The ICLR count δ^{−d} + 1 (a formula; the built plan is checked against it). */
export function denseLemma6Formula(d: number, delta: number): number {
  return new DeltaGrid(1, d, delta).tokenValues + 1;
}

/** E = 0: the permutation-equivariant setting has no positional embedding. */
export function zeroEmbedding(grid: DeltaGrid): BucketEmbedding {
  const { n, d } = grid;
  return {
    gamma: Array.from({ length: n }, (_, k) => k),
    buckets: new Array<number>(n).fill(0),
    offsets: new Array<bigint>(n).fill(0n),
    matrix: new Float64Array(n * d),
  };
}

/** A δ-grid restricted to some of its inputs: input i of the view is `indices[i]` of the grid. */
class GridSubset extends DeltaGrid {
  constructor(grid: DeltaGrid, readonly indices: readonly number[]) {
    super(grid.n, grid.d, grid.delta);
  }
  override levelsAt(index: number): Int32Array {
    return super.levelsAt(this.indices[index]);
  }
}

const FLOAT_EXACT_LIMIT = 2n ** 53n;

/** What happens on inputs with a repeated column (outside Lemma 6's premise). */
export interface DuplicateColumnReport {
  inputs: number;
  /** Inputs whose n ids are not all distinct (every one of them, by equivariance). */
  withinInputFailures: number;
  /** Token pairs of one input sharing an id, summed over inputs. */
  collidingPairs: number;
  /** Their ids that equal some id of a distinct-column input. */
  sharedWithValid: number;
  /** Their ids inside [smallest, largest] valid id (the ICLR range [t_l, t_r] is not built). */
  insideValidRange: number;
}

export interface DenseContextualMapping {
  schedule: Schedule;
  grid: DeltaGrid;
  layers: DenseLayer[];
  counts: { selectiveShifts: number; globalShifts: number; total: number; predicted: number };
  /** Every grid input, and those with pairwise-distinct columns. */
  inputs: number;
  distinctColumnInputs: number;
  /** Classes of distinct-column inputs under permuting the columns (= C(D, n)). */
  permutationClasses: number;
  /** ids[input][token] = u^T g_c(L)_k / δ, exact, for every grid input. */
  ids: bigint[][];
  /** ids after the shift phase (l̃), before the global shift. */
  shiftIds: bigint[][];
  /** Shift-phase checks "min = self, max = current max, nobody else moves" that passed. */
  invariantChecks: number;
  invariantFailures: string[];
  /** Distinctness over one representative per class (within: same input; across: classes). */
  distinctness: DistinctnessReport;
  /** Distinct-column inputs whose n ids are not distinct. */
  withinInputFailures: number;
  /** Tokens whose id differs from the id of the same column in a permutation of the input. */
  equivarianceFailures: number;
  /** Ids above the global shift's window top B (would break the max − min head). */
  outsideWindow: number;
  verified: boolean;
  duplicates: DuplicateColumnReport;
  floatComparison?: FloatComparison;
}

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Builds the dense contextual mapping for n tokens and runs it exactly on every grid input
 * (at most 65,536), verifying it as a contextual mapping up to permutation on the inputs with
 * distinct columns and reporting what it does on the others.
 */
export function buildDenseContextualMapping(
  options: { n: number; d: number; delta: number; compareFloat?: boolean },
): DenseContextualMapping {
  const schedule = dense({ n: options.n });
  const grid = new DeltaGrid(options.n, options.d, options.delta);
  const inputs = grid.requireEnumerable();
  const layers = denseContextualLayers(grid);
  const run = runDenseLayers(grid, inputs, layers, schedule.patterns[0]);
  const permutations = groupPermutationClasses(grid, run.ids, run.distinctInputs);
  const distinctness = checkDistinct(permutations.representatives);
  const mapping: DenseContextualMapping = {
    schedule,
    grid,
    layers,
    counts: {
      selectiveShifts: layers.length - 1,
      globalShifts: 1,
      total: layers.length,
      predicted: denseLemma6Formula(grid.d, grid.delta),
    },
    inputs,
    distinctColumnInputs: run.distinctInputs.length,
    permutationClasses: permutations.classes,
    ids: run.ids,
    shiftIds: run.shiftIds,
    invariantChecks: run.log.checks,
    invariantFailures: run.log.failures,
    distinctness,
    withinInputFailures: permutations.withinInputFailures,
    equivarianceFailures: permutations.equivarianceFailures,
    outsideWindow: run.outsideWindow,
    verified: run.log.failures.length === 0 && distinctness.distinct &&
      permutations.withinInputFailures === 0 && permutations.equivarianceFailures === 0 &&
      run.outsideWindow === 0,
    duplicates: duplicateColumnReport(run.ids, run.distinctInputs, permutations.representatives),
  };
  if (options.compareFloat !== false && run.distinctInputs.length > 0) {
    mapping.floatComparison = compareDenseWithReference(mapping, run.distinctInputs);
  }
  return mapping;
}

/**
 * Runs the dense plan exactly on every grid input: the final ids and those before the global
 * shift, the inputs with distinct columns, the ids outside the global shift's window, and the
 * shift-phase invariant checks on distinct-column inputs.
 */
function runDenseLayers(
  grid: DeltaGrid,
  inputs: number,
  layers: readonly DenseLayer[],
  pattern: SparsityPattern,
) {
  const { n, d } = grid;
  const u = idVector(d, grid.levels);
  const D = BigInt(grid.tokenValues);
  const windowTop = globalShiftOf(layers).windowTop;
  const log = new InvariantLog();
  let outsideWindow = 0;
  const chosen = new Int32Array(2 * n);
  const ids: bigint[][] = [];
  const shiftIds: bigint[][] = [];
  const distinctInputs: number[] = [];
  for (let input = 0; input < inputs; input++) {
    let state: MixedState = Array.from(grid.levelsAt(input));
    let current = mixedIds(state, n, u).map(BigInt);
    const distinct = new Set(current).size === n;
    if (distinct) distinctInputs.push(input);
    const moves = new Int32Array(n);
    layers.forEach((layer, index) => {
      const global = index === layers.length - 1;
      if (global) {
        shiftIds.push(current);
        outsideWindow += current.filter((id) => id < 0n || id > windowTop).length;
      }
      state = mixedAttention(layer, pattern, state, n, d, chosen);
      const next = mixedIds(state, n, u).map(BigInt);
      if (distinct && !global) {
        const step = { input, index, role: layer.role, current, next, chosen };
        checkSelectiveShift(step, D, moves, log);
      }
      current = next;
    });
    if (distinct && moves.some((m) => m !== 1)) {
      log.fail(`input ${input}: moves per token ${moves}`);
    }
    ids.push(current);
  }
  return { ids, shiftIds, distinctInputs, outsideWindow, log };
}

/**
 * One shift-phase layer on a distinct-column input: the tokens at id b move to b + D(max − b)
 * with the hardmax picking the current max and themselves as the min; no other token moves.
 * Counts each token's moves in `moves`.
 */
function checkSelectiveShift(
  step: {
    input: number;
    index: number;
    role: DenseRole;
    current: bigint[];
    next: bigint[];
    chosen: Int32Array;
  },
  D: bigint,
  moves: Int32Array,
  log: InvariantLog,
): void {
  const { input, index, role, current, next, chosen } = step;
  const n = current.length;
  const b = role.type === "denseSelectiveShift" ? role.value : -1n;
  const max = current.reduce((a, x) => (x > a ? x : a));
  for (let k = 0; k < n; k++) {
    if (current[k] !== b) {
      if (next[k] !== current[k]) log.fail(`input ${input}, layer ${index}: token ${k} moved`);
      continue;
    }
    moves[k]++;
    if (current[chosen[k]] === max && chosen[n + k] === k && next[k] === b + D * (max - b)) {
      log.checks++;
    } else {
      log.fail(
        `input ${input}, layer ${index}: token ${k} saw max = token ${chosen[k]}, ` +
          `min = token ${chosen[n + k]}`,
      );
    }
  }
}

/**
 * Groups the distinct-column inputs by their set of column ids (the permutation class): one
 * representative's ids per class, the inputs whose n ids are not distinct, and the tokens whose
 * id differs from that of the same column in the class's representative.
 */
function groupPermutationClasses(
  grid: DeltaGrid,
  ids: readonly bigint[][],
  distinctInputs: readonly number[],
) {
  const { n } = grid;
  const u = idVector(grid.d, grid.levels);
  const classes = new Map<string, Map<bigint, bigint>>();
  const representatives: bigint[][] = [];
  let withinInputFailures = 0;
  let equivarianceFailures = 0;
  for (const input of distinctInputs) {
    const columns = mixedIds(Array.from(grid.levelsAt(input)), n, u).map(BigInt);
    if (new Set(ids[input]).size !== n) withinInputFailures++;
    const key = columns.slice().sort(compare).join(",");
    let byColumn = classes.get(key);
    if (!byColumn) {
      byColumn = new Map(columns.map((column, k) => [column, ids[input][k]]));
      classes.set(key, byColumn);
      representatives.push(ids[input]);
    }
    columns.forEach((column, k) => {
      if (byColumn.get(column) !== ids[input][k]) equivarianceFailures++;
    });
  }
  return { classes: classes.size, representatives, withinInputFailures, equivarianceFailures };
}

/** What the mapping does on the inputs with a repeated column, against the valid ids. */
function duplicateColumnReport(
  ids: readonly bigint[][],
  distinctInputs: readonly number[],
  representatives: readonly bigint[][],
): DuplicateColumnReport {
  const valid = new Set(representatives.flat());
  const sortedValid = [...valid].sort(compare);
  const duplicates: DuplicateColumnReport = {
    inputs: ids.length - distinctInputs.length,
    withinInputFailures: 0,
    collidingPairs: 0,
    sharedWithValid: 0,
    insideValidRange: 0,
  };
  const isDistinct = new Uint8Array(ids.length);
  for (const input of distinctInputs) isDistinct[input] = 1;
  ids.forEach((row, input) => {
    if (isDistinct[input]) return;
    const n = row.length;
    let pairs = 0;
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) if (row[a] === row[b]) pairs++;
    if (pairs > 0) duplicates.withinInputFailures++;
    duplicates.collidingPairs += pairs;
    for (const id of row) {
      if (valid.has(id)) duplicates.sharedWithValid++;
      if (
        sortedValid.length > 0 && id >= sortedValid[0] && id <= sortedValid[sortedValid.length - 1]
      ) duplicates.insideValidRange++;
    }
  });
  return duplicates;
}

/**
 * The float64 reference (lib/attention, hardmax) beside the exact ids, through the sparse
 * construction's `compareWithReference` and its documented bound, on the distinct-column
 * inputs (where no two keys tie). That bound assumes queries |2·id + bias| ≤ 2M + 1: true for
 * the shift phase on distinct columns (a layer b precedes every move only while b ≤ l_1 ≤ M),
 * but the global shift's min head has bias 2B + 1 with B = D^{n+1} − 1 ≥ M, so its logits reach
 * B(2B + 1). When that is not below 2^53 the global shift is left out of the comparison.
 */
function compareDenseWithReference(
  mapping: DenseContextualMapping,
  inputs: readonly number[],
): FloatComparison {
  const top = globalShiftOf(mapping.layers).windowTop;
  const layers = top * (2n * top + 1n) < FLOAT_EXACT_LIMIT
    ? mapping.layers
    : mapping.layers.slice(0, -1);
  // compareWithReference reads only these fields of a ContextualMapping.
  const view: Pick<ContextualMapping, "grid" | "schedule" | "embedding" | "layers" | "inputs"> = {
    grid: new GridSubset(mapping.grid, inputs),
    schedule: mapping.schedule,
    embedding: zeroEmbedding(mapping.grid),
    layers: layers,
    inputs: inputs.length,
  };
  return compareWithReference(view, inputs.length);
}

/** Layers per stage of the dense permutation-equivariant construction (ICLR Theorem 2). */
export interface DenseLayerCounts {
  n: number;
  d: number;
  delta: number;
  /** d/δ snapping layers (the plan of quantization.ts with E = 0; the ICLR sentinel's +d not built). */
  quantization: number;
  /** From the built layer plan; equals `predicted` = δ^{−d} + 1. */
  contextualMapping: number;
  predicted: number;
  /** One layer per valid id: n·C(δ^{−d}, n) (distinct-column classes × tokens; a float if huge). */
  valueMapping: number;
}

function binomial(a: number, b: number): number {
  if (b < 0 || b > a) return 0;
  let result = 1;
  for (let i = 1; i <= b; i++) result = (result * (a - b + i)) / i;
  return Math.round(result);
}

/** Counted from the layer plans (no enumeration), so any n, d, δ works. */
export function denseLayerCounts(opts: { n: number; d: number; delta: number }): DenseLayerCounts {
  const grid = new DeltaGrid(opts.n, opts.d, opts.delta);
  const contextualMapping = denseContextualLayers(grid).length;
  return {
    n: grid.n,
    d: grid.d,
    delta: grid.delta,
    quantization: quantizationLayers(grid, zeroEmbedding(grid)).length,
    contextualMapping,
    predicted: denseLemma6Formula(grid.d, grid.delta),
    valueMapping: grid.n * binomial(grid.tokenValues, grid.n),
  };
}
