/**
 * Data-parallel training of one language model over several Deno Workers that share their
 * gradients through a SharedArrayBuffer. Every worker builds the same model (same seed, same
 * initial weights) and draws the same global batch from the same seeded generator; worker r
 * computes the gradient of the mean loss on its 1/W share of the batch and writes it, flat, into
 * its slot of the shared buffer. The variables are split among the workers: after a barrier each
 * worker averages the W slots of its own variables (in rank order), applies Adam to them and
 * writes their new values into the buffer; after a second barrier (which also keeps a fast worker
 * from overwriting its slot while a slow one still reads it) every worker copies the others'
 * variables, so all copies hold the same values and the averaging and the optimizer's work are
 * shared rather than repeated. With one worker this is plain training on the global
 * batch: the gradient of the mean over the batch is the mean of the W shares' gradients (equal
 * shares), so W workers follow that trajectory within float32 rounding.
 *
 * Each worker's TF.js wasm backend is its own (a worker has its own module instances); the
 * shared buffer carries only float32 gradients, the losses and the barrier's counters.
 */
import type { PatternChoice } from "./sweep_grid.ts";
import type { TaskSize } from "./tasks.ts";
import { InputError, requireInteger } from "../util/errors.ts";

export interface DataParallelOptions {
  /** The pattern, resolved in each worker at `size.n` (resolvePattern of sweep_grid.ts). */
  pattern: PatternChoice & { sparsity?: number; parameters?: Record<string, number> };
  layers: number;
  seed: number;
  size: TaskSize;
  /** Training steps. */
  steps: number;
  /** Workers sharing each global batch of `size.batch` windows (it must divide the batch). */
  workers: number;
  /** Train through the fused ops (default false: TF.js's own op chains). */
  fused?: boolean;
}

export interface DataParallelResult {
  /** The global batch's mean loss at each step (the mean of the workers' shares). */
  losses: number[];
  /** Every parameter after training, flat, in the model's parameter order (worker 0's copy). */
  parameters: Float32Array;
  /** The averaged gradient of the first step (worker 0's), flat in parameter order. */
  firstGradient: Float32Array;
  /** The largest difference between two workers' final copies (0 when they agree exactly). */
  replicaSpread: number;
  wallSeconds: number;
}

/** What the main thread sends each worker. */
export interface DataParallelStart {
  options: Omit<DataParallelOptions, "workers">;
  rank: number;
  workers: number;
  /** Barrier counters: [arrived, generation]. */
  barrier: SharedArrayBuffer;
  /**
   * workers × parameter count float32 gradients, workers float32 losses, then the averaged
   * gradient and the updated weights (parameter count floats each).
   */
  shared: SharedArrayBuffer | null;
}

/** What a worker answers. */
export type DataParallelReply =
  | { kind: "size"; parameters: number }
  | { kind: "done"; losses: number[]; parameters: Float32Array; firstGradient: Float32Array }
  | { kind: "error"; message: string };

const WORKER_URL = new URL("./data_parallel_worker.ts", import.meta.url).href;

function nextReply(worker: Worker): Promise<DataParallelReply> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<DataParallelReply>) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
    };
  });
}

/** Trains `options.steps` steps over `options.workers` workers and returns the trajectory. */
export async function trainDataParallel(options: DataParallelOptions): Promise<DataParallelResult> {
  const workers = requireInteger("workers", options.workers, 1, navigator.hardwareConcurrency);
  requireInteger("steps", options.steps, 1);
  if (options.size.batch % workers !== 0) {
    throw new InputError("size.batch", options.size.batch, `expected a multiple of ${workers}`);
  }
  const started = performance.now();
  const { workers: _, ...shared } = options;
  const barrier = new SharedArrayBuffer(8);
  const pool = Array.from(
    { length: workers },
    () => new Worker(WORKER_URL, { type: "module" }),
  );
  try {
    // first every worker builds its model and says how many parameters it has
    const sizes = await Promise.all(pool.map((worker, rank) => {
      const reply = nextReply(worker);
      const start: DataParallelStart = {
        options: shared,
        rank,
        workers,
        barrier,
        shared: null,
      };
      worker.postMessage(start);
      return reply;
    }));
    const count = sizes.map((reply) => {
      if (reply.kind === "error") throw new Error(`data-parallel worker: ${reply.message}`);
      if (reply.kind !== "size") throw new Error("data-parallel worker: unexpected reply");
      return reply.parameters;
    });
    if (new Set(count).size !== 1) throw new Error(`workers built different models: ${count}`);
    // W gradient slots and W losses, then the averaged gradient and the updated weights
    const buffer = new SharedArrayBuffer(4 * (workers * (count[0] + 1) + 2 * count[0]));
    const replies = await Promise.all(pool.map((worker) => {
      const reply = nextReply(worker);
      worker.postMessage(buffer);
      return reply;
    }));
    const done = replies.map((reply) => {
      if (reply.kind === "error") throw new Error(`data-parallel worker: ${reply.message}`);
      if (reply.kind !== "done") throw new Error("data-parallel worker: unexpected reply");
      return reply;
    });
    let replicaSpread = 0;
    for (const other of done.slice(1)) {
      other.parameters.forEach((value, i) => {
        replicaSpread = Math.max(replicaSpread, Math.abs(value - done[0].parameters[i]));
      });
    }
    return {
      losses: done[0].losses,
      parameters: done[0].parameters,
      firstGradient: done[0].firstGradient,
      replicaSpread,
      wallSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const worker of pool) worker.terminate();
  }
}
