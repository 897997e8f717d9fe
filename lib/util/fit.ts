/** Small fits the notebooks use to turn measurements into claims. */
import { InputError } from "./errors.ts";

/**
 * Least-squares slope of log y against log x: the exponent k of a power law y ≈ a·x^k.
 * Needs at least two distinct positive x and positive y.
 */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length || x.length < 2) {
    throw new InputError("x, y", [x.length, y.length], "expected two series of equal length ≥ 2");
  }
  [...x, ...y].forEach((value) => {
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new InputError("x, y", value, "every value must be positive and finite");
    }
  });
  const lx = x.map(Math.log);
  const ly = y.map(Math.log);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const mx = mean(lx);
  const my = mean(ly);
  let covariance = 0;
  let variance = 0;
  lx.forEach((value, i) => {
    covariance += (value - mx) * (ly[i] - my);
    variance += (value - mx) ** 2;
  });
  if (variance === 0) throw new InputError("x", x, "needs at least two distinct values");
  return covariance / variance;
}
