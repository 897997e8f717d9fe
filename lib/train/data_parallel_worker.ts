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
import { FlatAdam, initTf, softmaxCrossEntropyOp, tf } from "../attention/mod.ts";
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
  const { model, windows, text } = languageModelSetup({
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
  return { start, rank, workers, model, windows, text, variables, offsets, total };
}

/**
 * The variables each worker updates: whole variables in order, worker r taking those whose
 * first parameter lies in [r·total/W, (r+1)·total/W).
 */
function ownerOfVariables(offsets: readonly number[], total: number, workers: number) {
  return offsets.map((offset) => Math.min(workers - 1, Math.floor((offset * workers) / total)));
}

function train(buffer: SharedArrayBuffer) {
  const { start, rank, workers, model, windows, text, variables, offsets, total } = setup!;
  const { options } = start;
  const { n, batch, learningRate } = options.size;
  const share = batch / workers;
  const counters = new Int32Array(start.barrier);
  // layout: W gradient slots, W losses, the averaged gradient, the updated weights
  const slots = Array.from(
    { length: workers },
    (_, w) => new Float32Array(buffer, 4 * w * total, total),
  );
  const shareLosses = new Float32Array(buffer, 4 * workers * total, workers);
  const average = new Float32Array(buffer, 4 * (workers * (total + 1)), total);
  const weights = new Float32Array(buffer, 4 * (workers * (total + 1) + total), total);
  const mine = slots[rank];
  const owner = ownerOfVariables(offsets, total, workers);
  const adam = new FlatAdam(variables, { learningRate });
  const rng = seededRng(options.seed);
  const losses: number[] = [];
  let firstGradient = new Float32Array(0);
  for (let step = 0; step < options.steps; step++) {
    // the global batch, drawn the same in every worker; this worker's share of it
    const starts = Array.from({ length: batch }, () => rng.int(text.train.length - n - 1));
    const data = windows(text.train, starts.slice(rank * share, (rank + 1) * share));
    const input = tf.tensor2d(data.input, [share, n], "int32");
    const loss = () =>
      tf.tidy(() => {
        const logits = model.logits(input);
        if (options.fused) {
          return softmaxCrossEntropyOp(
            logits,
            data.target.flat(),
            data.target.flat().map(() => 1),
          );
        }
        const classes = logits.shape[2];
        const oneHot = tf.oneHot(tf.tensor1d(data.target.flat(), "int32"), classes);
        return tf.losses.softmaxCrossEntropy(
          oneHot,
          tf.reshape(logits, [-1, classes]),
        ) as tf.Scalar;
      });
    const { value, grads } = tf.variableGrads(loss, variables);
    input.dispose();
    shareLosses[rank] = value.dataSync()[0];
    value.dispose();
    // a variable the loss does not reach has no gradient in any worker (same model, same loss)
    const reached = variables.map((variable) => grads[variable.name] !== undefined);
    variables.forEach((variable, index) => {
      const grad = grads[variable.name];
      if (!grad) {
        mine.fill(0, offsets[index], offsets[index] + variable.size);
        return;
      }
      copyTensorInto(grad, mine, offsets[index]);
    });
    tf.dispose(Object.values(grads));
    arriveAndWait(counters, workers);
    // this worker's variables: every share's gradient averaged in rank order, then Adam
    variables.forEach((variable, index) => {
      if (owner[index] !== rank) return;
      const end = offsets[index] + variable.size;
      for (let i = offsets[index]; i < end; i++) {
        let sum = 0;
        for (let w = 0; w < workers; w++) sum += slots[w][i];
        average[i] = sum / workers;
      }
    });
    let lossSum = 0;
    for (let w = 0; w < workers; w++) lossSum += shareLosses[w];
    losses.push(lossSum / workers);
    adam.applyGradients(
      variables.map((variable, index) =>
        owner[index] === rank && reached[index]
          ? average.subarray(offsets[index], offsets[index] + variable.size)
          : undefined
      ),
    );
    variables.forEach((variable, index) => {
      if (owner[index] !== rank) return;
      copyTensorInto(variable, weights, offsets[index]);
    });
    // nobody overwrites a slot before all have read it, nor reads weights not yet written
    arriveAndWait(counters, workers);
    if (step === 0) firstGradient = average.slice();
    variables.forEach((variable, index) => {
      if (owner[index] === rank || !reached[index]) return;
      const values = takeFloat32(variable.size);
      values.set(weights.subarray(offsets[index], offsets[index] + variable.size));
      const updated = tensorFrom(values, variable.shape);
      variable.assign(updated);
      updated.dispose();
    });
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
