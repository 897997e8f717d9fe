/**
 * deno task test [--filter TEXT] [--only NOTEBOOK]
 *
 * fmt, lint, type check, unit tests, then every notebook in quick mode
 * (lib/notebook/suite.ts). The last line is always "tests: N passed, N failed".
 */
import { parseFlags, rejectPositionals, rejectUnknownFlags, runTool } from "../lib/cli/flags.ts";
import { runSuite } from "../lib/notebook/suite.ts";

await runTool("test", async () => {
  const parsed = parseFlags(Deno.args);
  rejectUnknownFlags(parsed, ["filter", "only"]);
  rejectPositionals(parsed, "flags: --filter, --only");
  const value = (name: string) => parsed.flags.get(name) as string | undefined;
  const started = performance.now();
  const result = await runSuite({ filter: value("filter"), only: value("only") }).catch(
    (error: Error) => {
      // A bug in the suite itself still ends with the summary line CI looks for.
      console.error(error.stack ?? error.message);
      return { passed: 0, failed: 1 };
    },
  );
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
  console.log(`tests: ${result.passed} passed, ${result.failed} failed`);
  return result.failed > 0 ? 1 : 0;
});
