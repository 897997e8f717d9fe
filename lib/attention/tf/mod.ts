/** Trainable TensorFlow.js sparse attention: backend setup, ρ as ops, kernels, layers, models. */
export * from "./backend.ts";
export * from "./maps.ts";
export * from "./kernel.ts";
export * from "./parameters.ts";
export * from "./layers.ts";
export * from "./models.ts";
