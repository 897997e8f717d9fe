/**
 * Seeded pseudo-random numbers. Every random thing in the lab takes a seed and the same seed
 * gives the same bytes on every machine: splitmix32 uses only 32-bit integer arithmetic.
 */
import { requireInteger } from "./errors.ts";

export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound). */
  int(bound: number): number;
}

export function seededRng(seed: number): Rng {
  requireInteger("seed", seed, 0, 2 ** 32 - 1);
  let state = seed >>> 0;
  const nextUint32 = (): number => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  return {
    next: () => nextUint32() / 2 ** 32,
    int: (bound: number) => Math.floor((nextUint32() / 2 ** 32) * bound),
  };
}

/** In-place Fisher-Yates shuffle driven by `rng`. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
