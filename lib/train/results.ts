/**
 * Results files: one JSON object per run, written atomically (temporary file + rename) under
 * data/results/<experiment>/ (RESULTS_DIR overrides the root; paths come from pathFromUrl, so a
 * checkout whose path holds a space or a `%` keeps its results inside it). A sweep skips every run whose
 * file already exists and parses, so an interrupted sweep resumes where it stopped. Reading
 * a directory reports a corrupt or incomplete file and skips it: it is never plotted.
 */
import type { TrainingLength } from "./convergence.ts";
import { describeValue } from "../util/errors.ts";
import { MAX_MODEL_LAYERS, MAX_PATTERN_N, MAX_RESULT_FILE_BYTES } from "../util/limits.ts";
import { PathError } from "../util/output_folder.ts";
import { MISSING, parseJsonObject, readRegularTextFileSync } from "../util/regular_file.ts";
import { printable } from "../util/text.ts";
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

/**
 * The validation metric of a curve's last evaluation, NaN when it has none. A run validates at its
 * last step, so this is the trained model's own validation score.
 */
export function finalValidation(curve: readonly CurvePoint[]): number {
  for (let i = curve.length - 1; i >= 0; i--) {
    const metric = curve[i].metric;
    if (metric !== undefined) return metric;
  }
  return NaN;
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
  /**
   * How long a run trained under a convergence rule (lib/train/convergence.ts) and whether it
   * had plateaued; absent for runs trained for a fixed number of steps.
   */
  training?: TrainingLength;
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

/**
 * Where the runs of pattern files go (`--pattern-file`), each experiment and pattern in a folder
 * of its own: RESULTS_DIR/own-patterns, else out/own-patterns; never the committed results.
 */
export function ownPatternsRoot(): string {
  const fromEnv = Deno.env.get("RESULTS_DIR");
  return fromEnv
    ? `${fromEnv.replace(/(.)\/+$/, "$1")}/own-patterns`
    : `${CHECKOUT}out/own-patterns`;
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

type Check = (value: unknown) => boolean;

const isString: Check = (v) => typeof v === "string" && v.length <= MAX_RESULT_STRING_CHARS;
const isFinite: Check = (v) => typeof v === "number" && Number.isFinite(v);
const isCount = (max: number): Check => (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= max;
const orNull = (check: Check): Check => (v) => v === null || check(v);
const isRecordOf = (check: Check): Check => (v) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every(check);
const isPoint: Check = (v) => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const point = v as Record<string, unknown>;
  return isCount(Number.MAX_SAFE_INTEGER)(point.step) && orNull(isFinite)(point.loss) &&
    (point.metric === undefined || orNull(isFinite)(point.metric));
};

/** Longest string field a result may hold (run ids, pattern names, versions, times). */
const MAX_RESULT_STRING_CHARS = 1_000;

/**
 * Every field of a result file with what it must hold: the sweep trusts a result it finds (and
 * never trains that run again), so a field of the wrong type makes the file corrupt, not done.
 */
const RESULT_FIELDS: [keyof RunResult, string, Check][] = [
  ["experiment", "a string", isString],
  ["mode", '"quick" or "full"', (v) => v === "quick" || v === "full"],
  ["runId", "a string", isString],
  ["pattern", "a string", isString],
  ["configuration", "a string", isString],
  ["patternName", "a string", isString],
  ["patternParameters", "an object of numbers", isRecordOf(isFinite)],
  [
    "sparsity",
    "a number in [0, 1]",
    (v) => isFinite(v) && (v as number) >= 0 && (v as number) <= 1,
  ],
  [
    "sparsityTarget",
    "a number in [0, 1] or null",
    orNull((v) => isFinite(v) && (v as number) >= 0 && (v as number) <= 1),
  ],
  ["connections", "a non-negative integer", isCount(Number.MAX_SAFE_INTEGER)],
  ["mixingDepth", "a non-negative integer or null", orNull(isCount(Number.MAX_SAFE_INTEGER))],
  ["n", "a positive integer", (v) => isCount(MAX_PATTERN_N)(v) && v !== 0],
  [
    "layers",
    `an integer in [1, ${MAX_MODEL_LAYERS}]`,
    (v) => isCount(MAX_MODEL_LAYERS)(v) && v !== 0,
  ],
  ["seed", "a non-negative integer", isCount(Number.MAX_SAFE_INTEGER)],
  ["model", "an object of numbers and strings", isRecordOf((v) => isFinite(v) || isString(v))],
  ["metricName", "a string", isString],
  ["curve", "a list of {step, loss, metric} points", (v) => Array.isArray(v) && v.every(isPoint)],
  ["final", "an object of finite numbers", isRecordOf(isFinite)],
  ["wallSeconds", "a non-negative number", (v) => isFinite(v) && (v as number) >= 0],
  ["codeVersion", "a string", isString],
  ["dataChecksum", "a string or null", orNull(isString)],
  [
    "finishedAt",
    "an ISO 8601 time",
    (v) => isString(v) && Number.isFinite(Date.parse(v as string)),
  ],
];

/** A result's optional record of how long it trained under a convergence rule. */
function isTrainingLength(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { stepsTrained, plateaued } = value as Record<string, unknown>;
  return Number.isSafeInteger(stepsTrained) && (stepsTrained as number) > 0 &&
    typeof plateaued === "boolean" && Object.keys(value).length === 2;
}

/** Parses one file, or returns why it is unusable (the first field that is not as written). */
export function parseResult(text: string): RunResult | string {
  const record = parseJsonObject(text);
  if (typeof record === "string") return record;
  if (record.schema !== RESULTS_SCHEMA) {
    return `schema ${describeValue(record.schema)}, expected ${RESULTS_SCHEMA}`;
  }
  const missing = RESULT_FIELDS.filter(([field]) => record[field] === undefined);
  if (missing.length > 0) return `missing ${missing.map(([field]) => field).join(", ")}`;
  for (const [field, expected, check] of RESULT_FIELDS) {
    if (!check(record[field])) {
      return `${field} = ${printable(describeValue(record[field]))}: expected ${expected}`;
    }
  }
  if (record.training !== undefined && !isTrainingLength(record.training)) {
    return `training = ${printable(describeValue(record.training))}: expected ` +
      "{stepsTrained: a positive integer, plateaued: true or false}";
  }
  return record as unknown as RunResult;
}

/** A parsed result whose runId is not its file's name is unusable: a sweep finds runs by name. */
function namedAfterItsRun(parsed: RunResult | string, runId: string): RunResult | string {
  if (typeof parsed === "string" || parsed.runId === runId) return parsed;
  return `runId = ${printable(describeValue(parsed.runId))}: expected ${
    printable(describeValue(runId))
  }, the file's name`;
}

/** A result file's text: a regular file within MAX_RESULT_FILE_BYTES, or why it is not usable. */
function readResultText(path: string): string | typeof MISSING | { unreadable: string } {
  try {
    return readRegularTextFileSync(path, {
      parameter: "result",
      maxBytes: MAX_RESULT_FILE_BYTES,
      missingOk: true,
    });
  } catch (error) {
    if (!(error instanceof PathError)) throw error;
    return { unreadable: error.reason };
  }
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
    if (entry.isDirectory || !entry.name.endsWith(".json")) continue;
    const path = `${dir}/${entry.name}`;
    const text = readResultText(path);
    if (text === MISSING) continue; // removed since the folder was listed
    const parsed = typeof text === "string"
      ? namedAfterItsRun(parseResult(text), entry.name.slice(0, -".json".length))
      : text.unreadable;
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
 * is "other-sizes". A file that is not a regular file within MAX_RESULT_FILE_BYTES (a FIFO, a
 * link to a device), or whose fields are not as written, is "corrupt": named, then trained again
 * (the new result's atomic rename replaces whatever stood at the path).
 */
export function resultStatus(dir: string, runId: string, model?: RunResult["model"]): ResultStatus {
  const path = resultPath(dir, runId);
  const text = readResultText(path);
  if (text === MISSING) return { state: "missing", path };
  if (typeof text !== "string") return { state: "corrupt", path, reason: text.unreadable };
  const parsed = namedAfterItsRun(parseResult(text), runId);
  if (typeof parsed === "string") return { state: "corrupt", path, reason: parsed };
  if (model !== undefined && !sameTraining(parsed, model)) return { state: "other-sizes", path };
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
  "lib/experiments",
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

/** The model record's key for the convergence rule's cap (lib/train/sweep.ts modelOf). */
const CAP_KEY = "convergenceCapSteps";

/**
 * Whether a result is the run `model` describes: trained at those sizes, or at sizes that differ
 * only in the convergence cap when the run stopped on a plateau at a step the cap in `model`
 * reaches. Such a run trained exactly as it would under that cap: the cap sets neither the
 * learning rate (it decays over the floor) nor the validations, and a run is stopped by a
 * plateau whatever cap is above it; only its loss-only curve points are spaced by its own cap.
 */
export function sameTraining(
  result: Pick<RunResult, "model" | "training">,
  model: RunResult["model"],
): boolean {
  if (sameModel(result.model, model)) return true;
  const cap = model[CAP_KEY];
  if (typeof cap !== "number" || typeof result.model[CAP_KEY] !== "number") return false;
  const { training } = result;
  return training?.plateaued === true && training.stepsTrained <= cap &&
    sameModel({ ...result.model, [CAP_KEY]: cap }, model);
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
