/**
 * Results files: one JSON object per run, written atomically (temporary file + rename) under
 * data/results/<experiment>/ (RESULTS_DIR overrides the root). A sweep skips every run whose
 * file already exists and parses, so an interrupted sweep resumes where it stopped. Reading
 * a directory reports a corrupt or incomplete file and skips it: it is never plotted.
 */
import { writeFileAtomicSync } from "../util/system.ts";

export const RESULTS_SCHEMA = 1;

export type RunMode = "quick" | "full";

export interface CurvePoint {
  step: number;
  loss: number;
  /** The experiment's validation metric at this step, when evaluated. */
  metric?: number;
}

export interface RunResult {
  schema: typeof RESULTS_SCHEMA;
  experiment: string;
  mode: RunMode;
  runId: string;
  pattern: string;
  configuration: string;
  /** Schedule name, e.g. "sequential strided(c=8)". */
  patternName: string;
  patternParameters: Record<string, number>;
  /** Exact achieved sparsity 1 − mean connections / n². */
  sparsity: number;
  /** The level that was asked for (null for dense and for depth sweeps at a pattern's own level). */
  sparsityTarget: number | null;
  connections: number;
  mixingDepth: number | null;
  n: number;
  layers: number;
  seed: number;
  model: Record<string, number | string>;
  /** Name of the metric in `curve[].metric`. */
  metricName: string;
  curve: CurvePoint[];
  final: Record<string, number>;
  wallSeconds: number;
  codeVersion: string;
  dataChecksum: string | null;
  finishedAt: string;
}

/** The results root: RESULTS_DIR, else data/results for full runs, out/results-quick for quick. */
export function resultsRoot(mode: RunMode): string {
  const fromEnv = Deno.env.get("RESULTS_DIR");
  if (fromEnv) return fromEnv.replace(/\/$/, "");
  const root = new URL(
    mode === "full" ? "../../data/results" : "../../out/results-quick",
    import.meta.url,
  );
  return root.pathname;
}

export function resultPath(dir: string, runId: string): string {
  return `${dir}/${runId}.json`;
}

/** Fields one per line, curve points one per line: readable diffs, small files. */
export function formatResult(result: RunResult): string {
  const { curve, ...fields } = result;
  const head = JSON.stringify(fields, null, 1).slice(0, -2); // without the closing "\n}"
  const points = curve.map((point) => `  ${JSON.stringify(point)}`).join(",\n");
  return `${head},\n "curve": [\n${points}\n ]\n}\n`;
}

export function writeResult(dir: string, result: RunResult): string {
  Deno.mkdirSync(dir, { recursive: true });
  const path = resultPath(dir, result.runId);
  writeFileAtomicSync(path, formatResult(result));
  return path;
}

const REQUIRED_FIELDS: (keyof RunResult)[] = [
  "experiment",
  "runId",
  "pattern",
  "configuration",
  "sparsity",
  "seed",
  "layers",
  "curve",
  "final",
  "wallSeconds",
  "codeVersion",
];

/** Parses one file, or returns why it is unusable. */
export function parseResult(text: string): RunResult | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not valid JSON (${(error as Error).message.split("\n")[0]})`;
  }
  if (typeof value !== "object" || value === null) return "not a JSON object";
  const record = value as Record<string, unknown>;
  if (record.schema !== RESULTS_SCHEMA) {
    return `schema ${record.schema}, expected ${RESULTS_SCHEMA}`;
  }
  const missing = REQUIRED_FIELDS.filter((field) => record[field] === undefined);
  if (missing.length > 0) return `missing ${missing.join(", ")}`;
  const final = record.final as Record<string, unknown>;
  if (!Object.values(final).every((v) => typeof v === "number" && Number.isFinite(v))) {
    return "a final metric is not a finite number";
  }
  return value as RunResult;
}

export interface ResultsRead {
  results: RunResult[];
  /** Files that could not be used, with the reason. */
  skipped: { path: string; reason: string }[];
}

/** Every usable result in `dir` (sorted by run id); corrupt files are reported, not returned. */
export function readResults(dir: string, options: { quiet?: boolean } = {}): ResultsRead {
  const results: RunResult[] = [];
  const skipped: { path: string; reason: string }[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { results, skipped };
    throw error;
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const path = `${dir}/${entry.name}`;
    const parsed = parseResult(Deno.readTextFileSync(path));
    if (typeof parsed === "string") {
      skipped.push({ path, reason: parsed });
      if (!options.quiet) console.warn(`skipping corrupt result ${path}: ${parsed}`);
    } else {
      results.push(parsed);
    }
  }
  return { results, skipped };
}

/**
 * True when a usable result for `runId` exists and, when `model` is given, was trained at
 * those sizes (a corrupt result, or one from a different budget, is redone).
 */
export function hasResult(dir: string, runId: string, model?: RunResult["model"]): boolean {
  try {
    const parsed = parseResult(Deno.readTextFileSync(resultPath(dir, runId)));
    return typeof parsed !== "string" && (model === undefined || sameModel(parsed.model, model));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The code a training run executes: a local change here makes its results "+dirty". */
const TRAINING_CODE = [
  "lib/train",
  "lib/attention/tf",
  "lib/attention/core.ts",
  "lib/attention/maps.ts",
  "lib/pattern",
  "lib/util",
  "tools/experiment.ts",
];

/** Same sizes (key order does not matter). */
export function sameModel(a: RunResult["model"], b: RunResult["model"]): boolean {
  const canonical = (m: RunResult["model"]) => JSON.stringify(Object.entries(m).sort());
  return canonical(a) === canonical(b);
}

/** `git rev-parse HEAD` (with "+dirty" when the training code differs from it), or "unknown". */
export function codeVersion(): string {
  const git = (...args: string[]) => {
    try {
      const output = new Deno.Command("git", { args, stdout: "piped", stderr: "null" })
        .outputSync();
      return output.success ? new TextDecoder().decode(output.stdout).trim() : undefined;
    } catch {
      return undefined;
    }
  };
  const root = new URL("../..", import.meta.url).pathname;
  const commit = git("-C", root, "rev-parse", "HEAD");
  if (!commit) return "unknown";
  const dirty = git("-C", root, "status", "--porcelain", "--untracked-files=no", ...TRAINING_CODE);
  return dirty ? `${commit}+dirty` : commit;
}
