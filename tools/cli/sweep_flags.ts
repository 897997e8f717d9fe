/**
 * The flags that choose a sweep's plan, shared by `deno task experiment` and `deno task
 * cluster`: the mode (--quick, the default, or --full) and the selection (--pattern,
 * --configuration, --sparsity, --seed or --seeds K, --layers; or --pattern-file FILE for a
 * pattern of one's own), every value checked.
 */
import { integerFlag, listFlag, numberFlag, type ParsedFlags, rejectConflicts } from "./flags.ts";
import type { SweepOptions } from "../../lib/train/sweep.ts";
import { InputError } from "../../lib/util/errors.ts";
import { MAX_MODEL_LAYERS, MAX_SWEEP_SEEDS } from "../../lib/util/limits.ts";

/** The flags that select runs of a plan: a scheduler's command repeats them. */
export const SELECTION_FLAGS = [
  "pattern",
  "configuration",
  "sparsity",
  "seed",
  "seeds",
  "layers",
  "pattern-file",
] as const;

/** The flags of a plan, as the tools' flag lists name them. */
export const PLAN_FLAGS = ["quick", "full", ...SELECTION_FLAGS];

/** The selection flags given, as typed: the plan a scheduler's index is read against. */
export function selectionOf(flags: Map<string, string | true>): Map<string, string> {
  const selection = new Map<string, string>();
  for (const flag of SELECTION_FLAGS) {
    const value = flags.get(flag);
    if (typeof value === "string") selection.set(flag, value);
  }
  return selection;
}

function list(flags: Map<string, string | true>, name: string): string[] | undefined {
  return listFlag(name, flags.get(name));
}

function numbers(flags: Map<string, string | true>, name: string, integer = false) {
  return list(flags, name)?.map((item) => {
    const value = numberFlag(name, item);
    if (integer && (!Number.isInteger(value) || value < 0)) {
      throw new InputError(`--${name}`, item, "expected a non-negative integer");
    }
    return value;
  });
}

/** --seeds K: the first K seeds. */
function firstSeeds(flags: Map<string, string | true>): number[] | undefined {
  if (!flags.has("seeds")) return undefined;
  const count = integerFlag(
    "seeds",
    flags.get("seeds")!,
    1,
    MAX_SWEEP_SEEDS,
    "the most seeds a sweep trains",
  );
  return Array.from({ length: count }, (_, i) => i);
}

/** The plan's mode and selection from the flags; flags that exclude each other are refused. */
export function planSelection(
  parsed: ParsedFlags,
): Pick<
  SweepOptions,
  "mode" | "patterns" | "configurations" | "sparsity" | "seeds" | "layers" | "patternFile"
> {
  const { flags } = parsed;
  if (flags.has("quick") && flags.has("full")) {
    throw new InputError("--quick", true, "choose --quick or --full, not both");
  }
  rejectConflicts(
    parsed,
    "pattern-file",
    ["pattern", "configuration", "sparsity"],
    "the file is the pattern",
  );
  rejectConflicts(parsed, "seeds", "seed", "--seeds K takes the first K seeds");
  const patternFile = flags.get("pattern-file");
  return {
    mode: flags.has("full") ? "full" : "quick",
    patterns: list(flags, "pattern"),
    configurations: list(flags, "configuration"),
    sparsity: numbers(flags, "sparsity"),
    seeds: firstSeeds(flags) ?? numbers(flags, "seed", true),
    layers: list(flags, "layers")?.map((item) =>
      integerFlag("layers", item, 1, MAX_MODEL_LAYERS, "the most blocks a model may stack")
    ),
    ...(typeof patternFile === "string" ? { patternFile } : {}),
  };
}
