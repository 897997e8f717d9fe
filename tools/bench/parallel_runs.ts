/**
 * Runs per hour with two training processes at once, against one: what `deno task experiment
 * NAME --full --jobs 2` gains over `--jobs 1`. For each training-bench configuration
 * (training.ts), one child process trains alone for a fixed time, then two train at once; each
 * reports its median step time after a warm-up, and the speed-up is the two processes' summed
 * steps per second over the lone one's. Each child is this module run as a program:
 * `deno run -A tools/bench/parallel_runs.ts CONFIG SECONDS` prints `{"msPerStep": …}`.
 */
import { initTf } from "../../lib/attention/tf/backend.ts";
import { InputError, requireInteger } from "../../lib/util/errors.ts";
import { median } from "../../lib/util/statistics.ts";
import { pathFromUrl } from "../../lib/util/system.ts";
import { prepareTrainingCell, TRAINING_BENCH_CONFIGS } from "./training.ts";

export interface ParallelRunsRecord {
  config: string;
  /** Training processes at once. */
  processes: number;
  /** Each process's median step time (ms), in start order. */
  msPerStep: number[];
  /** Steps per second of all processes together. */
  stepsPerSecond: number;
  /** stepsPerSecond over one process's. */
  speedup: number;
}

export interface ParallelRunsOptions {
  /** Configuration names; default every training-bench configuration. */
  configs?: readonly string[];
  /** Seconds each child trains after its warm-up; default 10. */
  seconds?: number;
  onRecord?: (record: ParallelRunsRecord) => void;
}

const CHILD = pathFromUrl("./parallel_runs.ts", import.meta.url);
const round = (x: number, digits: number) => Number(x.toFixed(digits));

async function child(config: string, seconds: number): Promise<number> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, config, String(seconds)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    throw new Error(`parallel-runs child failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  const { msPerStep } = JSON.parse(text.split("\n").pop()!);
  return msPerStep;
}

export async function runParallelRunsBenchmark(
  options: ParallelRunsOptions = {},
): Promise<ParallelRunsRecord[]> {
  const seconds = requireInteger("seconds", options.seconds ?? 10, 1, 600);
  const names = options.configs ?? TRAINING_BENCH_CONFIGS.map((c) => c.name);
  for (const name of names) {
    if (!TRAINING_BENCH_CONFIGS.some((c) => c.name === name)) {
      throw new InputError("config", name, "expected small or large");
    }
  }
  const records: ParallelRunsRecord[] = [];
  for (const config of names) {
    let alone = 0;
    for (const processes of [1, 2]) {
      const ms = await Promise.all(Array.from({ length: processes }, () => child(config, seconds)));
      const stepsPerSecond = ms.reduce((sum, m) => sum + 1000 / m, 0);
      if (processes === 1) alone = stepsPerSecond;
      const record: ParallelRunsRecord = {
        config,
        processes,
        msPerStep: ms.map((m) => round(m, 2)),
        stepsPerSecond: round(stepsPerSecond, 2),
        speedup: round(stepsPerSecond / alone, 2),
      };
      records.push(record);
      options.onRecord?.(record);
    }
  }
  return records;
}

export function parallelRunsMarkdown(records: readonly ParallelRunsRecord[]): string {
  const lines = [
    "Training processes at once (what `--jobs 2` does), each training a training-bench " +
    "configuration; steps per second of all of them together.",
    "",
    "| config | processes | ms/step of each | steps/s together | speed-up over 1 process |",
    "|---|---:|---:|---:|---:|",
    ...records.map((r) =>
      `| ${r.config} | ${r.processes} | ${
        r.msPerStep.join(", ")
      } | ${r.stepsPerSecond} | ${r.speedup}× |`
    ),
  ];
  return lines.join("\n") + "\n";
}

if (import.meta.main) {
  const [name, secondsText] = Deno.args;
  const config = TRAINING_BENCH_CONFIGS.find((c) => c.name === name);
  if (!config) throw new InputError("config", name, "expected small or large");
  const seconds = Number(secondsText);
  await initTf();
  const cell = prepareTrainingCell(config);
  for (let i = 0; i < 3; i++) cell.step();
  const times: number[] = [];
  const end = performance.now() + 1000 * seconds;
  while (performance.now() < end) {
    const start = performance.now();
    cell.step();
    times.push(performance.now() - start);
  }
  cell.dispose();
  console.log(JSON.stringify({ msPerStep: median(times) }));
}
