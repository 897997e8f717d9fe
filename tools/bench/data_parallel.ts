/**
 * The data-parallel benchmark: tokens per second of one language model trained by W workers
 * that share gradients (lib/train/data_parallel.ts), against one worker on the same global batch.
 * The model is the training benchmark's `large` configuration. A run's wall time includes
 * starting the workers and building their models, so each worker count is run twice, for a short
 * and a long number of steps, and the time per step is the difference over the extra steps:
 * start-up cancels out.
 */
import { trainDataParallel } from "../../lib/train/data_parallel.ts";
import { InputError, requireInteger } from "../../lib/util/errors.ts";
import { TRAINING_BENCH_CONFIGS, trainingBenchSize } from "./training.ts";

export interface DataParallelBenchRecord {
  config: string;
  workers: number;
  msPerStep: number;
  tokensPerSecond: number;
  /** Tokens per second over one worker's. */
  speedup: number;
}

export interface DataParallelBenchOptions {
  workers?: readonly number[];
  /** The short and the long run's steps. */
  steps?: [number, number];
  fused?: boolean;
  onRecord?: (record: DataParallelBenchRecord) => void;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export async function runDataParallelBenchmark(
  options: DataParallelBenchOptions = {},
): Promise<DataParallelBenchRecord[]> {
  const config = TRAINING_BENCH_CONFIGS.find((c) => c.name === "large")!;
  const counts = options.workers ?? [1, 2];
  if (counts[0] !== 1) throw new InputError("workers", counts, "the first count must be 1");
  const [short, long] = options.steps ?? [2, 8];
  requireInteger("steps (short)", short, 1);
  requireInteger("steps (long)", long, short + 1);
  const records: DataParallelBenchRecord[] = [];
  for (const workers of counts) {
    const wall = async (steps: number) =>
      (await trainDataParallel({
        pattern: { pattern: "strided", configuration: "sequential", parameters: { c: config.c } },
        layers: config.layers,
        seed: 0,
        size: trainingBenchSize(config, steps),
        steps,
        workers,
        fused: options.fused !== false,
      })).wallSeconds;
    const ms = (1000 * ((await wall(long)) - (await wall(short)))) / (long - short);
    const tokensPerSecond = Math.round((config.batch * config.n) / (ms / 1000));
    const record = {
      config: config.name,
      workers,
      msPerStep: round(ms, 1),
      tokensPerSecond,
      speedup: round(tokensPerSecond / (records[0]?.tokensPerSecond ?? tokensPerSecond), 2),
    };
    records.push(record);
    options.onRecord?.(record);
  }
  return records;
}

export function dataParallelMarkdown(records: readonly DataParallelBenchRecord[]): string {
  const lines = [
    "Data-parallel training of the `large` configuration: W workers share each global batch " +
    "and their gradients (SharedArrayBuffer); time per step from the difference of a short and " +
    "a long run, so start-up cancels out.",
    "",
    "| config | workers | ms/step | tokens/s | speed-up over 1 worker |",
    "|---|---:|---:|---:|---:|",
    ...records.map((r) =>
      `| ${r.config} | ${r.workers} | ${r.msPerStep} | ${r.tokensPerSecond} | ${r.speedup}× |`
    ),
  ];
  return lines.join("\n") + "\n";
}
