/**
 * lib/attention: how tokens talk. Probability maps ρ and the paper's sparse attention layer,
 * feed-forward layer and blocks in exact float64 (reference.ts documents the mapping between
 * the paper's d × n notation and the code's token-major n × d arrays); the O(n·k) attention
 * kernel on typed arrays (sparse_kernel/); trainable TensorFlow.js layers and models (tf/).
 */
export * from "./probability_maps.ts";
export * from "./assumption2.ts";
export * from "./reference.ts";
export * from "./sparse_kernel/mod.ts";
export * from "./tf/mod.ts";
