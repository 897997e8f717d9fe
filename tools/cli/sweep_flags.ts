/**
 * The flags that choose a sweep's plan, shared by `deno task experiment` and `deno task
 * cluster`: the mode (--quick, the default, or --full) and the selection (--pattern,
 * --configuration, --sparsity, --seed, --layers), every value checked.
 */
import { integerFlag, listFlag, numberFlag } from "./flags.ts";
import type { SweepOptions } from "../../lib/train/sweep.ts";
import { InputError } from "../../lib/util/errors.ts";
import { MAX_MODEL_LAYERS } from "../../lib/util/limits.ts";

/** The flags of a plan, as the tools' flag lists name them. */
export const PLAN_FLAGS = [
  "quick",
  "full",
  "pattern",
  "configuration",
  "sparsity",
  "seed",
  "layers",
];

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

/** The plan's mode and selection from the flags. */
export function planSelection(
  flags: Map<string, string | true>,
): Pick<SweepOptions, "mode" | "patterns" | "configurations" | "sparsity" | "seeds" | "layers"> {
  if (flags.has("quick") && flags.has("full")) {
    throw new InputError("--quick", true, "choose --quick or --full, not both");
  }
  return {
    mode: flags.has("full") ? "full" : "quick",
    patterns: list(flags, "pattern"),
    configurations: list(flags, "configuration"),
    sparsity: numbers(flags, "sparsity"),
    seeds: numbers(flags, "seed", true),
    layers: list(flags, "layers")?.map((item) =>
      integerFlag("layers", item, 1, MAX_MODEL_LAYERS, "the most blocks a model may stack")
    ),
  };
}
