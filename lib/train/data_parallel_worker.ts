/**
 * One worker of data-parallel training (data_parallel.ts): builds the language model, then for
 * each step computes the gradient of its share of the global batch and publishes it in the
 * shared buffer. The parameters are split among the workers (whole variables, contiguous, about
 * equal sizes): after a barrier each worker averages every worker's gradient of its own
 * variables in rank order, applies Adam to those variables (FlatAdam's update,
 * lib/attention/tf/fused_adam.ts) and publishes their new values; after a second barrier it
 * copies the other workers' variables from the buffer. Each variable is updated by exactly one
 * worker, so every copy of the model holds the same values, and each worker averages and
 * updates only its part.
 */
/// <reference lib="deno.worker" />
import { FlatAdam, initTf, tf } from "../attention/mod.ts";
import { copyTensorInto, takeFloat32, tensorFrom } from "../attention/tf/buffers.ts";
import { languageModelSetup } from "./tasks.ts";
import { resolvePattern } from "./sweep_grid.ts";
import { seededRng } from "../util/random.ts";
import type { DataParallelReply, DataParallelStart } from "./data_parallel.ts";

/** Waits until every worker has arrived (a barrier on [arrived, generation]). */
function arriveAndWait(counters: Int32Array, workers: number): void {
  const generation = Atomics.load(counters, 1);
  if (Atomics.add(counters, 0, 1) === workers - 1) {
    Atomics.store(counters, 0, 0);
    Atomics.add(counters, 1, 1);
    Atomics.notify(counters, 1);
    return;
  }
  while (Atomics.load(counters, 1) === generation) Atomics.wait(counters, 1, generation);
}

function reply(message: DataParallelReply): void {
  self.postMessage(message);
}

let setup: Awaited<ReturnType<typeof prepare>> | undefined;

async function prepare(start: DataParallelStart) {
  await initTf();
  const { options, rank, workers } = start;
  const { sparsity, parameters, ...choice } = options.pattern;
  const pattern = resolvePattern(choice, options.size.n, sparsity, options.seed, parameters);
  const { model, windows, windowLoss, text } = languageModelSetup({
    pattern,
    layers: options.layers,
    seed: options.seed,
    size: options.size,
    fused: options.fused ?? false,
  });
  const variables = model.params.list();
  const offsets: number[] = [];
  let total = 0;
  for (const variable of variables) {
    offsets.push(total);
    total += variable.size;
  }
  return { start, rank, workers, model, windows, windowLoss, text, variables, offsets, total };
}

/**
 * The variables each worker updates: whole variables in order, worker r taking those whose
 * first parameter lies in [r·total/W, (r+1)·total/W).
 */
function ownerOfVariables(offsets: readonly number[], total: number, workers: number) {
  return offsets.map((offset) => Math.min(workers - 1, Math.floor((offset * workers) / total)));
}

type Setup = NonNullable<typeof setup>;

/**
 * The shared buffer's regions: W gradient slots, W losses, the averaged gradient, the updated
 * weights (each `total` floats but the losses).
 */
function bufferViews(buffer: SharedArrayBuffer, workers: number, total: number) {
  return {
    slots: Array.from(
      { length: workers },
      (_, w) => new Float32Array(buffer, 4 * w * total, total),
    ),
    shareLosses: new Float32Array(buffer, 4 * workers * total, workers),
    average: new Float32Array(buffer, 4 * (workers * (total + 1)), total),
    weights: new Float32Array(buffer, 4 * (workers * (total + 1) + total), total),
  };
}

type Views = ReturnType<typeof bufferViews>;

/**
 * This worker's share of one step's global batch (drawn the same in every worker): its loss into
 * `shareLosses[rank]` and its gradient into its slot. Returns which variables the loss reaches:
 * one it does not reach has no gradient in any worker (same model, same loss).
 */
function publishShareGradient(s: Setup, views: Views, starts: number[]): boolean[] {
  const { rank, workers, windows, windowLoss, text, variables, offsets, start } = s;
  const { n, batch } = start.options.size;
  const share = batch / workers;
  const data = windows(text.train, starts.slice(rank * share, (rank + 1) * share));
  const input = tf.tensor2d(data.input, [share, n], "int32");
  const loss = () => tf.tidy(() => windowLoss(input, data.target));
  const { value, grads } = tf.variableGrads(loss, variables);
  input.dispose();
  views.shareLosses[rank] = value.dataSync()[0];
  value.dispose();
  const mine = views.slots[rank];
  const reached = variables.map((variable) => grads[variable.name] !== undefined);
  variables.forEach((variable, index) => {
    const grad = grads[variable.name];
    if (grad) copyTensorInto(grad, mine, offsets[index]);
    else mine.fill(0, offsets[index], offsets[index] + variable.size);
  });
  tf.dispose(Object.values(grads));
  return reached;
}

/** Averages every share's gradient of this worker's own variables, in rank order. */
function averageOwnGradients(s: Setup, views: Views, owner: number[]): void {
  const { rank, workers, variables, offsets } = s;
  variables.forEach((variable, index) => {
    if (owner[index] !== rank) return;
    const end = offsets[index] + variable.size;
    for (let i = offsets[index]; i < end; i++) {
      let sum = 0;
      for (let w = 0; w < workers; w++) sum += views.slots[w][i];
      views.average[i] = sum / workers;
    }
  });
}

/** Copies the variables other workers updated from the buffer into this worker's model. */
function adoptOthersWeights(s: Setup, views: Views, owner: number[], reached: boolean[]) {
  const { rank, variables, offsets } = s;
  variables.forEach((variable, index) => {
    if (owner[index] === rank || !reached[index]) return;
    const values = takeFloat32(variable.size);
    values.set(views.weights.subarray(offsets[index], offsets[index] + variable.size));
    const updated = tensorFrom(values, variable.shape);
    variable.assign(updated);
    updated.dispose();
  });
}

function train(buffer: SharedArrayBuffer) {
  const s = setup!;
  const { start, rank, workers, text, variables, offsets, total } = s;
  const { options } = start;
  const { n, batch, learningRate } = options.size;
  const counters = new Int32Array(start.barrier);
  const views = bufferViews(buffer, workers, total);
  const owner = ownerOfVariables(offsets, total, workers);
  const adam = new FlatAdam(variables, { learningRate });
  const rng = seededRng(options.seed);
  const losses: number[] = [];
  let firstGradient = new Float32Array(0);
  for (let step = 0; step < options.steps; step++) {
    const starts = Array.from({ length: batch }, () => rng.int(text.train.length - n - 1));
    const reached = publishShareGradient(s, views, starts);
    arriveAndWait(counters, workers);
    averageOwnGradients(s, views, owner);
    let lossSum = 0;
    for (let w = 0; w < workers; w++) lossSum += views.shareLosses[w];
    losses.push(lossSum / workers);
    adam.applyGradients(
      variables.map((variable, index) =>
        owner[index] === rank && reached[index]
          ? views.average.subarray(offsets[index], offsets[index] + variable.size)
          : undefined
      ),
    );
    variables.forEach((variable, index) => {
      if (owner[index] === rank) copyTensorInto(variable, views.weights, offsets[index]);
    });
    // nobody overwrites a slot before all have read it, nor reads weights not yet written
    arriveAndWait(counters, workers);
    if (step === 0) firstGradient = views.average.slice();
    adoptOthersWeights(s, views, owner, reached);
  }
  const parameters = new Float32Array(total);
  variables.forEach((variable, index) => {
    parameters.set(variable.dataSync() as Float32Array, offsets[index]);
  });
  return { losses, parameters, firstGradient };
}

self.onmessage = async (event: MessageEvent<DataParallelStart | SharedArrayBuffer>) => {
  try {
    if (event.data instanceof SharedArrayBuffer) {
      reply({ kind: "done", ...train(event.data) });
    } else {
      setup = await prepare(event.data);
      reply({ kind: "size", parameters: setup.total });
    }
  } catch (error) {
    reply({ kind: "error", message: (error as Error)?.message ?? String(error) });
  }
};
