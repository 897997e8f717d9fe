/**
 * Bring your own pattern: prints the Assumption-1 report, connections and sparsity of a named
 * pattern or of a pattern file.
 *
 *   deno task pattern --name strided --c 8 --n 64
 *   deno task pattern --file my-pattern.json --json
 *   deno task pattern --list
 */
import { parseFlags, rejectPositionals, runTool } from "../lib/cli/flags.ts";
import { scheduleFromFlags } from "../lib/cli/pattern_flags.ts";
import { analyzeAssumption1, assumption1Json, verdictBundle, ZOO } from "../lib/pattern/mod.ts";

const USAGE = `usage: deno task pattern (--name NAME [--n N] [pattern flags] | --file FILE) [--json]
       deno task pattern --list`;

async function main(): Promise<number> {
  const parsed = parseFlags(Deno.args, ["json", "list", "help"]);
  const { flags } = parsed;
  if (flags.has("help")) {
    console.log(USAGE);
    return 0;
  }
  if (flags.has("list")) {
    for (const entry of Object.values(ZOO)) {
      const params = entry.params.map((p) => `--${p.name}`).join(" ");
      console.log(`${entry.name.padEnd(15)} ${params.padEnd(36)} ${entry.description}`);
    }
    return 0;
  }
  rejectPositionals(parsed);
  const schedule = await scheduleFromFlags(parsed, { nameFlag: "name", toolFlags: ["json"] });

  const verdict = analyzeAssumption1(schedule);
  if (flags.has("json")) {
    console.log(JSON.stringify(assumption1Json(verdict)));
  } else {
    console.log(verdictBundle([verdict])["text/plain"]);
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
