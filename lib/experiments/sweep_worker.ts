/**
 * The script a worker process of a parallel sweep runs: `deno run -A sweep_worker.ts SPEC`,
 * SPEC the JSON of a WorkerSpec (lib/train/sweep.ts). It finds the experiment in the registry
 * by name and trains as lib/train/sweep_worker.ts says. A worker process loads the lab's
 * registry afresh, so it finds the experiments of LAB_EXPERIMENTS only.
 */
import { trainAsWorker } from "../train/sweep_worker.ts";
import type { WorkerSpec } from "../train/sweep.ts";
import { requireExperiment } from "./registry.ts";

if (import.meta.main) {
  const spec = JSON.parse(Deno.args[0] ?? "null") as WorkerSpec;
  Deno.exit(await trainAsWorker(spec, (name) => requireExperiment(name)));
}
