/**
 * lib/attention: how tokens talk. Probability maps ρ and the paper's sparse attention layer,
 * feed-forward layer and blocks in exact float64 (reference.ts documents the mapping between
 * the paper's d × n notation and the code's token-major n × d arrays); the O(n·k) attention
 * core on typed arrays; trainable TensorFlow.js layers and models (tf/).
 */
export * from "./probability_maps.ts";
export * from "./reference.ts";
export * from "./core.ts";
export * from "./tf/mod.ts";
