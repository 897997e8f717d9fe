/**
 * Bring your own pattern: prints the Assumption-1 report, connections and sparsity of a named
 * pattern or of a pattern file.
 *
 *   deno task pattern --name strided --c 8 --n 64
 *   deno task pattern --file my-pattern.json --json
 *   deno task pattern --list
 */
import { parseFlags, rejectPositionals, rejectUnknownFlags, runTool } from "./cli/flags.ts";
import { scheduleFromFlags } from "./cli/pattern_flags.ts";
import { analyzeAssumption1, assumption1Json, ZOO } from "../lib/pattern/mod.ts";
import { verdictTable } from "../lib/plot/verdict_table.ts";
import { MAX_PATTERN_N } from "../lib/util/limits.ts";
import { printable, printableJson } from "../lib/util/text.ts";

const USAGE = `usage: deno task pattern (--name NAME --n N [pattern flags] | --file FILE) [--json]
       deno task pattern --list
n is at most ${MAX_PATTERN_N}; a pattern's connections and a pattern file's size are bounded too
(lib/util/limits.ts)`;

function main(): number {
  const parsed = parseFlags(Deno.args, ["json", "list", "help"]);
  const { flags } = parsed;
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (flags.has("list")) {
    rejectUnknownFlags(parsed, ["list"]);
    rejectPositionals(parsed);
    for (const entry of Object.values(ZOO)) {
      const params = entry.params.map((p) => `--${p.name}`).join(" ");
      console.log(`${entry.name.padEnd(15)} ${params.padEnd(36)} ${entry.description}`);
    }
    return 0;
  }
  rejectPositionals(parsed);
  const schedule = scheduleFromFlags(parsed, {
    nameFlag: "name",
    toolFlags: ["json"],
    maxN: MAX_PATTERN_N,
    maxNReason: "the reach-set analysis takes n² bits",
  });

  const verdict = analyzeAssumption1(schedule);
  if (flags.has("json")) {
    console.log(printableJson(assumption1Json(verdict)));
  } else {
    // A pattern file's name may hold control characters: escaped line by line, so the
    // table's own line breaks stay.
    const table = verdictTable([verdict]).summary;
    console.log(table.split("\n").map(printable).join("\n"));
    console.log(`sparsity: ${verdict.sparsity.map((s) => s.toFixed(4)).join(" / ")}`);
    if (verdict.hamiltonianPath.path) {
      const path = verdict.hamiltonianPath.path;
      const shown = path.length > 24 ? `${path.slice(0, 24).join(" ")} …` : path.join(" ");
      console.log(`Hamiltonian path (${verdict.hamiltonianPath.method}): ${shown}`);
    }
  }
  return 0;
}

if (import.meta.main) runTool("pattern", main);
