/**
 * Progress while training. Inside Jupyter one live-updating bar (an HTML <progress> element
 * re-sent with the same display_id) showing the run, loss and ETA; in a terminal one line per
 * interval; silent in tests. Updates are awaited so the kernel gets the event loop to send them.
 */
import { insideJupyterKernel } from "../env.ts";

export type ProgressOutput = "auto" | "jupyter" | "terminal" | "silent";

export interface ProgressOptions {
  output?: ProgressOutput;
  /** Seconds between terminal lines (default 15). */
  intervalSeconds?: number;
  /** Called on every update, before any throttling (a sweep worker forwards steps with it). */
  onUpdate?: (unit: number, loss: number) => void;
  /**
   * Asked on every update; when it says true the update waits for a macrotask, so I/O and
   * signals are handled between training steps (a step itself never yields).
   */
  yieldEvery?: () => boolean;
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return seconds < 5400 ? `${(seconds / 60).toFixed(1)} min` : `${(seconds / 3600).toFixed(1)} h`;
}

export class Progress {
  private readonly output: Exclude<ProgressOutput, "auto">;
  private readonly intervalMs: number;
  private readonly onUpdate?: (unit: number, loss: number) => void;
  private readonly yieldEvery?: () => boolean;
  private readonly displayId = `progress-${crypto.randomUUID()}`;
  private displayed = false;
  private lastShown = 0;
  private readonly started = performance.now();
  /** Work units (training steps) finished in earlier runs of this sweep. */
  private doneBefore = 0;
  private runLabel = "";
  private runTotal = 0;

  constructor(readonly title: string, readonly totalUnits: number, options: ProgressOptions = {}) {
    const output = options.output ?? "auto";
    this.output = output === "auto" ? (insideJupyterKernel() ? "jupyter" : "terminal") : output;
    this.intervalMs = (options.intervalSeconds ?? 15) * 1000;
    this.onUpdate = options.onUpdate;
    this.yieldEvery = options.yieldEvery;
  }

  startRun(label: string, units: number): void {
    this.runLabel = label;
    this.runTotal = units;
  }

  /** Reports `unit` of the current run's units done, with the latest loss. */
  async update(unit: number, loss: number, force = false): Promise<void> {
    this.onUpdate?.(unit, loss);
    if (this.yieldEvery?.()) await new Promise((resolve) => setTimeout(resolve, 0));
    const done = this.doneBefore + unit;
    await this.show(done, `${this.runLabel} step ${unit}/${this.runTotal}`, loss, force, "");
  }

  /**
   * Reports one of several runs trained at once: `unit` of its `runTotal` units, `done` units
   * of the whole sweep so far. The line starts with the run id in brackets.
   */
  async updateConcurrent(
    runId: string,
    unit: number,
    runTotal: number,
    done: number,
    loss: number,
    force = false,
  ): Promise<void> {
    await this.show(done, `step ${unit}/${runTotal}`, loss, force, `[${runId}] `);
  }

  private async show(
    done: number,
    detail: string,
    loss: number,
    force: boolean,
    prefix: string,
  ): Promise<void> {
    const now = performance.now();
    const every = this.output === "jupyter" ? 500 : this.intervalMs;
    if (!force && now - this.lastShown < every) return;
    this.lastShown = now;
    const elapsed = (now - this.started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.totalUnits - done) : Infinity;
    const fraction = this.totalUnits > 0 ? done / this.totalUnits : 1;
    const text = `${prefix}${this.title} ${(100 * fraction).toFixed(0)}% · ${detail} · loss ${
      loss.toFixed(3)
    } · elapsed ${formatSeconds(elapsed)} · ETA ${formatSeconds(eta)}`;
    if (this.output === "terminal") console.log(text);
    if (this.output === "jupyter") await this.display(fraction, text);
  }

  endRun(): void {
    this.doneBefore += this.runTotal;
  }

  /** A last line (or a last bar update) with a summary. */
  async finish(summary: string): Promise<void> {
    const text = `${this.title}: ${summary} (${
      formatSeconds((performance.now() - this.started) / 1000)
    })`;
    if (this.output === "terminal") console.log(text);
    if (this.output === "jupyter") await this.display(1, text);
  }

  private async display(fraction: number, text: string): Promise<void> {
    const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    const bundle = {
      "text/plain": text,
      "text/html":
        `<progress value="${fraction.toFixed(4)}" max="1" style="width:40em"></progress>` +
        `<div style="font-family:monospace">${escaped}</div>`,
    };
    await Deno.jupyter.display(
      bundle,
      {
        raw: true,
        display_id: this.displayId,
        update: this.displayed,
      } as Parameters<typeof Deno.jupyter.display>[1],
    );
    this.displayed = true;
  }
}
