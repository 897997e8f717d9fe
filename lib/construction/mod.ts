/**
 * lib/construction: Theorem 1's constructive proof as a real network — the δ-grid and f̄
 * (step 1), quantization and the positional embedding (2a), the sparse contextual mapping
 * (2b) and the ICLR dense one beside it, value mapping (2c), the softmax/ReLU network (3),
 * exact verification and layer counts.
 */
export * from "./grid.ts";
export * from "./distance.ts";
export * from "./phi.ts";
export * from "./layers.ts";
export * from "./exact.ts";
export * from "./quantization.ts";
export * from "./contextual.ts";
export * from "./dense.ts";
export * from "./network.ts";
export * from "./counts.ts";
