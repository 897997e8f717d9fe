/**
 * deno run -A tools/check_figures.ts [DIR]
 *
 * Checks every SVG figure under DIR (default out/figures, what `deno task reproduce` writes)
 * the way a reader sees it (lib/plot/figure_check.ts): plot areas at least half the canvas
 * wide, the title and every legend entry inside the canvas, no legend over a plot, every series
 * named in a legend, no two series in a panel alike. Prints one line per figure and its
 * problems; exit 1 when any figure has one, 2 when DIR holds no SVG.
 */
import { relative } from "node:path";
import { checkFigureFiles, svgFilesUnder } from "../lib/plot/figure_check.ts";
import { InputError } from "../lib/util/errors.ts";
import { EXIT_BAD_INPUT, parseFlags, rejectUnknownFlags, runTool } from "./cli/flags.ts";

/** Each figure under `dir` checked: one passed or failed test per SVG, problems logged. */
export async function checkFigureFolder(
  dir: string,
  log: (line: string) => void = console.log,
): Promise<{ passed: number; failed: number }> {
  let paths: string[];
  try {
    paths = svgFilesUnder(dir);
  } catch (error) {
    throw new InputError("DIR", dir, `cannot read it (${(error as Error).message})`);
  }
  if (paths.length === 0) throw new InputError("DIR", dir, "holds no .svg figure");
  const total = { passed: 0, failed: 0 };
  for (const { path, problems } of await checkFigureFiles(paths)) {
    const name = relative(dir, path);
    if (problems.length === 0) {
      total.passed++;
      log(`figure ${name}: ok`);
    } else {
      total.failed++;
      log(`figure ${name}: FAILED\n${problems.map((p) => `  ${p}`).join("\n")}`);
    }
  }
  return total;
}

if (import.meta.main) {
  await runTool("check_figures", async () => {
    const parsed = parseFlags(Deno.args);
    rejectUnknownFlags(parsed, []);
    if (parsed.positional.length > 1) {
      throw new InputError("DIR", parsed.positional.join(" "), "expected one folder");
    }
    const dir = parsed.positional[0] ?? "out/figures";
    try {
      const { passed, failed } = await checkFigureFolder(dir);
      console.log(`figures: ${passed} passed, ${failed} failed`);
      return failed > 0 ? 1 : 0;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      console.error(`check_figures: ${error.message}`);
      return EXIT_BAD_INPUT;
    }
  });
}
