/**
 * Export a sparse Transformer to ONNX; optionally run it in onnxruntime-web, compare with
 * TensorFlow.js and pass it through the official ONNX checker.
 *
 *   deno task export --random --pattern star --n 64 --out m.onnx --check --json
 *   deno task export --model data/models/moby-dick-best --n 32 --out char.onnx --attention
 */
import {
  integerFlag,
  type ParsedFlags,
  parseFlags,
  rejectConflicts,
  rejectPositionals,
  rejectUnknownFlags,
  runTool,
} from "./cli/flags.ts";
import { patternParameterFlags, scheduleFromFlags } from "./cli/pattern_flags.ts";
import { initTf } from "../lib/attention/tf/backend.ts";
import { checkParity, EXPORTED_KINDS, randomModel } from "../lib/export/parity.ts";
import { type ExportableModel, exportToOnnx } from "../lib/export/export_model.ts";
import type { Schedule } from "../lib/pattern/pattern.ts";
import { OnnxRunner } from "../lib/export/runtime.ts";
import { officialOnnxCheck } from "../lib/export/checker.ts";
import { loadSavedModel } from "../lib/export/saved_model.ts";
import type { ExportedKind } from "../lib/export/metadata.ts";
import { writeFileAtomic } from "../lib/util/system.ts";
import { InputError } from "../lib/util/errors.ts";
import { PathError, probeWrite, reasonOf } from "../lib/util/output_folder.ts";
import { MAX_EXPORT_N } from "../lib/util/limits.ts";
import { printable, printableJson } from "../lib/util/text.ts";

const USAGE = `usage: deno task export (--random [--kind KIND] [--seed S] | --model STEM)
         [--pattern NAME [pattern flags] | --file PATTERN.json] --n N --out FILE
         [--attention] [--check] [--json]
kinds: ${EXPORTED_KINDS.join(", ")}
n is at most ${MAX_EXPORT_N} (the pattern is stored as an n×n mask)`;

/** Largest |ONNX − TensorFlow.js| that --check accepts. */
const TOLERANCE = 1e-4;

const BOOLEANS = ["random", "check", "json", "attention", "help"];

/**
 * Refuses an output path that cannot take the file before any work is done: an existing
 * directory (or anything but a regular file), a folder that does not exist, or one in which a
 * probe file cannot be written and removed.
 */
async function requireWritableTarget(out: string): Promise<void> {
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(out);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new InputError("--out", out, `cannot be checked (${(error as Error).name})`);
    }
  }
  if (info) {
    if (info.isFile) return;
    const what = info.isDirectory ? "a directory" : "not a regular file";
    throw new InputError("--out", out, `is ${what}; give a file path`);
  }
  const slash = out.lastIndexOf("/");
  const folder = slash === -1 ? "." : slash === 0 ? "/" : out.slice(0, slash);
  let folderInfo: Deno.FileInfo | undefined;
  try {
    folderInfo = await Deno.stat(folder);
  } catch {
    folderInfo = undefined;
  }
  if (!folderInfo?.isDirectory) {
    throw new InputError("--out", out, `its folder ${JSON.stringify(folder)} does not exist`);
  }
  // a read-only folder, /proc or a full disk is found now, not after the export ran
  try {
    probeWrite(folder);
  } catch (error) {
    throw new PathError("--out", out, `its folder cannot be written (${reasonOf(error)})`);
  }
}

/** What the flags ask for, every one checked before anything is built. */
interface ExportRequest {
  n: number;
  out: string;
  kind: ExportedKind;
  seed: number;
  modelStem?: string;
  pattern?: Schedule;
}

/** Reads and checks the flags: sizes and the output path first, then the pattern. */
async function exportRequest(parsed: ParsedFlags): Promise<ExportRequest> {
  const { flags } = parsed;
  rejectPositionals(parsed);
  const toolFlags = [...BOOLEANS, "model", "kind", "seed", "n", "out"];
  // a flag no form of the command takes is named first (the pattern's own flags are checked
  // against the chosen pattern below)
  rejectUnknownFlags(parsed, [...toolFlags, "pattern", "file", ...patternParameterFlags()]);
  rejectConflicts(parsed, "random", "model", "a random model or a saved one");
  if (flags.has("random") === flags.has("model")) {
    throw new InputError("--random / --model", undefined, "give exactly one (see --help)");
  }
  for (const randomOnly of ["kind", "seed"]) {
    if (flags.has("model") && flags.has(randomOnly)) {
      throw new InputError(
        `--${randomOnly}`,
        flags.get(randomOnly),
        "only a --random model takes it",
      );
    }
  }
  // Sizes and the output path first: nothing is built before they are known to be usable.
  if (!flags.has("n")) throw new InputError("--n", undefined, "the sequence length is required");
  const n = integerFlag("n", flags.get("n")!, 1, MAX_EXPORT_N, "the pattern is an n×n mask");
  const out = flags.get("out");
  if (typeof out !== "string") throw new InputError("--out", out, "an output file is required");
  await requireWritableTarget(out);
  const kind = flags.get("kind") ?? "encoder";
  if (!(EXPORTED_KINDS as readonly unknown[]).includes(kind)) {
    throw new InputError("--kind", kind, `expected one of ${EXPORTED_KINDS.join(", ")}`);
  }
  const seed = flags.has("seed") ? integerFlag("seed", flags.get("seed")!) : 0;
  // a random model needs a pattern; a saved one has its own unless --pattern/--file replaces it
  const pattern = flags.has("random") || flags.has("pattern") || flags.has("file")
    ? scheduleFromFlags(parsed, {
      nameFlag: "pattern",
      toolFlags,
      maxN: MAX_EXPORT_N,
      maxNReason: "the pattern is an n×n mask",
    })
    : undefined;
  if (!pattern) rejectUnknownFlags(parsed, toolFlags);
  const modelStem = flags.has("model") ? String(flags.get("model")) : undefined;
  return { n, out, kind: kind as ExportedKind, seed, modelStem, pattern };
}

/** --check: onnxruntime-web against TensorFlow.js, and the official ONNX checker. */
async function checkExport(
  model: ExportableModel,
  bytes: Uint8Array,
  out: string,
): Promise<{ failed: boolean; fields: Record<string, unknown> }> {
  const runner = await OnnxRunner.create(bytes, { source: out });
  const parity = await checkParity(model, runner);
  await runner.release();
  const official = await officialOnnxCheck(out);
  return {
    failed: !(parity.maxAbsDiff <= TOLERANCE) || !official.ok,
    fields: {
      maxAbsDiff: parity.maxAbsDiff,
      tolerance: TOLERANCE,
      compared: parity.output,
      shape: parity.dims,
      officialChecker: official.ok ? `passed (onnx ${official.onnx})` : `FAILED: ${official.error}`,
    },
  };
}

/** The report as JSON, or one `key: value` line per field that has a value. */
function printReport(report: Record<string, unknown>, json: boolean): void {
  if (json) return void console.log(printableJson(report));
  for (const [key, value] of Object.entries(report)) {
    if (value === null) continue;
    console.log(printable(`${key}: ${typeof value === "object" ? printableJson(value) : value}`));
  }
}

async function main(): Promise<number> {
  const parsed = parseFlags(Deno.args, BOOLEANS);
  const { flags } = parsed;
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const request = await exportRequest(parsed);
  const { n, out, pattern } = request;
  await initTf();
  const saved = request.modelStem === undefined
    ? undefined
    : await loadSavedModel(request.modelStem, pattern);
  const model = saved?.model ??
    randomModel({ kind: request.kind, pattern: pattern!, n, seed: request.seed });
  const exported = exportToOnnx(model, {
    n,
    attentionOutputs: flags.has("attention"),
    vocabulary: saved?.vocabulary,
    description: saved?.description,
  });
  try {
    await writeFileAtomic(out, exported.bytes); // removes its temporary file on error
  } catch (error) {
    throw new InputError("--out", out, `cannot be written (${(error as Error).message})`);
  }
  const report: Record<string, unknown> = {
    out,
    bytes: exported.bytes.length,
    kind: exported.metadata.kind,
    n,
    patterns: exported.metadata.patterns,
    maxAbsDiff: null,
  };
  const check = flags.has("check") ? await checkExport(model, exported.bytes, out) : undefined;
  Object.assign(report, check?.fields);
  model.dispose();
  printReport(report, flags.has("json"));
  return check?.failed ? 1 : 0;
}

if (import.meta.main) runTool("export", main);
