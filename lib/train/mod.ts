/** lib/train: data sets, tokenizers, metrics, training tasks, sweeps, results files, progress. */
export * from "./metrics.ts";
export * from "./cache.ts";
export * from "./vocab.ts";
export * from "./datasets.ts";
export * from "./sweep_grid.ts";
export * from "./results.ts";
export * from "./progress.ts";
export * from "./tasks.ts";
export * from "./experiments.ts";
export * from "./sweep.ts";
export * from "./summary.ts";
export * from "./report.ts";
export * from "./claims.ts";
export * from "../util/statistics.ts";
export * from "./competence.ts";
export * from "./bag_of_words.ts";
export * from "./readme_tables.ts";
