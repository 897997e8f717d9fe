/**
 * Theorem 1's contextual mapping for a pattern of your choice, built and verified exhaustively.
 *
 *   deno task construct --pattern window --w 1 --n 4 --d 1 --delta 0.25
 *   deno task construct --pattern strided --c 2 --n 4 --d 1 --delta 1/4 --json --ids
 *   deno task construct --file my-pattern.json --d 1 --delta 0.5 --shift-c 8
 *
 * Exit status: 0 verified, 1 verification failed, 2 bad input or a pattern that fails
 * Assumption 1 (one line on stderr).
 */
import { integerFlag, numberFlag, parseFlags, rejectPositionals, runTool } from "./cli/flags.ts";
import { scheduleFromFlags } from "./cli/pattern_flags.ts";
import {
  buildContextualMapping,
  type ContextualMapping,
  layerCounts,
  levelsFromDelta,
  requireEnumerableGrid,
} from "../lib/construction/mod.ts";
import { InputError } from "../lib/util/errors.ts";
import { MAX_CONSTRUCT_N, MAX_EXHAUSTIVE_INPUTS } from "../lib/util/limits.ts";
import { printable, printableJson } from "../lib/util/text.ts";

const USAGE =
  `usage: deno task construct (--pattern NAME [pattern flags] --n N | --file FILE) --d D --delta δ
                             [--shift-c C] [--json] [--ids]
  --delta      grid step δ = 1/K (0.25, 1/4 or 4 all mean K = 4)
  --shift-c    all-max-shift constant c (default: the smallest power of two that verifies)
  --json       one JSON object; --ids adds the exact ids (units of δ) per grid input
The grid (1/δ)^(n·d) is enumerated: at most ${MAX_EXHAUSTIVE_INPUTS} inputs, so n ≤ ${MAX_CONSTRUCT_N}.`;

const DELTA_EXPECTED = "expected δ = 1/K with K an integer ≥ 2 (1/4, 0.25 or 4)";

/** K = 1/δ from `--delta` given as 1/K, as the decimal 1/K, or as K itself. */
function parseLevels(value: string | true): number {
  const fraction = /^1\/([0-9]+)$/.exec(String(value));
  if (fraction) {
    const levels = Number(fraction[1]);
    if (!Number.isSafeInteger(levels) || levels < 2) {
      throw new InputError("--delta", value, DELTA_EXPECTED);
    }
    return levels;
  }
  const delta = numberFlag("delta", value);
  try {
    return levelsFromDelta(delta);
  } catch {
    throw new InputError("--delta", value, DELTA_EXPECTED);
  }
}

function report(mapping: ContextualMapping, valueMapping: number, quantization: number): string[] {
  const { grid, schedule, counts } = mapping;
  const float = mapping.floatComparison;
  const tried = mapping.cTried.map((entry) =>
    `${entry.c}:${entry.withinInput + entry.acrossInputs}`
  );
  return [
    `pattern ${schedule.name}, n = ${grid.n}, d = ${grid.d}, δ = 1/${grid.levels}: ${mapping.inputs} grid inputs`,
    `Assumption 1 holds: p = ${schedule.numPatterns}, s = ${mapping.s}, γ = ${
      mapping.gamma.join(" ")
    }`,
    `layers: quantization ${quantization}, contextual mapping ${counts.total} ` +
    `(${counts.selectiveShifts} selective shifts, ${counts.cycleIdentities} cycle identities, ` +
    `${counts.padding} padding, ${counts.allMaxShifts} all-max shifts), value mapping ${valueMapping}`,
    `predicted contextual layers p(n−1)δ^(−d) + s = ${counts.predicted}`,
    mapping.c === null
      ? `c: no tried power of two verified (c:collisions ${tried.join(" ")})`
      : `c = ${mapping.c} (c:collisions ${tried.join(" ")})`,
    `phase 1: ${mapping.invariantChecks} checks "min = self, max = predecessor" passed` +
    (mapping.invariantFailures.length ? `; FAILED: ${mapping.invariantFailures.join("; ")}` : ""),
    float
      ? `float64 reference: ${float.agrees ? "equals" : "DIFFERS FROM"} the exact ids on the ` +
        `${float.provablyExactLayers} of ${counts.total} layers proved exact (${float.inputsCompared} inputs); ` +
        `final relative error ${float.finalRelativeError.toExponential(2)}`
      : "float64 reference: not compared",
    `verified: ${mapping.verified ? "yes" : "NO"} — ids ${
      mapping.verified ? "form" : "do not form"
    } ` +
    `a contextual mapping on all ${mapping.inputs} inputs`,
  ];
}

function main(): number {
  const parsed = parseFlags(Deno.args, ["json", "ids", "help"]);
  const { flags } = parsed;
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  rejectPositionals(parsed);
  // The grid's size decides everything that follows: checked on logarithms, before the
  // pattern is built or a layer planned (a named pattern's n here; a file's n below).
  if (!flags.has("d")) throw new InputError("--d", undefined, "the token dimension is required");
  if (!flags.has("delta")) throw new InputError("--delta", undefined, "the grid step is required");
  const d = integerFlag("d", flags.get("d")!, 1);
  const levels = parseLevels(flags.get("delta")!);
  const names = { n: "--n", d: "--d", delta: "--delta", deltaText: String(flags.get("delta")) };
  if (flags.has("n") && !flags.has("file")) {
    const n = integerFlag(
      "n",
      flags.get("n")!,
      1,
      MAX_CONSTRUCT_N,
      "the grid's inputs are enumerated",
    );
    requireEnumerableGrid(n, d, levels, MAX_EXHAUSTIVE_INPUTS, names);
  }
  const schedule = scheduleFromFlags(parsed, {
    nameFlag: "pattern",
    toolFlags: ["d", "delta", "shift-c", "json", "ids"],
    maxN: MAX_CONSTRUCT_N,
    maxNReason: "the grid's inputs are enumerated",
  });
  requireEnumerableGrid(schedule.n, d, levels, MAX_EXHAUSTIVE_INPUTS, names);
  const options = {
    d,
    delta: 1 / levels,
    ...(flags.has("shift-c") ? { c: integerFlag("shift-c", flags.get("shift-c")!, 1) } : {}),
  };
  const counts = layerCounts(schedule, options);
  const mapping = buildContextualMapping(schedule, options);
  if (flags.has("json")) {
    console.log(printableJson({
      pattern: schedule.name,
      n: mapping.grid.n,
      d: mapping.grid.d,
      delta: mapping.grid.delta,
      inputs: mapping.inputs,
      p: schedule.numPatterns,
      s: mapping.s,
      gamma: mapping.gamma,
      layers: {
        quantization: counts.quantization,
        contextualMapping: mapping.counts.total,
        valueMapping: counts.valueMapping,
        selectiveShifts: mapping.counts.selectiveShifts,
        cycleIdentities: mapping.counts.cycleIdentities,
        padding: mapping.counts.padding,
        allMaxShifts: mapping.counts.allMaxShifts,
      },
      predictedContextualLayers: mapping.counts.predicted,
      c: mapping.c === null ? null : Number(mapping.c),
      cTried: mapping.cTried,
      invariantChecks: mapping.invariantChecks,
      invariantFailures: mapping.invariantFailures,
      floatComparison: mapping.floatComparison,
      verified: mapping.verified,
      ...(flags.has("ids") ? { ids: mapping.ids.map((row) => row.map(String)) } : {}),
    }));
  } else {
    for (const line of report(mapping, counts.valueMapping, counts.quantization)) {
      console.log(printable(line));
    }
    if (flags.has("ids")) {
      mapping.ids.forEach((row, input) => console.log(`${input}: ${row.join(" ")}`));
    }
  }
  return mapping.verified ? 0 : 1;
}

if (import.meta.main) runTool("construct", main);
