/** The committed-results line: what is in, and how many runs were still improving at the cap. */
import assert from "node:assert/strict";
import { committedReport } from "../../lib/experiments/report.ts";

Deno.test("the status line counts plateaued and capped runs, by series, from the files", () => {
  const status = committedReport("seq2seq");
  const capped = status.results.filter((r) => r.training?.plateaued === false);
  const random = capped.filter((r) => r.pattern === "random").length;
  assert.ok(capped.length > 0 && random > 0, "the seq2seq sweep has runs that reached the cap");
  assert.match(
    status.line,
    new RegExp(
      `^${status.results.length} of \\d+ full runs committed; ` +
        `${status.results.length - capped.length} stopped on a plateau, ` +
        `${capped.length} still improving at the cap \\(.*\\brandom ${random}\\b.*\\)$`,
    ),
  );
});

Deno.test("runs with no convergence rule add nothing about plateaus", () => {
  const status = committedReport("copying");
  const ruled = status.results.filter((r) => r.training !== undefined).length;
  assert.equal(/stopped on a plateau/.test(status.line), ruled > 0);
});
