/**
 * Results files: one JSON object per run, written atomically (temporary file + rename) under
 * data/results/<experiment>/ (RESULTS_DIR overrides the root; paths come from pathFromUrl, so a
 * checkout whose path holds a space or a `%` keeps its results inside it). A sweep skips every run whose
 * file already exists and parses, so an interrupted sweep resumes where it stopped. Reading
 * a directory reports a corrupt or incomplete file and skips it: it is never plotted.
 */
import { PathError, reasonOf } from "../util/output_folder.ts";
import { pathFromUrl, writeFileAtomicSync } from "../util/system.ts";

/** The checkout this module belongs to (its lib/train/ is two levels down). */
const CHECKOUT = pathFromUrl("../../", import.meta.url);

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
  if (fromEnv) return fromEnv.replace(/(.)\/+$/, "$1");
  return `${CHECKOUT}${mode === "full" ? "data/results" : "out/results-quick"}`;
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

/** What a run's result file holds: usable, absent, unusable (and why), or another budget's. */
export type ResultStatus =
  | { state: "done"; path: string }
  | { state: "missing"; path: string }
  | { state: "corrupt"; path: string; reason: string }
  | { state: "other-sizes"; path: string };

/**
 * The state of `runId`'s result in `dir`; with `model`, a usable result trained at other sizes
 * is "other-sizes". A file that exists but cannot be read is refused (PathError naming it).
 */
export function resultStatus(dir: string, runId: string, model?: RunResult["model"]): ResultStatus {
  const path = resultPath(dir, runId);
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { state: "missing", path };
    throw new PathError(path, undefined, `cannot be read (${reasonOf(error)})`);
  }
  const parsed = parseResult(text);
  if (typeof parsed === "string") return { state: "corrupt", path, reason: parsed };
  if (model !== undefined && !sameModel(parsed.model, model)) return { state: "other-sizes", path };
  return { state: "done", path };
}

/**
 * True when a usable result for `runId` exists and, when `model` is given, was trained at
 * those sizes (a corrupt result, or one from a different budget, is redone).
 */
export function hasResult(dir: string, runId: string, model?: RunResult["model"]): boolean {
  return resultStatus(dir, runId, model).state === "done";
}

/** The code a training run executes: a local change here makes its results "+dirty". */
const TRAINING_CODE = [
  "lib/train",
  "lib/attention/tf",
  "lib/attention/sparse_kernel",
  "lib/attention/probability_maps.ts",
  "lib/pattern",
  "lib/util",
  "tools/experiment.ts",
];

/** Same sizes (key order does not matter). */
export function sameModel(a: RunResult["model"], b: RunResult["model"]): boolean {
  const canonical = (m: RunResult["model"]) => JSON.stringify(Object.entries(m).sort());
  return canonical(a) === canonical(b);
}

/** What codeVersion records where no commit can be named. */
export const NO_GIT = "unknown (git not found)";
export const NOT_A_CHECKOUT = "unknown (not a git checkout)";

/**
 * `git rev-parse HEAD` of the checkout this module is in (with "+dirty" when the training code
 * differs from it); NOT_A_CHECKOUT when that folder is not the top of a git work tree (a copy,
 * or an unpacked archive: a git repository further up must not lend it its commit), NO_GIT
 * when git cannot be run.
 */
export function codeVersion(root = CHECKOUT): string {
  let gitMissing = false;
  const git = (...args: string[]) => {
    try {
      const output = new Deno.Command("git", {
        args: ["-C", root, ...args],
        stdout: "piped",
        stderr: "null",
      }).outputSync();
      return output.success ? new TextDecoder().decode(output.stdout).trim() : undefined;
    } catch {
      gitMissing = true;
      return undefined;
    }
  };
  const top = git("rev-parse", "--show-toplevel");
  if (gitMissing) return NO_GIT;
  if (top === undefined || !samePath(top, root)) return NOT_A_CHECKOUT;
  const commit = git("rev-parse", "HEAD");
  if (!commit) return NOT_A_CHECKOUT;
  const dirty = git("status", "--porcelain", "--untracked-files=no", "--", ...TRAINING_CODE);
  return dirty ? `${commit}+dirty` : commit;
}

function samePath(a: string, b: string): boolean {
  try {
    return Deno.realPathSync(a) === Deno.realPathSync(b);
  } catch {
    return false;
  }
}
