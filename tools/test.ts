/**
 * deno task test [--filter TEXT] [--only NOTEBOOK]
 *
 * fmt, lint, type check, unit tests, then every notebook in quick mode
 * (tools/runner/suite.ts). The last line is always "tests: N passed, N failed".
 */
import { parseFlags, rejectPositionals, rejectUnknownFlags, runTool } from "./cli/flags.ts";
import { listNotebooks, selectNotebooks } from "./runner/notebook.ts";
import { runSuite } from "./runner/suite.ts";

const NOTEBOOKS_DIR = "notebooks";

await runTool("test", async () => {
  const parsed = parseFlags(Deno.args);
  rejectUnknownFlags(parsed, ["filter", "only"]);
  rejectPositionals(parsed, "flags: --filter, --only");
  const value = (name: string) => parsed.flags.get(name) as string | undefined;
  // A notebook that does not exist is refused before the suite starts (one line, exit 2).
  const only = value("only");
  if (only !== undefined) selectNotebooks(await listNotebooks(NOTEBOOKS_DIR), only);
  const started = performance.now();
  const options = { filter: value("filter"), only, notebooksDir: NOTEBOOKS_DIR };
  const result = await runSuite(options).catch((error: Error) => {
    // A bug in the suite itself still ends with the summary line CI looks for.
    console.error(error.stack ?? error.message);
    return { passed: 0, failed: 1 };
  });
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  console.log(`tests: ${result.passed} passed, ${result.failed} failed`);
  return result.failed > 0 ? 1 : 0;
});
