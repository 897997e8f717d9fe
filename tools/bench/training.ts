/**
 * The training benchmark: one step (forward + backward + Adam update) of the language-modelling
 * experiment's model, exactly as lib/train/tasks.ts trains it (languageModelSetup and the same
 * trainer), at two fixed configurations, with the 2-D matmul rates of tfjs and of the lab's
 * SIMD matmul (the one the training path multiplies with on wasm) measured in the same run.
 *
 * - small: causal pre-LN decoder on Moby Dick characters, n = 64, width 32, 2 blocks, 4 heads,
 *   feed-forward 64 (ReLU), batch 16, STRIDED in the SEQUENTIAL configuration with c = 10,
 *   Adam lr 3e-3;
 * - large: the same at n = 128, width 128, 4 blocks, feed-forward 256, batch 32, c = 25.
 *
 * Timing: a warm-up, then rounds that alternate the configurations (so a change of machine
 * load hits both alike), each round timing `steps` consecutive steps; the median per-step time
 * over rounds is reported.
 *
 * Kernels per step: tf.profile records every kernel the engine dispatches, including those run
 * inside a custom-gradient op's forward or backward function; entries that are not registered
 * kernels of the backend (the custom-gradient wrappers themselves, named after their scope) are
 * left out. Tensor creation from JavaScript arrays is not a kernel and is not counted. The
 * count is deterministic for a given model and code path.
 *
 * Useful FLOPs per step (matmul-shaped work only; LayerNorm, softmax and Adam not counted):
 * 3 × forward, forward = batch · (L · (n · (8d² + 4·d·f) + 4·C_l·d) + 2·n·d·V), with C_l the
 * connections of layer l's causal graph (scores 2·C·d, weighted sum 2·C·d), 8d² the four
 * projections and 4df the feed-forward per token, 2dV the output head.
 */
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import { adamTrainer, type Trainer } from "../../lib/attention/tf/fused_adam.ts";
import { languageModelSetup, type TaskSize } from "../../lib/train/tasks.ts";
import { resolvePattern } from "../../lib/train/sweep_grid.ts";
import {
  measureHeapMatmulGflops,
  measureMatmulGflops,
  measureNativeMatmulGflops,
  measureNativePeakGflops,
  PEAK_PRODUCT_SIZE,
} from "../../lib/bench/attention.ts";
import { InputError, requireInteger } from "../../lib/util/errors.ts";
import { median } from "../../lib/util/statistics.ts";
import { type Rng, seededRng } from "../../lib/util/random.ts";

export interface TrainingBenchConfig {
  name: "small" | "large";
  n: number;
  width: number;
  layers: number;
  heads: number;
  ffHidden: number;
  batch: number;
  /** STRIDED's c (SEQUENTIAL configuration). */
  c: number;
  learningRate: number;
}

export const TRAINING_BENCH_CONFIGS: readonly TrainingBenchConfig[] = [
  {
    name: "small",
    n: 64,
    width: 32,
    layers: 2,
    heads: 4,
    ffHidden: 64,
    batch: 16,
    c: 10,
    learningRate: 3e-3,
  },
  {
    name: "large",
    n: 128,
    width: 128,
    layers: 4,
    heads: 4,
    ffHidden: 256,
    batch: 32,
    c: 25,
    learningRate: 3e-3,
  },
];

/**
 * The shape both 2-D matmul rates are measured at: the large configuration's fused q|k|v
 * projection, [batch·n × width]·[width × 3·width].
 */
export const MATMUL_SHAPE = [32 * 128, 128, 3 * 128] as const;

export interface TrainingBenchRecord {
  config: string;
  /** The schedule the configuration trains (STRIDED SEQUENTIAL at its c). */
  pattern: string;
  msPerStep: number;
  tokensPerSec: number;
  usefulGflops: number;
  /** tfjs's 2-D matmul rate in the same run, at MATMUL_SHAPE. */
  matmulGflops: number;
  /** The lab's SIMD heap matmul rate in the same run, at MATMUL_SHAPE (null off wasm). */
  simdMatmulGflops: number | null;
  /** The machine's BLAS (OpenBLAS through FFI) in the same run, at MATMUL_SHAPE (null: absent). */
  nativeMatmulGflops: number | null;
  /** The core's measured FMA peak in the same run (measureNativePeakGflops; null: no BLAS). */
  fmaPeakGflops: number | null;
  kernelsPerStep: number;
}

export interface TrainingBenchOptions {
  /** Configurations to run; default both. */
  configs?: readonly TrainingBenchConfig[];
  /** Untimed steps per configuration first; default 3. */
  warmup?: number;
  /** Timed rounds (alternating configurations); default 5. */
  rounds?: number;
  /** Steps per round; default 5. */
  steps?: number;
  /** false: tfjs's op chains and tf.train.adam (the unfused path); default true. */
  fused?: boolean;
  onRecord?: (record: TrainingBenchRecord) => void;
}

/** One configuration's model, trainer and batch stream, ready to step. */
export interface TrainingCell {
  config: TrainingBenchConfig;
  /** The schedule's name. */
  pattern: string;
  step(): number;
  /** Useful FLOPs of one step (the module comment's formula). */
  usefulFlops: number;
  dispose(): void;
}

/** A configuration's sizes as the tasks take them, for `steps` steps at a constant rate. */
export function trainingBenchSize(config: TrainingBenchConfig, steps: number): TaskSize {
  return {
    n: config.n,
    width: config.width,
    heads: config.heads,
    ffHidden: config.ffHidden,
    batch: config.batch,
    steps,
    learningRate: config.learningRate,
    warmup: 0,
    evalEvery: steps,
    extra: 0,
  };
}

/** Builds a configuration through the experiments' own code (tasks.ts, sweep_grid.ts). */
export function prepareTrainingCell(config: TrainingBenchConfig, fused = true): TrainingCell {
  const size = trainingBenchSize(config, 1);
  const pattern = resolvePattern(
    { pattern: "strided", configuration: "sequential" },
    config.n,
    undefined,
    0,
    { c: config.c },
  );
  const setup = languageModelSetup({ pattern, layers: config.layers, seed: 0, size, fused });
  const trainer: Trainer = adamTrainer(setup.model.params, {
    learningRate: config.learningRate,
    fused,
  });
  const rng: Rng = seededRng(1);
  const graphs = setup.model.stack.plan.at(config.n);
  const connections = graphs.map((heads) => heads[0].keys.length);
  const { n, width: d, ffHidden: f, batch } = config;
  const vocab = setup.vocab.size;
  const forward = batch *
    (connections.reduce((sum, c) => sum + n * (8 * d * d + 4 * d * f) + 4 * c * d, 0) +
      2 * n * d * vocab);
  return {
    config,
    pattern: pattern.schedule.name,
    usefulFlops: 3 * forward,
    step: () => {
      const batchData = setup.trainingBatch(rng);
      const loss = trainer.step(batchData.loss);
      tf.dispose(batchData.inputs);
      return loss;
    },
    dispose: () => {
      trainer.dispose();
      setup.model.dispose();
    },
  };
}

/** Kernels the engine dispatches during one call of `run` (see the module comment). */
export async function countKernels(run: () => unknown): Promise<number> {
  const backend = tf.getBackend();
  const profile = await tf.profile(() => {
    run();
    return [];
  });
  return profile.kernels.filter((k) => tf.getKernel(k.name, backend) !== undefined).length;
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** Times each configuration (module comment) and returns one record per configuration. */
export async function runTrainingBenchmark(
  options: TrainingBenchOptions = {},
): Promise<TrainingBenchRecord[]> {
  const configs = options.configs ?? TRAINING_BENCH_CONFIGS;
  if (configs.length === 0) throw new InputError("configs", 0, "expected at least one");
  const warmup = requireInteger("warmup", options.warmup ?? 3, 0, 1000);
  const rounds = requireInteger("rounds", options.rounds ?? 5, 1, 1000);
  const steps = requireInteger("steps", options.steps ?? 5, 1, 1000);
  await initTf();
  const [m, k, n] = MATMUL_SHAPE;
  const matmulGflops = round(measureMatmulGflops(m, k, n), 2);
  const heapRate = measureHeapMatmulGflops(m, k, n);
  const simdMatmulGflops = heapRate === null ? null : round(heapRate, 2);
  const nativeRate = measureNativeMatmulGflops(m, k, n);
  const nativeMatmulGflops = nativeRate === null ? null : round(nativeRate, 2);
  const peak = measureNativePeakGflops();
  const fmaPeakGflops = peak === null ? null : round(peak, 2);
  const cells = configs.map((config) => prepareTrainingCell(config, options.fused !== false));
  try {
    const kernels: number[] = [];
    for (const cell of cells) {
      for (let i = 0; i < warmup; i++) cell.step();
      kernels.push(await countKernels(() => cell.step()));
    }
    const times: number[][] = cells.map(() => []);
    for (let r = 0; r < rounds; r++) {
      cells.forEach((cell, i) => {
        const start = performance.now();
        for (let s = 0; s < steps; s++) cell.step();
        times[i].push((performance.now() - start) / steps);
      });
    }
    return cells.map((cell, i) => {
      const ms = median(times[i]);
      const record: TrainingBenchRecord = {
        config: cell.config.name,
        pattern: cell.pattern,
        msPerStep: round(ms, 2),
        tokensPerSec: Math.round((cell.config.batch * cell.config.n) / (ms / 1000)),
        usefulGflops: round(cell.usefulFlops / (ms * 1e6), 3),
        matmulGflops,
        simdMatmulGflops,
        nativeMatmulGflops,
        fmaPeakGflops,
        kernelsPerStep: kernels[i],
      };
      options.onRecord?.(record);
      return record;
    });
  } finally {
    for (const cell of cells) cell.dispose();
  }
}

/** The native rate as a share of the core's measured FMA peak, as a clause ("" without one). */
function peakSentence(record: TrainingBenchRecord): string {
  const { nativeMatmulGflops: native, fmaPeakGflops: peak } = record;
  if (native == null || peak == null || !(peak > 0)) return "";
  return `, ${(100 * native / peak).toFixed(1)}% of the core's measured FMA peak of ${peak} ` +
    `GFLOP/s (OpenBLAS on ${PEAK_PRODUCT_SIZE}³)`;
}

/** The records as a Markdown table. */
export function trainingMarkdown(records: readonly TrainingBenchRecord[]): string {
  const simd = records[0]?.simdMatmulGflops;
  const lines = [
    "Language-model training step (forward + backward + Adam), STRIDED SEQUENTIAL, " +
    `${tf.getBackend()} backend; 2-D matmul [${MATMUL_SHAPE[0]} × ${MATMUL_SHAPE[1]}]·[${
      MATMUL_SHAPE[1]
    } × ${MATMUL_SHAPE[2]}]: tfjs ${records[0]?.matmulGflops ?? "–"} GFLOP/s` +
    (simd == null ? "" : `, the lab's SIMD matmul ${simd} GFLOP/s`) +
    (records[0]?.nativeMatmulGflops == null
      ? "."
      : `, OpenBLAS through FFI ${records[0].nativeMatmulGflops} GFLOP/s (the step's products ` +
        "run there)" + peakSentence(records[0]) + "."),
    "",
    "| config | ms/step | tokens/s | useful GFLOP/s (of the matmul the step uses) | kernels/step |",
    "|---|---:|---:|---:|---:|",
  ];
  for (const r of records) {
    // the step multiplies with OpenBLAS where it is, the SIMD matmul on wasm, tfjs's elsewhere
    const ceiling = r.nativeMatmulGflops ?? r.simdMatmulGflops ?? r.matmulGflops;
    const fraction = ceiling > 0 ? (100 * r.usefulGflops / ceiling).toFixed(1) : "–";
    lines.push(
      `| ${r.config} | ${r.msPerStep} | ${r.tokensPerSec} | ${r.usefulGflops} (${fraction}%) | ${r.kernelsPerStep} |`,
    );
  }
  return lines.join("\n") + "\n";
}
