/**
 * The BigBird family (Zaheer et al. 2020), a window, global tokens and seeded random keys:
 * constructor and registry entry. No sweep trains it, so it declares no parameter space.
 */
import { requireInteger } from "../../util/errors.ts";
import { type Rng, seededRng } from "../../util/random.ts";
import { Schedule, type SparsityPattern, unionOf } from "../pattern.ts";
import {
  N,
  numberParam,
  patternFromRows,
  requireLength,
  rowsOfAtMost,
  SEED,
  W,
  type ZooEntry,
} from "./family.ts";
import { checkGlobal, G, longformer } from "./longformer.ts";

/**
 * BigBird (Zaheer et al. 2020): window w, g global tokens {0, …, g−1} (attend to and attended
 * by everyone), and r random keys per non-global token drawn uniformly (seeded) among the
 * tokens not already in its row (fewer when fewer remain).
 */
export function bigbird(
  opts: { n: number; w: number; g: number; r: number; seed?: number },
): Schedule {
  const n = requireLength(opts.n);
  const w = requireInteger("w", opts.w, 0);
  const g = checkGlobal(opts.g, n);
  const r = requireInteger("r", opts.r, 0);
  const seed = opts.seed ?? 0;
  const name = `bigbird(w=${w}, g=${g}, r=${r}, seed=${seed})`;
  const base = longformer({ n, w, g }).patterns[0];
  return new Schedule(name, [
    unionOf([base, randomKeys(`${name} random`, base, r, seededRng(seed))], name),
  ]);
}

/**
 * Up to r keys per row of `base` drawn uniformly among the tokens not already in that row
 * (fewer when fewer remain), plus the token itself so no row is empty; rows that hold every
 * token (the global ones) draw nothing. Rows are drawn in order k = 0, 1, … from one generator.
 */
function randomKeys(
  name: string,
  base: SparsityPattern,
  r: number,
  rng: Rng,
): SparsityPattern {
  const n = base.n;
  return patternFromRows(name, n, (k) => {
    const taken = base.row(k); // sorted and distinct
    const row = [k];
    // Draws from the free tokens [n] \ taken in increasing order, each pick swapped with the
    // last free slot and removed. The free list is never materialised (that is O(n) per row):
    // slot p holds the p-th free token unless a swap overrode it, so a row costs O(r·|taken|).
    const freeAt = (slot: number) => {
      let j = slot;
      for (const t of taken) {
        if (t <= j) j++;
        else break;
      }
      return j;
    };
    const swapped = new Map<number, number>();
    const slotValue = (slot: number) => swapped.get(slot) ?? freeAt(slot);
    let free = n - taken.length;
    for (let i = 0; i < r && free > 0; i++) {
      const pick = rng.int(free);
      row.push(slotValue(pick));
      swapped.set(pick, slotValue(free - 1));
      free--;
    }
    return row;
  });
}

export const bigbirdEntry: ZooEntry = {
  name: "bigbird",
  description: "window w, g global tokens, r random keys per token",
  params: [N, W, G, {
    name: "r",
    kind: "integer",
    description: "random keys per token",
    default: 1,
  }, SEED],
  numPatterns: 1,
  build: (p) =>
    bigbird({
      n: numberParam(p, "n"),
      w: numberParam(p, "w"),
      g: numberParam(p, "g"),
      r: numberParam(p, "r"),
      seed: numberParam(p, "seed"),
    }),
  maxConnections: (p) =>
    rowsOfAtMost(
      numberParam(p, "n"),
      2 * numberParam(p, "w") + 1 + numberParam(p, "g") + numberParam(p, "r"),
    ) + numberParam(p, "g") * numberParam(p, "n"),
};
