/**
 * Adam over all of a model's parameters as one loop over flat float32 buffers, instead of
 * tf.train.adam's ≈ 10 kernels per variable. The update is TF.js's, step for step: moments
 * m ← β₁m + (1 − β₁)g and v ← β₂v + (1 − β₂)g², then
 * θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε), with β₁ᵗ and β₂ᵗ kept as float32
 * products as TF.js keeps them and ε the backend's (1e-7 in float32). Each value is computed in
 * float64 and stored in float32, so the trajectory matches tf.train.adam within float32
 * rounding. A variable the loss does not reach is left alone (as TF.js does).
 */
import { tf } from "./backend.ts";
import { give, readTensor, tensorFrom } from "./buffers.ts";
import type { ParameterSet } from "./parameters.ts";
import { InputError, requireNumber } from "../../util/errors.ts";

export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  /** Default: the backend's epsilon (TF.js's default). */
  epsilon?: number;
}

/** One training step: minimizes `loss` once and returns its value. */
export interface Trainer {
  step(loss: () => tf.Scalar): number;
  /** Sets the rate the next steps take (a schedule calls this before each step). */
  setLearningRate(learningRate: number): void;
  dispose(): void;
}

export class FlatAdam implements Trainer {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly variables: tf.Variable[];
  private readonly offsets: number[] = [];
  private readonly first: Float32Array;
  private readonly second: Float32Array;
  /** β₁ᵗ and β₂ᵗ for the next step t, as float32 (TF.js's accBeta1/accBeta2). */
  private accBeta1: number;
  private accBeta2: number;

  constructor(variables: readonly tf.Variable[], options: AdamOptions) {
    this.learningRate = requireNumber("learningRate", options.learningRate, 0);
    this.beta1 = requireNumber("beta1", options.beta1 ?? 0.9, 0, 1);
    this.beta2 = requireNumber("beta2", options.beta2 ?? 0.999, 0, 1);
    this.epsilon = requireNumber("epsilon", options.epsilon ?? tf.backend().epsilon(), 0);
    if (variables.length === 0) throw new InputError("variables", 0, "nothing to train");
    this.variables = [...variables];
    let total = 0;
    for (const variable of this.variables) {
      if (variable.dtype !== "float32") {
        throw new InputError(`${variable.name}.dtype`, variable.dtype, "expected float32");
      }
      this.offsets.push(total);
      total += variable.size;
    }
    this.first = new Float32Array(total);
    this.second = new Float32Array(total);
    this.accBeta1 = Math.fround(this.beta1);
    this.accBeta2 = Math.fround(this.beta2);
  }

  setLearningRate(learningRate: number): void {
    this.learningRate = requireNumber("learningRate", learningRate, 0);
  }

  /** Gradients by the tape, then one loop over every parameter; returns the loss. */
  step(loss: () => tf.Scalar): number {
    const { value, grads } = tf.variableGrads(loss, this.variables);
    const result = value.dataSync()[0];
    value.dispose();
    const read = this.variables.map((variable) => {
      const grad = grads[variable.name];
      return grad ? readTensor(grad) : undefined;
    });
    this.applyGradients(read.map((g) => g?.values));
    for (const g of read) if (g?.pooled) give(g.values);
    tf.dispose(Object.values(grads));
    return result;
  }

  /**
   * One Adam update from gradients already computed, one per variable in the order the trainer
   * was built with (undefined: the loss does not reach it, so it is left alone). Data-parallel
   * workers call this with their averaged gradients, so every copy takes the same step.
   */
  applyGradients(gradients: readonly (Float32Array | undefined)[]): void {
    if (gradients.length !== this.variables.length) {
      throw new InputError(
        "gradients.length",
        gradients.length,
        `expected one per variable (${this.variables.length})`,
      );
    }
    const b1 = Math.fround(this.beta1);
    const b2 = Math.fround(this.beta2);
    const c1 = Math.fround(1 - this.beta1);
    const c2 = Math.fround(1 - this.beta2);
    const correction1 = Math.fround(1 - this.accBeta1);
    const correction2 = Math.fround(1 - this.accBeta2);
    const lr = this.learningRate;
    const eps = this.epsilon;
    const m = this.first;
    const v = this.second;
    this.variables.forEach((variable, index) => {
      const g = gradients[index];
      if (!g) return;
      if (g.length !== variable.size) {
        throw new InputError(`gradients[${index}].length`, g.length, `expected ${variable.size}`);
      }
      const theta = readTensor(variable);
      const values = theta.pooled ? theta.values : Float32Array.from(theta.values);
      const offset = this.offsets[index];
      for (let i = 0; i < values.length; i++) {
        const gi = g[i];
        const mi = Math.fround(m[offset + i] * b1 + gi * c1);
        const vi = Math.fround(v[offset + i] * b2 + gi * gi * c2);
        m[offset + i] = mi;
        v[offset + i] = vi;
        values[i] = values[i] - lr * (mi / correction1) / (Math.sqrt(vi / correction2) + eps);
      }
      const updated = tensorFrom(values, variable.shape);
      variable.assign(updated);
      updated.dispose();
    });
    this.accBeta1 = Math.fround(this.accBeta1 * b1);
    this.accBeta2 = Math.fround(this.accBeta2 * b2);
  }

  dispose(): void {}
}

/** TF.js's own Adam behind the same interface (the unfused path). */
export class TfAdam implements Trainer {
  private readonly optimizer: tf.Optimizer;

  constructor(private readonly variables: readonly tf.Variable[], options: AdamOptions) {
    this.optimizer = tf.train.adam(
      requireNumber("learningRate", options.learningRate, 0),
      options.beta1,
      options.beta2,
      options.epsilon,
    );
  }

  setLearningRate(learningRate: number): void {
    // TF.js reads the rate field on every step; it has no public setter
    (this.optimizer as unknown as { learningRate: number }).learningRate = requireNumber(
      "learningRate",
      learningRate,
      0,
    );
  }

  step(loss: () => tf.Scalar): number {
    const value = this.optimizer.minimize(loss, true, [...this.variables]);
    const result = value!.dataSync()[0];
    value!.dispose();
    return result;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Adam over a model's parameters: fused (one flat loop) or TF.js's own. */
export function adamTrainer(params: ParameterSet, options: AdamOptions & { fused: boolean }) {
  return options.fused ? new FlatAdam(params.list(), options) : new TfAdam(params.list(), options);
}
