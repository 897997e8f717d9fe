/**
 * Step 1 of the proof (notebooks/paper.md §2.1): the δ-grid G_δ = {0, δ, …, 1−δ}^{d×n} and the
 * piecewise-constant approximation f̄(X) = Σ_{L ∈ G_δ} f(L)·1{X ∈ S_L}, S_L = Π [L_jk, L_jk + δ).
 *
 * A grid point is stored by its integer levels a (n×d token-major, entries in [0, K), K = 1/δ),
 * so L = a·δ. Grid order: lexicographic in the token-major entries a[0][0], a[0][1], …,
 * a[n−1][d−1], the last entry varying fastest; `index` is that mixed-radix number.
 */
import { InputError, requireInteger } from "../util/errors.ts";
import { MAX_EXHAUSTIVE_INPUTS, MAX_PLANNED_LAYERS } from "../util/limits.ts";

export { MAX_EXHAUSTIVE_INPUTS, MAX_PLANNED_LAYERS };

/** The names a grid's three sizes go by in messages (a tool passes its flags). */
export interface GridParameterNames {
  n: string;
  d: string;
  delta: string;
  /** δ as the user wrote it (`0.25`), shown instead of `1/K` when given. */
  deltaText?: string;
}

/**
 * Throws unless the grid {0, δ, …, 1−δ}^(n·d) with δ = 1/levels has at most `limit` inputs,
 * decided on logarithms (n·d·log2(1/δ) bits against log2(limit)) so that no power is formed
 * and nothing is allocated: `d = 30` or `δ = 1/1,000,000` is refused at once. The message
 * names the parameter at fault: n when even d = 1, δ = 1/2 is too large, else d when even
 * δ = 1/2 is, else δ; with the grid's size and the limit.
 */
export function requireEnumerableGrid(
  n: number,
  d: number,
  levels: number,
  limit: number = MAX_EXHAUSTIVE_INPUTS,
  names: GridParameterNames = { n: "n", d: "d", delta: "delta" },
): number {
  const bits = n * d * Math.log2(levels);
  const limitBits = Math.log2(limit);
  if (bits <= limitBits + 1e-9) {
    const size = levels ** (n * d);
    if (size <= limit) return size;
  }
  const [parameter, value] = n > limitBits
    ? [names.n, n]
    : n * d > limitBits
    ? [names.d, d]
    : [names.delta, names.deltaText ?? `1/${levels}`];
  throw new InputError(
    parameter,
    value,
    `the grid (1/δ)^(n·d) = ${levels}^(${n}·${d}) has 2^${formatBits(bits)} inputs; ` +
      `the limit is ${limit} = 2^${formatBits(limitBits)} inputs ` +
      `(n·d·log2(1/δ) must be at most ${formatBits(limitBits)}); choose a smaller n, d or 1/δ`,
  );
}

/**
 * Throws unless a layer plan of about p·(n−1)·δ^(−d) layers (the contextual mapping's phase 1;
 * the quantization and dense plans are smaller) stays within `limit`, decided on logarithms
 * before any layer is planned. Names d when even δ = 1/2 is too many, else δ.
 */
export function requirePlannableLayers(
  patterns: number,
  n: number,
  d: number,
  levels: number,
  limit: number = MAX_PLANNED_LAYERS,
  names: Pick<GridParameterNames, "d" | "delta"> = { d: "d", delta: "delta" },
): void {
  const pathBits = Math.log2(Math.max(1, patterns * (n - 1)));
  const bits = pathBits + d * Math.log2(levels);
  const limitBits = Math.log2(limit);
  if (bits <= limitBits + 1e-9) return;
  const [parameter, value] = pathBits + d > limitBits ? [names.d, d] : [names.delta, `1/${levels}`];
  throw new InputError(
    parameter,
    value,
    `the layer plan p(n−1)δ^(−d) = ${patterns}·${n - 1}·${levels}^${d} has 2^${formatBits(bits)} ` +
      `layers; the limit is ${limit} = 2^${formatBits(limitBits)} layers`,
  );
}

function formatBits(bits: number): string {
  return Number.isInteger(bits) ? String(bits) : bits.toFixed(2);
}

/** Reads δ given as a fraction 1/K (0.25), or as K itself (4): returns K = 1/δ. */
export function levelsFromDelta(delta: number): number {
  if (typeof delta !== "number" || !Number.isFinite(delta) || delta <= 0) {
    throw new InputError("delta", delta, "expected δ = 1/K with K an integer ≥ 2 (e.g. 0.25)");
  }
  const levels = delta < 1 ? Math.round(1 / delta) : delta;
  if (
    !Number.isInteger(levels) || levels < 2 ||
    Math.abs(levels * (delta < 1 ? delta : 1 / delta) - 1) > 1e-9
  ) {
    throw new InputError("delta", delta, "expected δ = 1/K with K an integer ≥ 2 (e.g. 0.25)");
  }
  return levels;
}

/** A δ-grid for sequences of n tokens of dimension d. */
export class DeltaGrid {
  readonly n: number;
  readonly d: number;
  /** K = 1/δ: levels per coordinate. */
  readonly levels: number;
  readonly delta: number;
  /** |G_δ| = K^{nd} (a float when above 2^53; only enumerated when small). */
  readonly size: number;

  constructor(n: number, d: number, delta: number) {
    this.n = requireInteger("n", n, 1);
    this.d = requireInteger("d", d, 1);
    this.levels = levelsFromDelta(delta);
    this.delta = 1 / this.levels;
    this.size = this.levels ** (n * d);
  }

  /** D = δ^{−d}: how many distinct quantized tokens there are. */
  get tokenValues(): number {
    return this.levels ** this.d;
  }

  /** Whether δ is a power of two, so every grid value and weight is exact in float64. */
  get dyadic(): boolean {
    return (this.levels & (this.levels - 1)) === 0;
  }

  /** Throws unless the grid is small enough to enumerate (at most `limit` inputs). */
  requireEnumerable(limit = MAX_EXHAUSTIVE_INPUTS): number {
    return requireEnumerableGrid(this.n, this.d, this.levels, limit);
  }

  /** Integer levels a of the grid point with this index (n×d token-major). */
  levelsAt(index: number): Int32Array {
    const entries = this.n * this.d;
    const a = new Int32Array(entries);
    let rest = index;
    for (let e = entries - 1; e >= 0; e--) {
      a[e] = rest % this.levels;
      rest = Math.floor(rest / this.levels);
    }
    return a;
  }

  /** The index of the grid point with integer levels a. */
  indexOf(a: ArrayLike<number>): number {
    let index = 0;
    for (let e = 0; e < a.length; e++) index = index * this.levels + a[e];
    return index;
  }

  /** The grid point L = a·δ as a real sequence (n×d). */
  pointAt(index: number): Float64Array {
    return Float64Array.from(this.levelsAt(index), (a) => a * this.delta);
  }

  /** Levels of the cell S_L containing X: a = ⌊X/δ⌋, with X = 1 put in the last cell. */
  cellLevels(x: Float64Array): Int32Array {
    if (x.length !== this.n * this.d) {
      throw new InputError("x.length", x.length, `expected n·d = ${this.n * this.d} numbers`);
    }
    return Int32Array.from(x, (value) => {
      if (!(value >= 0 && value <= 1)) {
        throw new InputError(
          "x entry",
          value,
          "expected a number in [0, 1] (the domain [0,1]^{d×n})",
        );
      }
      return Math.min(this.levels - 1, Math.floor(value * this.levels));
    });
  }

  toString(): string {
    return `G_δ with δ = 1/${this.levels}, n = ${this.n}, d = ${this.d}: ${this.size} inputs`;
  }
}

/** A target f: [0,1]^{n×d} → R^{n×d}, token-major in and out. */
export type SequenceFunction = (x: Float64Array) => ArrayLike<number>;

/** Calls f and checks that it returned n·d finite numbers, naming the input when it did not. */
export function evaluateTarget(f: SequenceFunction, x: Float64Array, label = "f"): Float64Array {
  const y = f(x);
  if (y === null || typeof y !== "object" || y.length !== x.length) {
    throw new InputError(`${label}(X)`, y, `expected ${x.length} numbers (n×d, token-major)`);
  }
  const out = Float64Array.from(y);
  for (const value of out) {
    if (!Number.isFinite(value)) {
      throw new InputError(`${label}(X)`, value, `must be finite (at X = [${Array.from(x)}])`);
    }
  }
  return out;
}

/** f̄: f sampled once per grid cell (lazily, each cell's value cached). */
export class PiecewiseConstant {
  readonly grid: DeltaGrid;
  readonly target: SequenceFunction;
  private readonly cache = new Map<number, Float64Array>();

  constructor(target: SequenceFunction, grid: DeltaGrid) {
    if (typeof target !== "function") {
      throw new InputError("f", target, "expected a function (X: Float64Array) => numbers");
    }
    this.target = target;
    this.grid = grid;
  }

  /** f(L) for the grid point with this index. */
  valueAt(index: number): Float64Array {
    let value = this.cache.get(index);
    if (!value) {
      value = evaluateTarget(this.target, this.grid.pointAt(index));
      this.cache.set(index, value);
    }
    return value;
  }

  /** f̄(X) = f(L) for the cell S_L containing X. */
  evaluate = (x: Float64Array): Float64Array =>
    this.valueAt(this.grid.indexOf(this.grid.cellLevels(x)));
}

/** Step 1: f̄ for f on the δ-grid. */
export function piecewiseConstant(
  target: SequenceFunction,
  opts: { n: number; d: number; delta: number },
): PiecewiseConstant {
  return new PiecewiseConstant(target, new DeltaGrid(opts.n, opts.d, opts.delta));
}
