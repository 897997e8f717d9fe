/**
 * The attention benchmark's results files: reading a committed `attention.json` (every field
 * checked, so a damaged file is found before a run), merging a run's records into it, and the
 * Markdown table `deno task bench` prints and writes. Only the tool uses these; the harness
 * that measures is lib/bench/attention.ts, which notebook 04 runs live.
 */
import { ATTENTION_IMPLS, type AttentionImpl } from "../../lib/attention/tf/attention_op.ts";
import { BENCH_PATTERNS, type BenchRecord, type BenchResult } from "../../lib/bench/attention.ts";
import { parseJsonObject } from "../../lib/util/regular_file.ts";

const RECORD_NUMBERS = [
  "n",
  "ms",
  "runs",
  "connections",
  "tensorPeakBytes",
  "coreBytes",
  "peakBytes",
  "usefulGflops",
  "fractionOfMatmul",
] as const;

/**
 * Parses a results file written by the benchmark, or returns why it cannot be merged into:
 * every field the table and the merge read is checked, so a damaged file is found before a
 * run, not after it.
 */
export function parseBenchResult(text: string): BenchResult | string {
  const result = parseJsonObject(text);
  if (typeof result === "string") return result;
  for (const field of ["generated", "backend", "deno"]) {
    if (typeof result[field] !== "string") return `"${field}" is not a string`;
  }
  if (typeof result.matmulGflops !== "number") return `"matmulGflops" is not a number`;
  const settings = result.settings as Record<string, unknown> | null;
  if (
    typeof settings !== "object" || settings === null ||
    !["width", "heads", "denseMaxN"].every((key) => typeof settings[key] === "number")
  ) {
    return `"settings" lacks width, heads or denseMaxN`;
  }
  if (!Array.isArray(result.records)) return `"records" is not an array`;
  for (const [index, item] of result.records.entries()) {
    const record = item as Record<string, unknown> | null;
    if (typeof record !== "object" || record === null) return `record ${index} is not an object`;
    if (!ATTENTION_IMPLS.includes(record.impl as AttentionImpl)) {
      return `record ${index}: impl ${JSON.stringify(record.impl)} is not dense or sparse`;
    }
    if (typeof record.pattern !== "string" || typeof record.patternName !== "string") {
      return `record ${index}: pattern or patternName is not a string`;
    }
    const bad = RECORD_NUMBERS.find((key) => !Number.isFinite(record[key]));
    if (bad) return `record ${index}: "${bad}" is not a finite number`;
  }
  return result as unknown as BenchResult;
}

/** Replaces the records of `existing` that `fresh` re-measured; keeps the rest. */
export function mergeRecords(existing: BenchRecord[], fresh: BenchRecord[]): BenchRecord[] {
  const key = (r: BenchRecord) => `${r.impl}|${r.pattern}|${r.n}`;
  const replaced = new Set(fresh.map(key));
  const kept = existing.filter((r) => !replaced.has(key(r)));
  const order = Object.keys(BENCH_PATTERNS);
  return [...kept, ...fresh].sort((a, b) =>
    order.indexOf(a.pattern) - order.indexOf(b.pattern) || a.n - b.n ||
    a.impl.localeCompare(b.impl)
  );
}

/** How busy the machine was: timings on a shared machine are only comparable at like load. */
function loadNote(result: BenchResult): string {
  if (!result.load) return "";
  const { start, end, cores } = result.load;
  return ` Load average (1 min) ${start[0].toFixed(1)} at the start and ${
    end[0].toFixed(1)
  } at the end of the run, on ${cores} cores (other jobs were sharing the machine when the ` +
    "load exceeds the core count). Times are medians of interleaved runs.";
}

const megabytes = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

/** One row per (pattern, n): both implementations side by side, and the speed-up. */
export function benchMarkdown(result: BenchResult): string {
  const lines = [
    `Attention layer forward + backward, d = ${result.settings.width}, ${result.settings.heads} heads, ` +
    `batch 1, ${result.backend} backend, 2-D matmul ceiling ${result.matmulGflops} GFLOP/s ` +
    `(${result.generated.slice(0, 10)}).` + loadNote(result),
    "",
    "| pattern | n | connections | dense ms | sparse ms | speed-up | dense peak MB | sparse peak MB | sparse useful GFLOP/s (of matmul) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const cells = new Map<string, { dense?: BenchRecord; sparse?: BenchRecord }>();
  for (const record of result.records) {
    const key = `${record.pattern}|${record.n}`;
    cells.set(key, { ...cells.get(key), [record.impl]: record });
  }
  for (const { dense, sparse } of cells.values()) {
    const any = (dense ?? sparse)!;
    const speedup = dense && sparse ? `${(dense.ms / sparse.ms).toFixed(1)}×` : "–";
    lines.push(
      `| ${any.patternName} | ${any.n} | ${any.connections} | ${dense?.ms ?? "–"} | ${
        sparse?.ms ?? "–"
      } | ${speedup} | ${dense ? megabytes(dense.peakBytes) : "–"} | ${
        sparse ? megabytes(sparse.peakBytes) : "–"
      } | ${
        sparse ? `${sparse.usefulGflops} (${(100 * sparse.fractionOfMatmul).toFixed(1)}%)` : "–"
      } |`,
    );
  }
  return lines.join("\n") + "\n";
}
