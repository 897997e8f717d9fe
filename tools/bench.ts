/**
 * deno task bench [--pattern window,star] [--n 2048,4096] [--impl dense,sparse]
 *                 [--dense-max-n 4096] [--json]
 *
 * Times one multi-head attention layer (forward + backward) dense-masked versus sparse and
 * records peak memory (lib/attention/bench.ts). Progress goes to stderr; the Markdown table (or,
 * with --json, the array of records) to stdout. The records are merged into
 * data/bench/attention.json (same impl/pattern/n replaced) and the table is rewritten to
 * data/bench/attention.md. Bad flags: one line naming the flag and value, exit 2.
 */
import {
  numberFlag,
  parseFlags,
  rejectPositionals,
  rejectUnknownFlags,
  runTool,
} from "../lib/cli/flags.ts";
import {
  ATTENTION_IMPLS,
  type AttentionImpl,
  benchMarkdown,
  type BenchResult,
  checkFloors,
  mergeRecords,
  requireBenchPattern,
  runBenchmark,
} from "../lib/attention/mod.ts";
import { InputError } from "../lib/util/errors.ts";
import { writeFileAtomic } from "../lib/util/system.ts";

const RESULTS = new URL("../data/bench/attention.json", import.meta.url);
const TABLE = new URL("../data/bench/attention.md", import.meta.url);

function listFlag(name: string, value: string | true | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = typeof value === "string" ? value.split(",").map((s) => s.trim()) : [];
  if (items.length === 0 || items.some((item) => item === "")) {
    throw new InputError(`--${name}`, value, "expected a comma-separated list");
  }
  return items;
}

function lengthFlag(value: string | true | undefined): number[] | undefined {
  return listFlag("n", value)?.map((item) => {
    const n = numberFlag("n", item);
    if (!Number.isInteger(n) || n < 2 || n > 65536) {
      throw new InputError("--n", item, "expected integers in [2, 65536]");
    }
    return n;
  });
}

async function readExisting(): Promise<BenchResult | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(RESULTS)) as BenchResult;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

await runTool("bench", async () => {
  const parsed = parseFlags(Deno.args, ["json"]);
  rejectUnknownFlags(parsed, ["pattern", "n", "impl", "dense-max-n", "json"]);
  rejectPositionals(parsed, "see the flags in tools/bench.ts");
  const { flags } = parsed;
  const patterns = listFlag("pattern", flags.get("pattern"))?.map(requireBenchPattern);
  const impls = listFlag("impl", flags.get("impl"))?.map((impl) => {
    if (!ATTENTION_IMPLS.includes(impl as AttentionImpl)) {
      throw new InputError("--impl", impl, `expected ${ATTENTION_IMPLS.join(" or ")}`);
    }
    return impl as AttentionImpl;
  });
  const denseMaxValue = flags.get("dense-max-n");
  const denseMaxN = denseMaxValue === undefined
    ? undefined
    : numberFlag("dense-max-n", denseMaxValue);
  const result = await runBenchmark({
    patterns,
    lengths: lengthFlag(flags.get("n")),
    impls,
    denseMaxN,
    onRecord: (r) =>
      console.error(
        `${r.impl.padEnd(6)} ${r.pattern.padEnd(8)} n=${String(r.n).padEnd(6)} ${r.ms} ms, ` +
          `peak ${(r.peakBytes / 2 ** 20).toFixed(1)} MB, ${r.usefulGflops} useful GFLOP/s`,
      ),
  });
  const existing = await readExisting();
  const merged: BenchResult = {
    ...result,
    records: mergeRecords(existing?.records ?? [], result.records),
  };
  await Deno.mkdir(new URL(".", RESULTS), { recursive: true });
  await writeFileAtomic(RESULTS.pathname, JSON.stringify(merged, null, 1) + "\n");
  await writeFileAtomic(TABLE.pathname, benchMarkdown(merged));
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
  return 0;
});
