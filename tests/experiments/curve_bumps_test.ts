/**
 * The bumps of the committed language-modelling curves, each beside its neighbours with the
 * widest recent window of the schedule trained there, cross-checked against the schedules
 * resolved afresh from the result files' own parameters.
 */
import assert from "node:assert/strict";
import { committedSeries, curveBumpRows } from "../../lib/experiments/report.ts";
import { committedStatus } from "../../lib/experiments/sweeps.ts";
import { curveBumps } from "../../lib/train/matched_findings.ts";
import { choiceLabel, requireChoice, resolvePattern } from "../../lib/train/sweep_grid.ts";
import { shownParameters } from "../../lib/train/summary.ts";
import { widestRecentWindow } from "../../lib/pattern/recent_window.ts";

Deno.test("each bump of the committed curves shows the recent windows of the schedules trained", () => {
  const status = committedStatus("language-modeling");
  const series = committedSeries("language-modeling", status);
  const report = curveBumpRows("language-modeling", series);
  const bumps = curveBumps(series, false);
  // the committed sweep is complete and bends in at least one family: the check is not vacuous
  assert.ok(status.complete && bumps.length >= 1);
  assert.deepEqual(
    report.bumps.map((b) => `${b.family} ${b.parameters}`),
    bumps.map((b) => `${b.family} ${b.point.parameters}`),
  );
  assert.equal(report.rows.length, 3 * bumps.length);
  // the window from a result file of the same family and parameters, resolved independently
  const windowOf = (family: string, parameters: string) => {
    const result = status.results.find((r) =>
      choiceLabel(r) === family && shownParameters(r.pattern, r.patternParameters) === parameters
    )!;
    const choice = requireChoice(result.pattern, result.configuration);
    const resolved = resolvePattern(choice, result.n, undefined, 0, result.patternParameters);
    return widestRecentWindow(resolved.schedule);
  };
  bumps.forEach((bump, i) => {
    assert.equal(report.bumps[i].window, windowOf(bump.family, bump.point.parameters));
    assert.equal(report.bumps[i].belowWindow, windowOf(bump.family, bump.below.parameters));
    assert.equal(report.bumps[i].aboveWindow, windowOf(bump.family, bump.above.parameters));
  });
});
