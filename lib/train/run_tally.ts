/**
 * The tally of a parallel sweep: what every worker said of each run (started, steps done, how it
 * ended), so that progress counts the units done across all workers and the sweep's outcome
 * counts each run once, whichever workers came to it.
 */
import type { RunEnd, TrainOutcome } from "./run_events.ts";

export class RunTally {
  private readonly trained: string[] = [];
  private readonly reused: string[] = [];
  /** Run → how many workers found it held. */
  private readonly heldBy = new Map<string, number>();
  private readonly unitsDone = new Map<string, number>();

  constructor(private readonly unitsPerRun: number) {}

  started(runId: string): void {
    this.unitsDone.set(runId, 0);
  }

  /** Records `unit` units of the run done; returns the units done across the sweep. */
  stepped(runId: string, unit: number): number {
    this.unitsDone.set(runId, unit);
    let done = 0;
    for (const value of this.unitsDone.values()) done += value;
    return done;
  }

  ended(runId: string, outcome: RunEnd): void {
    if (outcome === "trained") this.trained.push(runId);
    if (outcome === "reused") this.reused.push(runId);
    if (outcome === "held") this.heldBy.set(runId, (this.heldBy.get(runId) ?? 0) + 1);
    if (outcome !== "held") this.unitsDone.set(runId, this.unitsPerRun);
  }

  /**
   * The outcome over `runIds`, in their order. A run one worker trained is found done by a
   * worker coming to it later: it counts as trained, not reused. A run some worker found held
   * was trained (or reused) by a worker of this sweep; one every worker found held is left to
   * another sweep.
   */
  outcome(runIds: readonly string[]): TrainOutcome {
    const reusedOnly = this.reused.filter((id) => !this.trained.includes(id));
    const settled = new Set([...this.trained, ...this.reused]);
    return {
      trained: runIds.filter((id) => this.trained.includes(id)),
      reused: runIds.filter((id) => reusedOnly.includes(id)),
      heldElsewhere: runIds.filter((id) => this.heldBy.has(id) && !settled.has(id)),
    };
  }
}
