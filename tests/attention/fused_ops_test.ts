/**
 * The fused training ops against float64 JavaScript references (forward values and every
 * gradient, explicit tolerances), the flat Adam against tf.train.adam, and the fused training
 * path's loss curve against the unfused one.
 */
import assert from "node:assert/strict";
import { CURVE_SIZE, languageModelLossCurve, relativeError } from "./support.ts";
import type { ParameterSet } from "../../lib/attention/tf/parameters.ts";
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import {
  embedOp,
  gatherRowsOp,
  layerNormOp,
  linearOp,
  residualAddOp,
  softmaxCrossEntropyOp,
} from "../../lib/attention/tf/fused_ops.ts";
import { FlatAdam, TfAdam } from "../../lib/attention/tf/fused_adam.ts";
import { maskedTokenLoss } from "../../lib/train/tasks.ts";
import { MASK } from "../../lib/train/vocab.ts";
import { seededRng } from "../../lib/util/random.ts";

await initTf();

const random = (length: number, seed: number, scale = 1) => {
  const rng = seededRng(seed);
  return Float64Array.from({ length }, () => (2 * rng.next() - 1) * scale);
};
const f32 = (values: Float64Array, shape: number[]) => tf.tensor(Float32Array.from(values), shape);

/**
 * The op's value and the gradients of Σ value·R (R a fixed random cotangent) with respect to
 * each input, through tf.grads.
 */
function valueAndGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  cotangent: Float64Array,
) {
  const value = tf.tidy(() => f(...inputs));
  const r = f32(cotangent, value.shape);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(inputs);
  const out = {
    value: value.dataSync() as Float32Array,
    grads: grads.map((g) => g.dataSync() as Float32Array),
  };
  tf.dispose([value, r, ...grads]);
  return out;
}

const TOLERANCE = 2e-5; // float32 against float64 over sums of ≤ 64 terms of order 1

/**
 * linearOp, layerNormOp and softmaxCrossEntropyOp run heap kernels on the wasm backend and tfjs
 * or JavaScript elsewhere: both paths are checked, at sizes with edges everywhere and (linearOp)
 * at one that spans several of the heap matmul's tiles and panels.
 */
const LINEAR_PATHS = [
  { backend: "wasm", path: "SIMD heap matmul" },
  { backend: "cpu", path: "tfjs matmul" },
] as const;

async function onBackend(backend: "wasm" | "cpu", run: () => void): Promise<void> {
  await tf.setBackend(backend);
  try {
    run();
  } finally {
    await tf.setBackend("wasm");
  }
}

const LINEAR_SIZES = [
  { batch: 2, n: 3, d: 5, parts: [4, 3] },
  { batch: 3, n: 23, d: 40, parts: [24, 17] },
];

for (const { backend, path } of LINEAR_PATHS) {
  Deno.test(`linearOp (${path}): two weight parts, biases and ReLU match float64 in value and gradients`, async () => {
    await onBackend(backend, () => {
      for (const { batch, n, d, parts } of LINEAR_SIZES) checkTwoParts(batch, n, d, parts);
    });
  });

  Deno.test(`linearOp (${path}) without bias on a 2-D input matches float64`, async () => {
    await onBackend(backend, checkWithoutBias);
  });
}

function checkTwoParts(batch: number, n: number, d: number, parts: number[]): void {
  const o = parts[0] + parts[1];
  const x = random(batch * n * d, 1);
  const w = parts.map((p, i) => random(d * p, 10 + i));
  const b = parts.map((p, i) => random(p, 20 + i, 0.5));
  const r = random(batch * n * o, 3);
  const rows = batch * n;
  // float64 reference: z = x·[W₁|W₂] + [b₁|b₂], y = relu(z)
  const partOf = (c: number) => (c < parts[0] ? 0 : 1);
  const colOf = (c: number) => (c < parts[0] ? c : c - parts[0]);
  const wAt = (k: number, c: number) => w[partOf(c)][k * parts[partOf(c)] + colOf(c)];
  const bAt = (c: number) => b[partOf(c)][colOf(c)];
  const z = new Float64Array(rows * o);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < o; c++) {
      let sum = bAt(c);
      for (let k = 0; k < d; k++) sum += x[i * d + k] * wAt(k, c);
      z[i * o + c] = sum;
    }
  }
  const y = z.map((v) => Math.max(0, v));
  const g = z.map((v, i) => (v > 0 ? r[i] : 0)); // d loss / dz
  const dx = new Float64Array(rows * d);
  const dw = parts.map((p) => new Float64Array(d * p));
  const db = parts.map((p) => new Float64Array(p));
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < o; c++) {
      const part = partOf(c);
      const col = colOf(c);
      db[part][col] += g[i * o + c];
      for (let k = 0; k < d; k++) {
        dx[i * d + k] += g[i * o + c] * wAt(k, c);
        dw[part][k * parts[part] + col] += x[i * d + k] * g[i * o + c];
      }
    }
  }
  const inputs = [
    f32(x, [batch, n, d]),
    f32(w[0], [d, parts[0]]),
    f32(w[1], [d, parts[1]]),
    f32(b[0], [parts[0]]),
    f32(b[1], [parts[1]]),
  ];
  const got = valueAndGrads(
    (xi, w0, w1, b0, b1) => linearOp(xi, [w0, w1], [b0, b1], { relu: true }),
    inputs,
    r,
  );
  // sums of up to `rows` terms of order 1 (the weight gradients): float32 rounding grows as √rows
  const tolerance = TOLERANCE * Math.max(1, Math.sqrt(rows / 8));
  assert.ok(relativeError(got.value, y) < tolerance, "value");
  const expected = [dx, dw[0], dw[1], db[0], db[1]];
  got.grads.forEach((grad, i) => {
    const error = relativeError(grad, expected[i]);
    assert.ok(error < tolerance, `${rows}×${d}: gradient ${i}: ${error}`);
  });
  tf.dispose(inputs);
}

function checkWithoutBias(): void {
  const [rows, d, o] = [4, 3, 2];
  const x = random(rows * d, 5);
  const w = random(d * o, 6);
  const r = random(rows * o, 7);
  const y = new Float64Array(rows * o);
  const dx = new Float64Array(rows * d);
  const dw = new Float64Array(d * o);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < o; c++) {
      for (let k = 0; k < d; k++) {
        y[i * o + c] += x[i * d + k] * w[k * o + c];
        dx[i * d + k] += r[i * o + c] * w[k * o + c];
        dw[k * o + c] += x[i * d + k] * r[i * o + c];
      }
    }
  }
  const inputs = [f32(x, [rows, d]), f32(w, [d, o])];
  const got = valueAndGrads((xi, wi) => linearOp(xi, [wi]), inputs, r);
  assert.ok(relativeError(got.value, y) < TOLERANCE);
  assert.ok(relativeError(got.grads[0], dx) < TOLERANCE);
  assert.ok(relativeError(got.grads[1], dw) < TOLERANCE);
  tf.dispose(inputs);
}

for (const { backend } of LINEAR_PATHS) {
  const kernels = backend === "wasm" ? "heap kernels" : "JavaScript loops";
  Deno.test(`layerNormOp (${kernels}) matches float64 LayerNorm in value and all three gradients`, async () => {
    // widths on and off the four-lane grid
    await onBackend(backend, () => [8, 7, 37].forEach(checkLayerNorm));
  });
  Deno.test(`softmaxCrossEntropyOp (${kernels}) matches float64 and tfjs's loss`, async () => {
    // class counts on and off the four-lane grid
    await onBackend(backend, () => [4, 7, 53].forEach(checkSoftmaxCrossEntropy));
  });
}

function checkLayerNorm(d: number): void {
  const [rows, eps] = [6, 1e-5];
  const x = random(rows * d, 11, 2);
  const gamma = random(d, 12).map((v) => 1 + 0.5 * v);
  const beta = random(d, 13, 0.3);
  const r = random(rows * d, 14);
  const y = new Float64Array(rows * d);
  const dx = new Float64Array(rows * d);
  const dGamma = new Float64Array(d);
  const dBeta = new Float64Array(d);
  // reference by central differences of the float64 forward (independent of the op's formula)
  const forward = (values: Float64Array, g: Float64Array, b: Float64Array) => {
    const out = new Float64Array(rows * d);
    for (let i = 0; i < rows; i++) {
      const row = values.subarray(i * d, (i + 1) * d);
      const mean = row.reduce((s, v) => s + v, 0) / d;
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
      for (let c = 0; c < d; c++) {
        out[i * d + c] = ((row[c] - mean) / Math.sqrt(variance + eps)) * g[c] + b[c];
      }
    }
    return out;
  };
  y.set(forward(x, gamma, beta));
  const objective = (values: Float64Array, g: Float64Array, b: Float64Array) =>
    forward(values, g, b).reduce((s, v, i) => s + v * r[i], 0);
  const h = 1e-6;
  const differentiate = (target: Float64Array, into: Float64Array) => {
    for (let i = 0; i < target.length; i++) {
      const keep = target[i];
      target[i] = keep + h;
      const up = objective(x, gamma, beta);
      target[i] = keep - h;
      const down = objective(x, gamma, beta);
      target[i] = keep;
      into[i] = (up - down) / (2 * h);
    }
  };
  differentiate(x, dx);
  differentiate(gamma, dGamma);
  differentiate(beta, dBeta);
  const inputs = [f32(x, [2, 3, d]), f32(gamma, [d]), f32(beta, [d])];
  const got = valueAndGrads((xi, g, b) => layerNormOp(xi, g, b, eps), inputs, r);
  assert.ok(relativeError(got.value, y) < TOLERANCE, `width ${d}: value`);
  [dx, dGamma, dBeta].forEach((expected, i) => {
    const error = relativeError(got.grads[i], expected);
    assert.ok(error < 1e-4, `width ${d}: gradient ${i}: ${error}`); // finite differences: ≈ 1e-8
  });
  tf.dispose(inputs);
}

Deno.test("gatherRowsOp: the picked rows, their gradient added back (twice for a row picked twice)", () => {
  const [batch, n, d] = [2, 3, 4];
  const rows = [4, 0, 4, 5];
  const x = random(batch * n * d, 31);
  const r = random(rows.length * d, 32);
  const y = new Float64Array(rows.length * d);
  const dx = new Float64Array(batch * n * d);
  rows.forEach((row, i) => {
    for (let c = 0; c < d; c++) {
      y[i * d + c] = x[row * d + c];
      dx[row * d + c] += r[i * d + c];
    }
  });
  const inputs = [f32(x, [batch, n, d])];
  const got = valueAndGrads((t) => gatherRowsOp(t, rows), inputs, r);
  assert.ok(relativeError(got.value, y) < TOLERANCE);
  assert.ok(relativeError(got.grads[0], dx) < TOLERANCE);
  assert.throws(() => gatherRowsOp(inputs[0], [6]), /row/);
  tf.dispose(inputs);
});

Deno.test("maskedTokenLoss: the head on the masked positions only equals the full-logits loss and float64", () => {
  const [batch, n, d, vocab] = [2, 5, 4, 7];
  const masked = [[MASK, 9, 9, MASK, 9], [9, 9, MASK, 9, 9]];
  const targets = [[1, 2, 3, 4, 5], [6, 0, 2, 1, 3]];
  const states = random(batch * n * d, 41);
  const w = random(d * vocab, 42);
  const b = random(vocab, 43, 0.5);
  // float64: mean over the three masked positions of logsumexp(z) − z[target]
  let expected = 0;
  const positions = [0, 3, 7];
  for (const p of positions) {
    const z = Array.from({ length: vocab }, (_, o) => {
      let sum = b[o];
      for (let c = 0; c < d; c++) sum += states[p * d + c] * w[c * vocab + o];
      return sum;
    });
    const top = Math.max(...z);
    const logSumExp = top + Math.log(z.reduce((acc, v) => acc + Math.exp(v - top), 0));
    expected += (logSumExp - z[targets[Math.floor(p / n)][p % n]]) / positions.length;
  }
  const [W, B] = [f32(w, [d, vocab]), f32(b, [vocab])];
  const head = (x: tf.Tensor) => linearOp(x, [W], [B]);
  const x = f32(states, [batch, n, d]);
  const lossOf = (fused: boolean) => (t: tf.Tensor) =>
    maskedTokenLoss(t as tf.Tensor3D, head, masked, targets, fused);
  const [fused, reference] = [true, false].map((f) => {
    const value = tf.tidy(() => lossOf(f)(x).dataSync()[0]);
    const [grad] = tf.grads(lossOf(f))([x]);
    const out = { value, grad: grad.dataSync() as Float32Array };
    grad.dispose();
    return out;
  });
  assert.ok(Math.abs(fused.value - expected) < TOLERANCE, `${fused.value} vs ${expected}`);
  assert.ok(Math.abs(reference.value - expected) < TOLERANCE, `${reference.value} vs ${expected}`);
  assert.ok(relativeError(fused.grad, Float64Array.from(reference.grad)) < TOLERANCE);
  // only the masked positions' states get a gradient
  for (let p = 0; p < batch * n; p++) {
    const touched = fused.grad.slice(p * d, (p + 1) * d).some((g) => g !== 0);
    assert.equal(touched, positions.includes(p), `position ${p}`);
  }
  tf.dispose([W, B, x]);
});

Deno.test("embedOp: lookup + positional rows, scatter-add and batch-sum gradients", () => {
  const [batch, n, d, vocab, maxLength] = [2, 3, 4, 5, 6];
  const ids = [[1, 4, 1], [0, 1, 3]];
  const table = random(vocab * d, 21);
  const positional = random(maxLength * d, 22);
  const r = random(batch * n * d, 23);
  const y = new Float64Array(batch * n * d);
  const dTable = new Float64Array(vocab * d);
  const dPos = new Float64Array(maxLength * d);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < d; c++) {
        const o = (b * n + i) * d + c;
        y[o] = table[ids[b][i] * d + c] + positional[i * d + c];
        dTable[ids[b][i] * d + c] += r[o];
        dPos[i * d + c] += r[o];
      }
    }
  }
  const idTensor = tf.tensor2d(ids, [batch, n], "int32");
  const inputs = [f32(positional, [maxLength, d]), f32(table, [vocab, d])];
  const got = valueAndGrads((p, t) => embedOp(idTensor, p, t), inputs, r);
  assert.ok(relativeError(got.value, y) < TOLERANCE);
  assert.ok(relativeError(got.grads[0], dPos) < TOLERANCE);
  assert.ok(relativeError(got.grads[1], dTable) < TOLERANCE);
  assert.throws(
    () => embedOp(tf.tensor2d([[5]], [1, 1], "int32"), inputs[0], inputs[1]),
    /token id/,
  );
  tf.dispose([idTensor, ...inputs]);
});

Deno.test("residualAddOp matches float64", () => {
  const a = random(6, 31);
  const b = random(6, 32);
  const r = random(6, 33);
  const inputs = [f32(a, [2, 3]), f32(b, [2, 3])];
  const sum = valueAndGrads((x, y) => residualAddOp(x, y), inputs, r);
  assert.ok(relativeError(sum.value, a.map((v, i) => v + b[i])) < 1e-6);
  assert.ok(relativeError(sum.grads[0], r) < 1e-6 && relativeError(sum.grads[1], r) < 1e-6);
  tf.dispose(inputs);
});

function checkSoftmaxCrossEntropy(classes: number): void {
  const rows = 5;
  const z = random(rows * classes, 34, 3);
  const labels = [0, classes - 1, 2, 2, 1];
  const weights = [1, 0, 1, 1, 0.5];
  const nonzero = weights.filter((w) => w !== 0).length;
  let loss = 0;
  const dz = new Float64Array(rows * classes);
  for (let i = 0; i < rows; i++) {
    const row = z.subarray(i * classes, (i + 1) * classes);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    loss += weights[i] * (logSum - row[labels[i]]) / nonzero;
    for (let c = 0; c < classes; c++) {
      dz[i * classes + c] = weights[i] * (Math.exp(row[c] - logSum) - (c === labels[i] ? 1 : 0)) /
        nonzero;
    }
  }
  const logits = f32(z, [rows, classes]);
  const [grad] = tf.grads((l: tf.Tensor) => softmaxCrossEntropyOp(l, labels, weights))([logits]);
  const value = softmaxCrossEntropyOp(logits, labels, weights);
  assert.ok(Math.abs(value.dataSync()[0] - loss) < 1e-6, `${classes} classes: loss`);
  assert.ok(relativeError(grad.dataSync(), dz) < 1e-6, `${classes} classes: gradient`);
  // the same value as tfjs's own loss with one-hot labels and weights
  const tfLoss = tf.losses.softmaxCrossEntropy(
    tf.oneHot(tf.tensor1d(labels, "int32"), classes),
    logits,
    tf.tensor1d(weights),
  );
  assert.ok(Math.abs(tfLoss.dataSync()[0] - loss) < 1e-5, "tfjs agrees");
  tf.dispose([logits, grad, value, tfLoss]);
}

Deno.test("FlatAdam follows tf.train.adam's trajectory within float32 rounding", () => {
  const make = () => [
    tf.variable(f32(random(12, 41), [3, 4])),
    tf.variable(f32(random(4, 42), [4])),
    tf.variable(f32(random(2, 43), [2])), // never reached by the loss: left alone
  ];
  const target = f32(random(12, 44), [3, 4]);
  const lossOf = (vars: tf.Variable[]) => () =>
    tf.tidy(() => tf.sum(tf.square(tf.sub(tf.add(vars[0], vars[1]), target))) as tf.Scalar);
  const fusedVars = make();
  const tfVars = make();
  const fused = new FlatAdam(fusedVars, { learningRate: 0.05 });
  const reference = new TfAdam(tfVars, { learningRate: 0.05 });
  let worst = 0;
  for (let step = 0; step < 30; step++) {
    const a = fused.step(lossOf(fusedVars));
    const b = reference.step(lossOf(tfVars));
    worst = Math.max(worst, Math.abs(a - b) / (1 + Math.abs(b)));
  }
  for (let i = 0; i < 3; i++) {
    const error = relativeError(fusedVars[i].dataSync(), tfVars[i].dataSync());
    assert.ok(error < 1e-5, `variable ${i}: ${error}`);
  }
  assert.ok(worst < 1e-5, `loss ${worst}`);
  assert.deepEqual([...fusedVars[2].dataSync()], [...Float32Array.from(random(2, 43))]);
  const before = fusedVars[0].dataSync().slice();
  fused.step(lossOf(fusedVars));
  assert.ok(relativeError(fusedVars[0].dataSync(), before) > 1e-4, "a step moves the weights");
  tf.dispose([...fusedVars, ...tfVars, target]);
  reference.dispose();
});

Deno.test("the fused training path's loss curve equals the unfused one within 1e-5 (50 steps)", () => {
  const curve = (fused: boolean) => {
    let params: ParameterSet | undefined;
    let tensorsBefore = 0;
    let kept = 0;
    const losses = languageModelLossCurve(
      fused,
      (p) => {
        params = p;
        return fused
          ? new FlatAdam(p.list(), { learningRate: CURVE_SIZE.learningRate })
          : new TfAdam(p.list(), { learningRate: CURVE_SIZE.learningRate });
      },
      {
        beforeSteps: () => (tensorsBefore = tf.memory().numTensors),
        afterStep: (step, setup) => {
          if (step === 1) assert.equal(setup.model.fused, fused);
          if (step === CURVE_SIZE.steps - 1) {
            // TfAdam creates 2 moments per variable on its first step; FlatAdam no tensor at all
            const expected = fused ? 0 : 2 * params!.list().length;
            kept = tf.memory().numTensors - tensorsBefore - expected;
          }
        },
      },
    );
    assert.equal(kept, 0, `fused=${fused}: tensors leaked`);
    return losses;
  };
  const fused = curve(true);
  const unfused = curve(false);
  let worst = 0;
  fused.forEach((loss, i) => (worst = Math.max(worst, Math.abs(loss - unfused[i]))));
  assert.ok(worst < 1e-5, `largest loss difference ${worst}`);
  assert.ok(fused[49] < fused[0] - 0.3, `training lowers the loss: ${fused[0]} → ${fused[49]}`);
});
