/** Trainable TensorFlow.js sparse attention: backend setup, ρ as ops, kernels, layers, models. */
export * from "./backend.ts";
export * from "./probability_maps.ts";
export * from "./attention_op.ts";
export * from "./parameters.ts";
export * from "./layers.ts";
export * from "./models.ts";
export * from "./fused_ops.ts";
export * from "./fused_adam.ts";
