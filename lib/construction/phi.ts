/**
 * The activations of the construction. Step 2 uses the class Φ: piecewise-linear functions with
 * at most three pieces, at least one of them constant, possibly discontinuous (the ICLR
 * predecessor's class, notebooks/paper.md §2.2). Step 3 replaces each φ ∈ Φ by a continuous
 * ramp: a constant plus at most four ReLUs, which is why the final network has feed-forward
 * width r = 4 (notebooks/paper.md §2.8).
 */
import { InputError, requireNumber } from "../util/errors.ts";

/** y = slope·t + intercept on one piece. */
export interface Piece {
  slope: number;
  intercept: number;
}

/** φ(t) = left(t) for t < lo, middle(t) for lo ≤ t < hi, right(t) for t ≥ hi. */
export class PhiActivation {
  readonly name: string;
  readonly lo: number;
  readonly hi: number;
  readonly pieces: readonly [Piece, Piece, Piece];

  constructor(name: string, lo: number, hi: number, pieces: readonly [Piece, Piece, Piece]) {
    if (!(lo < hi)) throw new InputError(`${name} breakpoints`, [lo, hi], "expected lo < hi");
    if (!pieces.some((piece) => piece.slope === 0)) {
      throw new InputError(`${name} pieces`, pieces, "a member of Φ needs a constant piece");
    }
    this.name = name;
    this.lo = lo;
    this.hi = hi;
    this.pieces = pieces;
  }

  private pieceAt(t: number | bigint): Piece {
    return t < this.lo ? this.pieces[0] : t < this.hi ? this.pieces[1] : this.pieces[2];
  }

  /** φ(t) in float64 (the form the reference feed-forward layer calls). */
  apply = (t: number): number => {
    const piece = this.pieceAt(t);
    return piece.slope * t + piece.intercept;
  };

  /** φ(t) for an integer t, exactly; the pieces must have integer slope and intercept. */
  applyExact(t: bigint): bigint {
    const piece = this.pieceAt(t);
    if (!Number.isInteger(piece.slope) || !Number.isInteger(piece.intercept)) {
      throw new InputError(`${this.name} piece`, piece, "exact evaluation needs integer pieces");
    }
    return BigInt(piece.slope) * t + BigInt(piece.intercept);
  }
}

/**
 * The quantizer of notebooks/paper.md §2.3: φ(t) = −t on [0, width), 0 elsewhere, so the layer
 * z ↦ z + φ(z − v) snaps every z ∈ [v, v + width) down to v and leaves everything else alone.
 */
export function quantizerPhi(width: number): PhiActivation {
  const zero = { slope: 0, intercept: 0 };
  return new PhiActivation("quantizer", 0, width, [zero, { slope: -1, intercept: 0 }, zero]);
}

/**
 * The window indicator of notebooks/paper.md §2.7: φ(t) = 1 on [−width/2, width/2), 0 elsewhere. A
 * value-mapping layer fires exactly on the token whose id equals its id.
 */
export function indicatorPhi(width: number): PhiActivation {
  const zero = { slope: 0, intercept: 0 };
  return new PhiActivation("indicator", -width / 2, width / 2, [zero, {
    slope: 0,
    intercept: 1,
  }, zero]);
}

/** φ̃(t) = constant + Σ_i weight_i · ReLU(t − knot_i): what a width-r ReLU layer computes. */
export interface ReluRamp {
  constant: number;
  terms: { weight: number; knot: number }[];
  /** Where φ̃ may differ from φ: the ramps [a, b). */
  changed: [number, number][];
}

/** Maximum ReLUs per layer in the theorem's class ST^{2,1,4}. */
export const MAX_RAMP_RELUS = 4;

/**
 * The continuous stand-in for φ: every jump of φ becomes a linear ramp of width η lying inside
 * the middle piece ([lo, lo+η) and [hi−η, hi)), so φ̃ = φ wherever the construction's exact
 * inputs sit (the middle of a cell or window) and everywhere outside the ramps. Needs a constant
 * left piece; the result has at most four ReLUs (two knots per jump).
 */
export function reluRamp(phi: PhiActivation, eta: number): ReluRamp {
  requireNumber("eta", eta, Number.MIN_VALUE, (phi.hi - phi.lo) / 2);
  const [left, middle, right] = phi.pieces;
  if (left.slope !== 0) {
    throw new InputError(`${phi.name} left piece`, left, "a ReLU ramp needs a constant left piece");
  }
  const value = (piece: Piece, t: number) => piece.slope * t + piece.intercept;
  // Knots (t, φ̃(t)) of the continuous piecewise-linear φ̃, in increasing t.
  const knots: [number, number][] = [];
  const changed: [number, number][] = [];
  if (value(middle, phi.lo) !== left.intercept) {
    knots.push([phi.lo, left.intercept], [phi.lo + eta, value(middle, phi.lo + eta)]);
    changed.push([phi.lo, phi.lo + eta]);
  } else {
    knots.push([phi.lo, left.intercept]);
  }
  if (value(middle, phi.hi) !== value(right, phi.hi)) {
    knots.push([phi.hi - eta, value(middle, phi.hi - eta)], [phi.hi, value(right, phi.hi)]);
    changed.push([phi.hi - eta, phi.hi]);
  } else {
    knots.push([phi.hi, value(right, phi.hi)]);
  }
  // Slope after each knot: between knots it is the chord, after the last it is right's slope.
  // With η = (hi − lo)/2 two knots coincide (a triangle); keep one of them.
  const distinct = knots.filter(([t], i) => i === 0 || t !== knots[i - 1][0]);
  const terms: ReluRamp["terms"] = [];
  let previousSlope = 0;
  distinct.forEach(([t, y], i, knots) => {
    const slope = i + 1 < knots.length
      ? (knots[i + 1][1] - y) / (knots[i + 1][0] - t)
      : right.slope;
    if (slope !== previousSlope) terms.push({ weight: slope - previousSlope, knot: t });
    previousSlope = slope;
  });
  if (terms.length > MAX_RAMP_RELUS) {
    throw new InputError(
      `${phi.name} ramp`,
      terms.length,
      `needs more than ${MAX_RAMP_RELUS} ReLUs`,
    );
  }
  return { constant: left.intercept, terms, changed };
}

/** Evaluates φ̃ directly (for plots and tests; layers use the ReLU weights). */
export function evaluateRamp(ramp: ReluRamp, t: number): number {
  let y = ramp.constant;
  for (const { weight, knot } of ramp.terms) y += weight * Math.max(0, t - knot);
  return y;
}
