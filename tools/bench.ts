/**
 * deno task bench [--pattern window,star] [--n 2048,4096] [--impl dense,sparse]
 *                 [--dense-max-n 4096] [--json] [--save | --out DIR]
 * deno task bench --train [--config small,large,copying,...] [--quick] [--json] [--save | --out DIR]
 * deno task bench --data-parallel [--quick] [--json] [--save | --out DIR]
 * deno task bench --parallel-runs [--quick] [--json] [--save | --out DIR]
 *
 * Times one multi-head attention layer (forward + backward) dense-masked versus sparse and
 * records peak memory (lib/bench/attention.ts). Progress goes to stderr; the Markdown table (or,
 * with --json, the array of records) to stdout.
 *
 * Where the results go: an ad-hoc run writes its own records to out/bench/attention.json and
 * attention.md (--out DIR: to DIR instead) and leaves the committed data/bench/ alone. With
 * --save the records are merged into data/bench/attention.json (same impl/pattern/n replaced)
 * and the table data/bench/attention.md is rewritten.
 *
 * --train times one training step (forward + backward + Adam) of the language-modelling
 * experiment's model at the fixed configurations of tools/bench/training.ts and writes
 * training.json (the array of records) and training.md to the same folders; --quick runs one
 * untimed and one timed step per configuration (a smoke test, not a measurement).
 *
 * --data-parallel times the `large` configuration trained by 1 and by 2 workers sharing
 * gradients (tools/bench/data_parallel.ts) and writes data_parallel.json and .md likewise;
 * --quick runs 1 and 2 steps instead of 2 and 8.
 *
 * --parallel-runs times each training configuration trained by one process alone and by two
 * processes at once (what `deno task experiment --jobs 2` does; tools/bench/parallel_runs.ts)
 * and writes parallel_runs.json and .md likewise; --quick trains 1 second instead of 10.
 *
 * Everything is checked before the first step is timed: every flag against its range, the
 * output folder (created and proved writable), and with --save the committed results file (a
 * corrupt one is named and left as it is). Bad input: one line on stderr, exit 2. Files are
 * written atomically (a temporary file in the same folder, renamed).
 */
import {
  listFlag,
  numberFlag,
  parseFlags,
  rejectPositionals,
  rejectUnknownFlags,
  runTool,
} from "./cli/flags.ts";
import { ATTENTION_IMPLS, type AttentionImpl } from "../lib/attention/mod.ts";
import {
  type BenchResult,
  checkFloors,
  requireBenchPattern,
  runBenchmark,
} from "../lib/bench/mod.ts";
import { benchMarkdown, mergeRecords, parseBenchResult } from "./bench/attention_results.ts";
import {
  runTrainingBenchmark,
  TRAINING_BENCH_CONFIGS,
  type TrainingBenchRecord,
  trainingMarkdown,
} from "./bench/training.ts";
import {
  runSweepStepBenchmark,
  SWEEP_STEP_CASES,
  sweepStepMarkdown,
  type SweepStepRecord,
} from "./bench/sweep_steps.ts";
import { dataParallelMarkdown, runDataParallelBenchmark } from "./bench/data_parallel.ts";
import { parallelRunsMarkdown, runParallelRunsBenchmark } from "./bench/parallel_runs.ts";
import { InputError, requireInteger } from "../lib/util/errors.ts";
import { BENCH_DENSE_MAX_TOKENS, BENCH_MAX_TOKENS } from "../lib/util/limits.ts";
import { PathError, reasonOf, requireWritableFolder } from "../lib/util/output_folder.ts";
import { MISSING, parseJsonFile, readRegularTextFileSync } from "../lib/util/regular_file.ts";
import { pathFromUrl, writeFileAtomic } from "../lib/util/system.ts";

/** The committed results, written only with --save. */
const SAVED_FOLDER = pathFromUrl("../data/bench", import.meta.url);
/** Where an ad-hoc run writes (out/ is not committed). */
const USAGE = `usage: deno task bench [--pattern window,star] [--n 2048,4096] [--impl dense,sparse]
                       [--dense-max-n 4096] [--json] [--save | --out DIR]
       deno task bench --train [--config small,large,copying,...] [--quick] [--json] [--save | --out DIR]
       deno task bench --data-parallel [--quick] [--json] [--save | --out DIR]
       deno task bench --parallel-runs [--quick] [--json] [--save | --out DIR]
An ad-hoc run writes out/bench/ (or --out DIR); only --save touches data/bench/.`;

const AD_HOC_FOLDER = pathFromUrl("../out/bench", import.meta.url);
const RESULTS_FILE = "attention.json";
const TABLE_FILE = "attention.md";

function lengthFlag(value: string | true | undefined): number[] | undefined {
  return listFlag("n", value)?.map((item) =>
    requireInteger("--n", numberFlag("n", item), 2, BENCH_MAX_TOKENS)
  );
}

/** Largest committed benchmark file --save merges into (the lab's are a few kilobytes). */
const MAX_BENCH_FILE_BYTES = 4 * 1024 * 1024;

/** The committed results to merge into, read and checked before anything runs. */
function readSaved(path: string): BenchResult | undefined {
  const text = readRegularTextFileSync(path, {
    parameter: "--save",
    maxBytes: MAX_BENCH_FILE_BYTES,
    missingOk: true,
  });
  if (text === MISSING) return undefined;
  const parsed = parseBenchResult(text);
  if (typeof parsed === "string") {
    throw new PathError(
      path,
      undefined,
      `is corrupt (${parsed}); --save merges into it: restore it with git or move it aside`,
    );
  }
  return parsed;
}

/**
 * Where a run writes: data/bench/ with --save, else --out DIR or out/bench/; the folder is
 * created and proved writable before anything is timed.
 */
function outputFolder(flags: Map<string, string | true>, save: boolean): string {
  const outValue = flags.get("out");
  if (outValue !== undefined && (outValue === true || outValue.trim() === "")) {
    throw new InputError("--out", outValue, "expected a folder");
  }
  if (save && outValue !== undefined) {
    throw new InputError("--out", outValue, "--save writes to data/bench/: give one, not both");
  }
  return save ? requireWritableFolder("data/bench", SAVED_FOLDER) : requireWritableFolder(
    outValue === undefined ? "out/bench" : "--out",
    outValue ?? AD_HOC_FOLDER,
  );
}

async function write(path: string, content: string): Promise<void> {
  try {
    await writeFileAtomic(path, content);
  } catch (error) {
    throw new PathError(path, undefined, `cannot be written (${reasonOf(error)})`);
  }
}

await runTool("bench", async () => {
  const parsed = parseFlags(Deno.args, [
    "json",
    "save",
    "train",
    "data-parallel",
    "parallel-runs",
    "quick",
    "help",
  ]);
  if (parsed.flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const train = parsed.flags.has("train");
  const dataParallel = parsed.flags.has("data-parallel");
  const parallelRuns = parsed.flags.has("parallel-runs");
  rejectUnknownFlags(
    parsed,
    train
      ? ["train", "config", "quick", "json", "save", "out"]
      : dataParallel
      ? ["data-parallel", "quick", "json", "save", "out"]
      : parallelRuns
      ? ["parallel-runs", "quick", "json", "save", "out"]
      : ["pattern", "n", "impl", "dense-max-n", "json", "save", "out"],
  );
  rejectPositionals(parsed, "see --help");
  const { flags } = parsed;
  if (train) return await trainingBench(flags);
  if (dataParallel) return await dataParallelBench(flags);
  if (parallelRuns) return await parallelRunsBench(flags);
  return await attentionBench(flags);
});

/** The attention benchmark: dense-masked against O(n·k) attention (lib/bench/attention.ts). */
async function attentionBench(flags: Map<string, string | true>): Promise<number> {
  const patterns = listFlag("pattern", flags.get("pattern"))?.map(requireBenchPattern);
  const impls = listFlag("impl", flags.get("impl"))?.map((impl) => {
    if (!ATTENTION_IMPLS.includes(impl as AttentionImpl)) {
      throw new InputError("--impl", impl, `expected ${ATTENTION_IMPLS.join(" or ")}`);
    }
    return impl as AttentionImpl;
  });
  const lengths = lengthFlag(flags.get("n"));
  const denseMaxValue = flags.get("dense-max-n");
  const denseMaxN = denseMaxValue === undefined ? undefined : requireInteger(
    "--dense-max-n",
    numberFlag("dense-max-n", denseMaxValue),
    2,
    BENCH_DENSE_MAX_TOKENS,
  );
  const save = flags.has("save");
  const folder = outputFolder(flags, save);
  const resultsPath = `${folder}/${RESULTS_FILE}`;
  const tablePath = `${folder}/${TABLE_FILE}`;
  const saved = save ? readSaved(resultsPath) : undefined;

  const result = await runBenchmark({
    patterns,
    lengths,
    impls,
    denseMaxN,
    onRecord: (r) =>
      console.error(
        `${r.impl.padEnd(6)} ${r.pattern.padEnd(8)} n=${String(r.n).padEnd(6)} ${r.ms} ms, ` +
          `peak ${(r.peakBytes / 2 ** 20).toFixed(1)} MB, ${r.usefulGflops} useful GFLOP/s`,
      ),
  });
  const written: BenchResult = saved
    ? { ...result, records: mergeRecords(saved.records, result.records) }
    : result;
  await write(resultsPath, JSON.stringify(written, null, 1) + "\n");
  await write(tablePath, benchMarkdown(written));
  const checks = checkFloors(result.records);
  if (flags.has("json")) {
    console.log(JSON.stringify(result.records, null, 1));
  } else {
    console.log(benchMarkdown(result));
    console.log(`matmul ceiling: ${result.matmulGflops} GFLOP/s (${result.backend})`);
  }
  for (const check of checks) {
    console.error(`${check.holds ? "✓" : "✗"} ${check.statement} [${check.detail}]`);
  }
  console.error(
    save
      ? `merged into ${resultsPath} and ${tablePath}`
      : `wrote ${resultsPath} and ${tablePath} (--save merges into data/bench/)`,
  );
  return 0;
}

/**
 * Writes a mode's records as `<stem>.json` and `<stem>.md` in the output folder, prints the
 * table (or the JSON with --json) and says where they went; returns the exit code.
 */
async function publish<T>(
  flags: Map<string, string | true>,
  folder: string,
  stem: string,
  records: readonly T[],
  markdown: (records: readonly T[]) => string,
): Promise<number> {
  const json = JSON.stringify(records, null, 1);
  await write(`${folder}/${stem}.json`, json + "\n");
  await write(`${folder}/${stem}.md`, markdown(records));
  console.log(flags.has("json") ? json : markdown(records));
  console.error(`wrote ${folder}/${stem}.json and ${folder}/${stem}.md`);
  return 0;
}

/**
 * --train: one training step at the two fixed configurations (tools/bench/training.ts) and at
 * the sweeps' own sizes (tools/bench/sweep_steps.ts), all in one run and one records file.
 * --config picks among both; --quick shortens the fixed configurations and leaves the sweeps'
 * sizes out unless they are named (their point is the size the sweep trains).
 */
async function trainingBench(flags: Map<string, string | true>): Promise<number> {
  const fixed = TRAINING_BENCH_CONFIGS.map((c) => c.name as string);
  const sweeps = SWEEP_STEP_CASES.map((c) => c.experiment);
  const quick = flags.has("quick");
  const names = listFlag("config", flags.get("config")) ?? (quick ? fixed : [...fixed, ...sweeps]);
  for (const name of names) {
    if (!fixed.includes(name) && !sweeps.includes(name)) {
      throw new InputError("--config", name, `expected one of ${[...fixed, ...sweeps].join(", ")}`);
    }
  }
  const save = flags.has("save");
  const folder = outputFolder(flags, save);
  const configs = TRAINING_BENCH_CONFIGS.filter((c) => names.includes(c.name));
  const records: TrainingRecord[] = configs.length === 0 ? [] : await runTrainingBenchmark({
    configs,
    ...(quick ? { warmup: 1, rounds: 1, steps: 1 } : {}),
    onRecord: (r) =>
      console.error(
        `${r.config.padEnd(6)} ${r.msPerStep} ms/step, ${r.kernelsPerStep} kernels/step, ` +
          `${r.usefulGflops} useful GFLOP/s`,
      ),
  });
  records.push(
    ...await runSweepStepBenchmark({
      cases: SWEEP_STEP_CASES.filter((c) => names.includes(c.experiment)),
      onRecord: (r) =>
        console.error(
          `${r.config} ${r.pattern}: ${r.msPerStep} ms/step, evaluation ` +
            `${(100 * r.evaluationShare).toFixed(1)}% of a run`,
        ),
    }),
  );
  // --save merges: a configuration measured now replaces every committed record of it (its
  // series follow its plan, and a series of an earlier plan would stay behind as a stale row)
  const saved = save ? savedTrainingRecords(`${folder}/training.json`) : [];
  const fresh = new Set(records.map((r) => r.config));
  const merged = [...saved.filter((r) => !fresh.has(r.config)), ...records];
  const order = (r: TrainingRecord) => [...fixed, ...sweeps].indexOf(r.config);
  merged.sort((a, b) => order(a) - order(b));
  await publish(flags, folder, "training", merged, trainingRecordsMarkdown);
  return 0;
}

/** The committed training records --save merges into ([] when there are none yet). */
function savedTrainingRecords(path: string): TrainingRecord[] {
  const text = readRegularTextFileSync(path, {
    parameter: "--save",
    maxBytes: MAX_BENCH_FILE_BYTES,
    missingOk: true,
  });
  if (text === MISSING) return [];
  const value = parseJsonFile(path, text, "--save");
  const valid = Array.isArray(value) &&
    value.every((r) =>
      typeof r?.config === "string" && typeof r?.pattern === "string" &&
      typeof r?.msPerStep === "number"
    );
  if (!valid) {
    throw new PathError(
      path,
      undefined,
      "is not a list of training records (config, pattern, msPerStep); --save merges into it: " +
        "restore it with git or move it aside",
    );
  }
  return value as TrainingRecord[];
}

type TrainingRecord = TrainingBenchRecord | SweepStepRecord;

/** The fixed configurations' table, then the sweeps' sizes' table (each when it has rows). */
function trainingRecordsMarkdown(records: readonly TrainingRecord[]): string {
  const fixed = records.filter((r): r is TrainingBenchRecord => "kernelsPerStep" in r);
  const sweeps = records.filter((r): r is SweepStepRecord => "evaluationShare" in r);
  return [
    ...(fixed.length ? [trainingMarkdown(fixed)] : []),
    ...(sweeps.length ? [sweepStepMarkdown(sweeps)] : []),
  ].join("\n");
}

/** --data-parallel: 1 and 2 workers on one model (tools/bench/data_parallel.ts). */
async function dataParallelBench(flags: Map<string, string | true>): Promise<number> {
  const folder = outputFolder(flags, flags.has("save"));
  const records = await runDataParallelBenchmark({
    ...(flags.has("quick") ? { steps: [1, 2] as [number, number] } : {}),
    onRecord: (r) =>
      console.error(
        `${r.workers} worker(s): ${r.msPerStep} ms/step, ${r.tokensPerSecond} tokens/s`,
      ),
  });
  return await publish(flags, folder, "data_parallel", records, dataParallelMarkdown);
}

/** --parallel-runs: one training process against two at once (tools/bench/parallel_runs.ts). */
async function parallelRunsBench(flags: Map<string, string | true>): Promise<number> {
  const folder = outputFolder(flags, flags.has("save"));
  const records = await runParallelRunsBenchmark({
    ...(flags.has("quick") ? { seconds: 1 } : {}),
    onRecord: (r) =>
      console.error(
        `${r.config} × ${r.processes}: ${r.msPerStep.join(", ")} ms/step, ${r.speedup}×`,
      ),
  });
  return await publish(flags, folder, "parallel_runs", records, parallelRunsMarkdown);
}
