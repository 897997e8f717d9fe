/**
 * The attention benchmark: forward + backward time and peak memory of one
 * multi-head attention layer (d = 64, 4 heads, projections included), dense-masked versus
 * sparse, over n and the patterns below. The same run measures the backend's 2-D matmul rate
 * (the machine's ceiling) and reports each implementation's useful GFLOP/s as a fraction of it.
 *
 * Useful work counts only the pattern's connections: 24·n·d² for the four projections
 * (forward 8·n·d², backward twice that) plus 12·C·d for the scores and the weighted sum over
 * C connections (forward 4·C·d, backward 8·C·d). The dense-masked layer does n² worth of
 * score work, so its useful rate is low by design: that is the lesson.
 */
import { nativeBlasActive, setNativeBlas } from "../attention/tf/heap_kernels/native_blas.ts";
import { initTf, tf } from "../attention/tf/backend.ts";
import { ATTENTION_IMPLS, type AttentionImpl } from "../attention/tf/attention_op.ts";
import { MultiHeadAttention } from "../attention/tf/layers.ts";
import { ParameterSet } from "../attention/tf/parameters.ts";
import {
  emptyTensor,
  heapKernelsAvailable,
  matrix,
  multiplyInto,
} from "../attention/tf/heap_kernels/mod.ts";
import { graphOfPattern } from "../attention/sparse_kernel/mod.ts";
import { requireZooEntry, resolvePatternParams } from "../pattern/zoo.ts";
import type { SparsityPattern } from "../pattern/pattern.ts";
import { InputError, requireInteger } from "../util/errors.ts";
import { BENCH_DENSE_MAX_TOKENS, BENCH_MAX_TOKENS } from "../util/limits.ts";
import { seededRng } from "../util/random.ts";
import { median } from "../util/statistics.ts";
import process from "node:process";

export const BENCH_WIDTH = 64;
export const BENCH_HEADS = 4;

/**
 * Which zoo entry (lib/pattern/zoo.ts) each benchmark pattern is, with its parameters at
 * length n. Every entry has one pattern (p = 1) so one attention layer holds all of it.
 */
const BENCH_ZOO: Record<
  string,
  { zoo: string; params: (n: number) => Record<string, number | string> }
> = {
  window: { zoo: "window", params: (n) => ({ n, w: 8 }) },
  star: { zoo: "star", params: (n) => ({ n }) },
  bigbird: { zoo: "bigbird", params: (n) => ({ n, w: 3, g: 2, r: 3, seed: 0 }) },
  // both of Child et al.'s patterns in one layer (UNION), c = ⌈√n⌉: O(n^1.5) connections
  strided: { zoo: "union", params: (n) => ({ n, of: "strided", c: Math.ceil(Math.sqrt(n)) }) },
};

/** The benchmark's patterns at length n, built from the zoo, with their parameters in the name. */
export const BENCH_PATTERNS: Record<string, (n: number) => SparsityPattern> = Object.fromEntries(
  Object.entries(BENCH_ZOO).map(([key, { zoo, params }]) => [
    key,
    (n: number) => requireZooEntry(zoo).build(resolvePatternParams(zoo, params(n))).patterns[0],
  ]),
);

export const DEFAULT_LENGTHS = [256, 512, 1024, 2048, 4096, 8192, 16384];
/** Beyond this n the dense-masked layer needs > 2 GB and minutes per step here: skipped. */
export const DEFAULT_DENSE_MAX_N = 4096;

export interface BenchRecord {
  impl: AttentionImpl;
  pattern: string;
  /** The pattern with its parameters, e.g. "window(w=8)". */
  patternName: string;
  n: number;
  /** Median forward + backward wall-clock time (what the floor checks). */
  ms: number;
  /** Median CPU time of this process over the same steps: what a step costs when the machine
   * is shared (wall time also counts the moments another job holds the core). */
  cpuMs?: number;
  runs: number;
  connections: number;
  /** Peak bytes of tfjs tensors during one step (tf.profile). */
  tensorPeakBytes: number;
  /** Bytes of JavaScript arrays the sparse core holds at its peak (0 for dense). */
  coreBytes: number;
  peakBytes: number;
  usefulGflops: number;
  /** usefulGflops / the backend's 2-D matmul GFLOP/s. */
  fractionOfMatmul: number;
}

export interface BenchResult {
  generated: string;
  backend: string;
  deno: string;
  settings: { width: number; heads: number; batch: 1; denseMaxN: number };
  /** Load averages (1, 5, 15 min) and cores at the start and end of the run. */
  load?: { start: number[]; end: number[]; cores: number };
  matmulGflops: number;
  records: BenchRecord[];
}

export interface BenchOptions {
  patterns?: string[];
  lengths?: number[];
  impls?: AttentionImpl[];
  denseMaxN?: number;
  /** Called after each record (progress lines). */
  onRecord?: (record: BenchRecord) => void;
}

/**
 * Returns `name` when it is one of BENCH_PATTERNS' own keys (a name such as "__proto__" or
 * "toString" is not a pattern, whatever the object inherits).
 */
export function requireBenchPattern(name: string): string {
  if (!Object.hasOwn(BENCH_PATTERNS, name)) {
    throw new InputError(
      "--pattern",
      name,
      `expected one of ${Object.keys(BENCH_PATTERNS).join(", ")}`,
    );
  }
  return name;
}

/**
 * A 2-D product's rate: the median over products of [m × k]·[k × n], after a warm-up, repeated
 * for at least a quarter of a second (and at least 5 times). `multiplyOnce` returns a tensor to
 * dispose, or nothing when it writes into one it holds. The lab's backends (wasm, cpu) compute
 * when the op is called, so the time is the product's own; reading the result back would time a
 * pass over the whole result as well, which for a multi-megabyte product costs as much as the
 * arithmetic.
 */
function productRate(
  multiplyOnce: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor | void,
  m: number,
  k: number,
  n: number,
): number {
  const a = tf.randomUniform([m, k], -1, 1, "float32", 1) as tf.Tensor2D;
  const b = tf.randomUniform([k, n], -1, 1, "float32", 2) as tf.Tensor2D;
  const times: number[] = [];
  const started = performance.now();
  for (let run = 0; run < 6 || performance.now() - started < 250; run++) {
    const start = performance.now();
    const product = multiplyOnce(a, b);
    if (run > 0) times.push(performance.now() - start);
    product?.dispose();
  }
  tf.dispose([a, b]);
  return (2 * m * k * n) / (median(times) * 1e6);
}

/** A heap product into one output tensor of [m × n], kept for every repetition. */
function heapProductRate(m: number, k: number, n: number): number {
  const out = emptyTensor([m, n]);
  try {
    return productRate((a, b) => multiplyInto(matrix(out), matrix(a), matrix(b)), m, k, n);
  } finally {
    out.dispose();
  }
}

/** The backend's 2-D matmul rate on [m × k]·[k × n] (default 512 × 512 squares). */
export function measureMatmulGflops(m = 512, k = m, n = m): number {
  return productRate((a, b) => tf.matMul(a, b), m, k, n);
}

/**
 * The lab's SIMD heap matmul rate (lib/attention/tf/heap_kernels), measured as
 * measureMatmulGflops measures tfjs's; null where it cannot run (not the wasm backend).
 */
export function measureHeapMatmulGflops(m = 512, k = m, n = m): number | null {
  if (!heapKernelsAvailable()) return null;
  const setting = setNativeBlas(false); // the WASM SIMD matmul itself, whatever the machine has
  try {
    return heapProductRate(m, k, n);
  } finally {
    setNativeBlas(setting);
  }
}

/** The square product whose native rate stands for the core's FMA peak. */
export const PEAK_PRODUCT_SIZE = 2048;

/**
 * The core's measured FMA peak, in GFLOP/s: the machine's BLAS on one large square product
 * ([2048 × 2048]·[2048 × 2048], where blocking hides every overhead and the rate is the
 * multiply-add units' own); null where the native path is not active.
 */
export function measureNativePeakGflops(): number | null {
  return measureNativeMatmulGflops(PEAK_PRODUCT_SIZE, PEAK_PRODUCT_SIZE, PEAK_PRODUCT_SIZE);
}

/**
 * The heap product's rate through the machine's BLAS (native_blas.ts), in GFLOP/s; null where
 * the native path is not active.
 */
export function measureNativeMatmulGflops(m = 512, k = m, n = m): number | null {
  if (!heapKernelsAvailable() || !nativeBlasActive()) return null;
  return heapProductRate(m, k, n);
}

export function usefulFlops(n: number, connections: number, width = BENCH_WIDTH): number {
  return 24 * n * width * width + 12 * connections * width;
}

/** Bytes the sparse core's JavaScript arrays hold at the peak of one step (backward). */
export function sparseCoreBytes(n: number, connections: number, width: number, heads: number) {
  const activations = n * width;
  const inputs = 4 * 3 * activations; // the fused q | k | v projection read out as float32
  const probabilities = 8 * heads * connections;
  const upstream = 4 * activations;
  const sums = 8 * 2 * activations; // float64 sums of the key and value gradients
  const gradient = 4 * 3 * activations; // the fused float32 gradient handed back to tfjs
  return inputs + probabilities + upstream + sums + gradient;
}

/** One (impl, pattern, n) cell: a layer and its inputs, ready to time. */
interface BenchCell {
  impl: AttentionImpl;
  patternKey: string;
  n: number;
  pattern: SparsityPattern;
  runs: number;
  times: number[];
  cpuTimes: number[];
  /** One forward + backward step; returns the loss. */
  step: () => tf.Scalar;
  dispose: () => void;
}

/**
 * The harness's loss Σ y·upstream, whose gradient with respect to y is upstream itself: handed
 * back without a kernel (tf.sum and tf.mul's own gradients would build a tensor of ones and
 * multiply, work that belongs to no attention layer), so a step times the layer.
 */
function dotWithUpstream(upstream: tf.Tensor): (y: tf.Tensor) => tf.Scalar {
  const op = tf.customGrad((...inputs) => {
    const y = inputs[0] as tf.Tensor;
    const value = tf.sum(tf.mul(y, upstream)) as tf.Scalar;
    const gradFunc = (dy: tf.Tensor) => {
      const scale = dy.dataSync()[0];
      return scale === 1 ? tf.clone(upstream) : tf.mul(upstream, scale);
    };
    return { value, gradFunc };
  });
  return (y) => op(y) as tf.Scalar;
}

function prepareCell(impl: AttentionImpl, patternKey: string, n: number): BenchCell {
  const pattern = BENCH_PATTERNS[requireBenchPattern(patternKey)](n);
  const params = new ParameterSet(1);
  // the fused projections are the experiments' training path (lib/train/tasks.ts)
  const layer = new MultiHeadAttention(params, "bench", {
    width: BENCH_WIDTH,
    heads: BENCH_HEADS,
    impl,
    fused: true,
  });
  const graph = graphOfPattern(pattern);
  const graphs = Array.from({ length: BENCH_HEADS }, () => graph);
  const rng = seededRng(n);
  const random = () =>
    tf.tensor3d(
      Float32Array.from({ length: n * BENCH_WIDTH }, () => 2 * rng.next() - 1),
      [1, n, BENCH_WIDTH],
    );
  const x = random();
  const upstream = random();
  const loss = dotWithUpstream(upstream);
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => loss(layer.apply(x, graphs)),
        params.list(),
      );
      // reading every gradient forces the whole backward pass to finish
      for (const gradient of Object.values(grads)) gradient.dataSync();
      return value;
    });
  // a dense step at n ≥ 2048 takes seconds: fewer runs there
  const runs = impl === "sparse" ? SPARSE_RUNS : n >= 2048 ? 1 : 3;
  return {
    impl,
    patternKey,
    n,
    pattern,
    runs,
    times: [],
    cpuTimes: [],
    step,
    dispose: () => {
      tf.dispose([x, upstream]);
      params.dispose();
    },
  };
}

/** Timed sparse steps per cell (the median is reported). */
export const SPARSE_RUNS = 21;

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function timeStep(cell: BenchCell): void {
  const cpuStart = cpuMs();
  const start = performance.now();
  cell.step().dispose();
  cell.times.push(performance.now() - start);
  cell.cpuTimes.push(cpuMs() - cpuStart);
}

/**
 * Times cells after warm-up steps (two for sparse: the JIT compiles the core on the first). Run r of
 * every cell comes before run r + 1 of any, and every other round goes through the cells in
 * reverse, so a slow spell on a shared machine hits all lengths alike instead of one (the
 * growth ratios between lengths are what the floor checks), and neither end of the order is
 * favoured.
 */
function timeInterleaved(cells: BenchCell[]): void {
  for (const cell of cells) {
    // one warm-up for dense steps: they take seconds and have no JavaScript hot loop
    for (let warm = cell.impl === "sparse" ? 2 : 1; warm > 0; warm--) cell.step().dispose();
  }
  const rounds = Math.max(...cells.map((cell) => cell.runs));
  for (let run = 0; run < rounds; run++) {
    for (const cell of run % 2 ? [...cells].reverse() : cells) {
      if (run < cell.runs) timeStep(cell);
    }
  }
}

async function recordOf(cell: BenchCell, matmulGflops: number): Promise<BenchRecord> {
  const { impl, n, pattern } = cell;
  const tensorPeakBytes = await profilePeakBytes(cell.step);
  const ms = median(cell.times);
  const coreBytes = impl === "sparse"
    ? sparseCoreBytes(n, pattern.connections, BENCH_WIDTH, BENCH_HEADS)
    : 0;
  const usefulGflops = usefulFlops(n, pattern.connections) / (ms * 1e6);
  return {
    impl,
    pattern: cell.patternKey,
    patternName: pattern.name,
    n,
    ms: round(ms, 2),
    cpuMs: round(median(cell.cpuTimes), 2),
    runs: cell.runs,
    connections: pattern.connections,
    tensorPeakBytes,
    coreBytes,
    peakBytes: tensorPeakBytes + coreBytes,
    usefulGflops: round(usefulGflops, 3),
    fractionOfMatmul: round(usefulGflops / matmulGflops, 4),
  };
}

/** Peak bytes of tfjs tensors allocated by one step, above what was live before it. */
async function profilePeakBytes(step: () => tf.Scalar): Promise<number> {
  const before = tf.memory().numBytes;
  const profile = await tf.profile(() => step());
  (profile.result as tf.Tensor).dispose();
  return Math.max(0, profile.peakBytes - before);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Runs the benchmark grid; dense cells beyond denseMaxN are skipped. */
export async function runBenchmark(options: BenchOptions = {}): Promise<BenchResult> {
  const patterns = (options.patterns ?? Object.keys(BENCH_PATTERNS)).map(requireBenchPattern);
  const lengths = options.lengths ?? DEFAULT_LENGTHS;
  lengths.forEach((n) => requireInteger("--n", n, 2, BENCH_MAX_TOKENS));
  const impls = options.impls ?? [...ATTENTION_IMPLS];
  impls.forEach((impl) => {
    if (!ATTENTION_IMPLS.includes(impl)) {
      throw new InputError("--impl", impl, `expected ${ATTENTION_IMPLS.join(" or ")}`);
    }
  });
  const denseMaxN = requireInteger(
    "--dense-max-n",
    options.denseMaxN ?? DEFAULT_DENSE_MAX_N,
    2,
    BENCH_DENSE_MAX_TOKENS,
  );
  const backend = await initTf();
  const loadStart = Deno.loadavg();
  const matmulGflops = round(measureMatmulGflops(), 2);
  const records: BenchRecord[] = [];
  for (const pattern of patterns) {
    // sparse cells of all lengths interleaved; dense cells one after another (seconds each)
    const groups = impls.map((impl) =>
      lengths.filter((n) => impl === "sparse" || n <= denseMaxN).map((n) =>
        prepareCell(impl, pattern, n)
      )
    );
    for (const cells of groups) {
      if (cells.length === 0) continue;
      if (cells[0].impl === "sparse") timeInterleaved(cells);
      else cells.forEach((cell) => timeInterleaved([cell]));
      for (const cell of cells) {
        const record = await recordOf(cell, matmulGflops);
        cell.dispose();
        records.push(record);
        options.onRecord?.(record);
      }
    }
  }
  return {
    generated: new Date().toISOString(),
    backend,
    deno: Deno.version.deno,
    settings: { width: BENCH_WIDTH, heads: BENCH_HEADS, batch: 1, denseMaxN },
    load: { start: loadStart, end: Deno.loadavg(), cores: navigator.hardwareConcurrency },
    matmulGflops,
    records,
  };
}

/** A floor the lab holds its measurements to, checked on a set of records. */
export interface FloorCheck {
  statement: string;
  holds: boolean;
  detail: string;
}

const find = (records: BenchRecord[], impl: AttentionImpl, pattern: string, n: number) =>
  records.find((r) => r.impl === impl && r.pattern === pattern && r.n === n);

/**
 * The floor for the O(n) patterns window and star: from n = 2048 up, doubling n at most
 * multiplies the sparse time by 2.3; at n = 4096 sparse is at least 10× faster than dense.
 * Only pairs present in `records` are checked.
 */
export function checkFloors(records: BenchRecord[], patterns = ["window", "star"]): FloorCheck[] {
  const checks: FloorCheck[] = [];
  for (const pattern of patterns) {
    const sparse = records
      .filter((r) => r.impl === "sparse" && r.pattern === pattern && r.n >= 2048)
      .sort((a, b) => a.n - b.n);
    for (const record of sparse) {
      const doubled = find(records, "sparse", pattern, 2 * record.n);
      if (!doubled) continue;
      const ratio = doubled.ms / record.ms;
      checks.push({
        statement: `${pattern}: sparse time ×${
          ratio.toFixed(2)
        } from n=${record.n} to ${doubled.n} (≤ ×2.3)`,
        holds: ratio <= 2.3,
        detail: `${record.ms} ms → ${doubled.ms} ms`,
      });
    }
    const dense = find(records, "dense", pattern, 4096);
    const fast = find(records, "sparse", pattern, 4096);
    if (dense && fast) {
      const speedup = dense.ms / fast.ms;
      checks.push({
        statement: `${pattern}: sparse ${
          speedup.toFixed(0)
        }× faster than dense-masked at n=4096 (≥ 10×)`,
        holds: speedup >= 10,
        detail: `${dense.ms} ms vs ${fast.ms} ms`,
      });
    }
  }
  return checks;
}
