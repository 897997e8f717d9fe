/**
 * Competence first: a comparison of sparse patterns means something only when the dense
 * reference has learned the task. Each experiment states the bars its committed full results
 * must clear (its definition's `competence`, built from the bars here); `measureBars` measures
 * them on the results present, so a notebook shows each bar with its measured value and throws
 * when a measured bar is missed. A bar whose runs are not committed yet is "pending", never
 * passed.
 */
import type { RunResult } from "./results.ts";
import { meanAndSpread } from "./metrics.ts";
import { MIN_SEEDS } from "./summary.ts";

export interface CompetenceBar {
  /** The requirement in words, as the plan table shows it. */
  requirement: string;
  /** Measures the bar on committed results: the value, and whether it clears the bar. */
  measure(results: readonly RunResult[]): { value: string; met: boolean } | undefined;
}

/** The runs of one series (pattern, configuration and parameters) at L layers. */
function runsOf(
  results: readonly RunResult[],
  select: (r: RunResult) => boolean,
  layers?: number,
): RunResult[] {
  return results.filter((r) => select(r) && (layers === undefined || r.layers === layers));
}

const isDense = (r: RunResult) => r.pattern === "dense";

/** Mean of `key` over the selected runs, once they have the seeds a verdict needs. */
function meanOf(runs: readonly RunResult[], key: string): number | undefined {
  if (runs.length < MIN_SEEDS) return undefined;
  return meanAndSpread(runs.map((r) => r.final[key])).mean;
}

/** "The dense mean of `key` at `layers` is at least (or at most) `bound`." */
export function denseBar(
  key: string,
  label: string,
  bound: number,
  atMost: boolean,
  layers?: number,
): CompetenceBar {
  const where = layers === undefined ? "" : ` at L = ${layers}`;
  return {
    requirement: `dense ${label}${where} ${atMost ? "≤" : "≥"} ${bound} (mean over seeds)`,
    measure(results) {
      const mean = meanOf(runsOf(results, isDense, layers), key);
      if (mean === undefined) return undefined;
      return { value: mean.toFixed(3), met: atMost ? mean <= bound : mean >= bound };
    },
  };
}

/**
 * "Dense beats the baseline series (pattern `baseline`, e.g. no mixing between tokens) by at
 * least `margin` in the mean of `key`": what the task gains from the patterns' subject.
 */
export function denseBeatsBaselineBar(
  key: string,
  label: string,
  baseline: string,
  margin: number,
): CompetenceBar {
  return {
    requirement: `dense ${label} − ${baseline} ${label} ≥ ${margin} (means over seeds)`,
    measure(results) {
      const dense = meanOf(runsOf(results, isDense), key);
      const base = meanOf(runsOf(results, (r) => r.pattern === baseline), key);
      if (dense === undefined || base === undefined) return undefined;
      const gap = dense - base;
      return {
        value: `${dense.toFixed(3)} − ${base.toFixed(3)} = ${gap.toFixed(3)}`,
        met: gap >= margin,
      };
    },
  };
}

/** "Dense clears `bound` at every planned depth." */
export function denseEveryDepthBar(
  key: string,
  label: string,
  bound: number,
  layers: number[],
): CompetenceBar {
  return {
    requirement: `dense ${label} ≥ ${bound} at every L (${layers.join(", ")})`,
    measure(results: readonly RunResult[]) {
      const means = layers.map((l) => meanOf(runsOf(results, isDense, l), key));
      if (means.some((m) => m === undefined)) return undefined;
      const worst = Math.min(...(means as number[]));
      return { value: `lowest ${worst.toFixed(3)}`, met: worst >= bound };
    },
  };
}

/** "At least one sparse series clears `bound` at L layers." */
export function someSparseBar(
  key: string,
  label: string,
  bound: number,
  layers: number,
): CompetenceBar {
  return {
    requirement: `at least one sparse pattern's ${label} at L = ${layers} ≥ ${bound}`,
    measure(results) {
      const bySeries = new Map<string, RunResult[]>();
      for (const r of runsOf(results, (r) => !isDense(r), layers)) {
        const key = `${r.pattern} ${r.configuration} ${JSON.stringify(r.patternParameters)}`;
        bySeries.set(key, [...(bySeries.get(key) ?? []), r]);
      }
      const means = [...bySeries.entries()].flatMap(([series, runs]) => {
        const mean = meanOf(runs, key);
        return mean === undefined ? [] : [{ series, mean }];
      });
      if (means.length === 0) return undefined;
      const best = means.reduce((a, b) => (b.mean > a.mean ? b : a));
      return { value: `best ${best.mean.toFixed(3)} (${best.series})`, met: best.mean >= bound };
    },
  };
}

/** "Every run has at least `minimum` test examples." */
export function testSetBar(minimum: number): CompetenceBar {
  return {
    requirement: `every run tested on ≥ ${minimum} held-out examples`,
    measure(results) {
      if (results.length === 0) return undefined;
      const fewest = Math.min(...results.map((r) => r.final.testExamples ?? 0));
      return { value: `fewest ${fewest}`, met: fewest >= minimum };
    },
  };
}

/**
 * The first evaluation step at which the dense mean (over seeds, at L layers) of the validation
 * metric reaches `threshold`, from the runs' curves; undefined when it never does.
 */
export function firstCrossing(
  results: readonly RunResult[],
  layers: number,
  threshold: number,
): number | undefined {
  const runs = runsOf(results, isDense, layers);
  if (runs.length === 0) return undefined;
  const steps = runs.flatMap((r) => r.curve.filter((p) => p.metric !== undefined))
    .map((p) => p.step);
  for (const step of [...new Set(steps)].sort((a, b) => a - b)) {
    const values = runs.map((r) => r.curve.find((p) => p.step === step)?.metric);
    if (values.some((v) => v === undefined)) continue;
    const mean = (values as number[]).reduce((a, b) => a + b, 0) / values.length;
    if (mean >= threshold) return step;
  }
  return undefined;
}

/** "Every run trained at least `factor`× past the step where dense at L first crosses." */
export function trainedPastCrossingBar(
  layers: number,
  threshold: number,
  factor: number,
): CompetenceBar {
  return {
    requirement: `every run trained ≥ ${factor}× past the step where dense L = ${layers} ` +
      `first reaches ${threshold}`,
    measure(results) {
      if (runsOf(results, isDense, layers).length < MIN_SEEDS) return undefined;
      const crossing = firstCrossing(results, layers, threshold);
      if (crossing === undefined) return { value: "dense never crosses", met: false };
      const fewest = Math.min(...results.map((r) => Number(r.model.steps)));
      return {
        value: `crossing at step ${crossing}; ${fewest} steps (${(fewest / crossing).toFixed(1)}×)`,
        met: fewest >= factor * crossing,
      };
    },
  };
}

export interface CompetenceRow {
  requirement: string;
  measured: string;
  /** "met", "missed", or "pending" (its runs are not committed yet). */
  status: "met" | "missed" | "pending";
}

/** Each bar measured on `results`. */
export function measureBars(
  bars: readonly CompetenceBar[],
  results: readonly RunResult[],
): CompetenceRow[] {
  return bars.map((bar) => {
    const measured = bar.measure(results);
    if (measured === undefined) {
      return { requirement: bar.requirement, measured: "not committed yet", status: "pending" };
    }
    return {
      requirement: bar.requirement,
      measured: measured.value,
      status: measured.met ? "met" : "missed",
    };
  });
}
