/**
 * What the layer-by-layer reach-set engines (bitsets and runs) share: Brent's cycle detection
 * at period boundaries, and their answers when the sets repeat or the layers run out.
 */
import type { EngineAnswer, ReachReport } from "./reach_report.ts";

/** The tokens some S_k never holds, with one such k each (first 20), and how many there are. */
export type Unreached = Required<Pick<ReachReport, "neverReached" | "neverReachedCount">>;

/**
 * Brent's cycle detection over the reach sets at period boundaries (layers t = p, 2p, …): the
 * sets at a boundary are a function of those at the previous one, so once a boundary repeats
 * an earlier one they cycle forever, and sets that have not covered every token by then never
 * will. One saved copy at a time is compared with each later boundary, and replaced after 1,
 * 2, 4, … boundaries.
 */
export class PeriodCycle<State> {
  private saved: State | null;
  private power = 1;
  private lambda = 0;

  /** `first`: the state at layer 1 when it is a period boundary (p = 1), else null. */
  constructor(
    private readonly copy: (state: State) => State,
    private readonly equal: (a: State, b: State) => boolean,
    first: State | null,
  ) {
    this.saved = first === null ? null : copy(first);
  }

  /** Whether the state at this period boundary equals the saved one. */
  repeats(state: State): boolean {
    return this.saved !== null && this.equal(this.saved, state);
  }

  /** Moves past a boundary that did not repeat, saving it when its turn comes. */
  advance(state: State): void {
    this.lambda++;
    if (this.saved === null || this.lambda === this.power) {
      this.saved = this.copy(state);
      this.power *= 2;
      this.lambda = 0;
    }
  }
}

/** The answer when the sets at layer t repeat an earlier period without covering every token. */
export function repeatedWithoutCovering(t: number, unreached: Unreached): EngineAnswer {
  return {
    mixingDepth: null,
    status: "none",
    ...unreached,
    reason: `by layer ${t} the reach sets repeat an earlier period without covering every token`,
  };
}

/** The answer when maxLayers layers neither covered every token nor repeated. */
export function notCoveredWithin(maxLayers: number, unreached: Unreached): EngineAnswer {
  return {
    mixingDepth: null,
    status: "unknown",
    ...unreached,
    reason: `not full after maxLayers = ${maxLayers} layers and no repetition detected`,
    bounds: { lower: maxLayers + 1, upper: null },
  };
}
