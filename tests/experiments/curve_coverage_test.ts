/** The curve check the sparsity notebooks make: every family the plan curves, at enough points. */
import assert from "node:assert/strict";
import { committedSeries, curveCoverage } from "../../lib/experiments/report.ts";
import { committedStatus, planSweep } from "../../lib/experiments/sweeps.ts";
import { ClaimError } from "../../lib/util/claim.ts";
import { InputError } from "../../lib/util/errors.ts";
import { choiceLabel } from "../../lib/train/sweep_grid.ts";

Deno.test("the committed language-modelling sweep draws every curve family at 5 or more points", () => {
  const status = committedStatus("language-modeling");
  assert.ok(status.complete, "the language-modelling sweep is committed");
  const { rows } = curveCoverage(
    "language-modeling",
    committedSeries("language-modeling", status),
    status,
  );
  // the families are those the plan trains at target levels, counted from the plan directly
  const planned = new Set(
    planSweep("language-modeling", { mode: "full" }).runs
      .filter((run) => run.sparsityTarget !== null)
      .map((run) => choiceLabel(run.pattern)),
  );
  assert.deepEqual(new Set(rows.map((row) => row.family)), planned);
  assert.ok(planned.has("random") && !planned.has("dense"));
  for (const row of rows) {
    assert.ok(
      Number(row["achieved sparsities"]) >= 5,
      `${row.family}: ${row["achieved sparsities"]}`,
    );
    assert.ok(
      Number(row.from) >= 0.45 && Number(row.to) <= 0.98 && Number(row.from) < Number(row.to),
      String(row.family),
    );
  }
});

Deno.test("a complete sweep whose curve is short fails the claim; an incomplete one does not", () => {
  const status = committedStatus("language-modeling");
  const series = committedSeries("language-modeling", status);
  const cut = series.map((s) => s.label === "random" ? { ...s, points: s.points.slice(0, 4) } : s);
  assert.throws(
    () => curveCoverage("language-modeling", cut, status),
    (error: Error) => error instanceof ClaimError && /random: 4/.test(error.message),
  );
  const missing = series.filter((s) => s.label !== "random");
  assert.throws(() => curveCoverage("language-modeling", missing, status), /random: 0/);
  const filling = curveCoverage("language-modeling", cut, { ...status, complete: false });
  assert.equal(filling.rows.find((row) => row.family === "random")?.["achieved sparsities"], 4);
});

Deno.test("an experiment judged against depth has no curves to check", () => {
  const status = committedStatus("copying");
  assert.throws(() => curveCoverage("copying", [], status), InputError);
});
