/**
 * Window-relay at w = 1 is the Star-Transformer's own pattern, so "STAR struggles" never counts it
 * as another family beside STAR; a causal STAR (relay at token 0) is a different pattern.
 */
import assert from "node:assert/strict";
import { starStruggles, withoutStarItself } from "../../lib/experiments/paper_comparison.ts";
import { star, windowRelay } from "../../lib/pattern/mod.ts";
import { judgeFindings, type SummarySeries } from "../../lib/train/summary.ts";
import { curveSeries, summarySeries } from "../support/summary_series.ts";

const seeds = (mean: number) => [-0.02, -0.01, 0, 0.01, 0.02].map((d) => mean + d);

/** A window-relay curve whose points carry their w, as a summarized sweep shows them. */
function relayCurve(points: { w: number; x: number; values: number[] }[]): SummarySeries {
  const series = curveSeries("window-relay", "window-relay", points);
  series.points.forEach((point, i) => (point.parameters = `w=${points[i].w}`));
  return series;
}

Deno.test("window-relay at w = 1 has exactly STAR's connections, at every n", () => {
  for (const n of [16, 32, 128]) {
    const [starPattern] = star({ n }).patterns;
    const [relayPattern] = windowRelay({ n, w: 1 }).patterns;
    assert.deepEqual(relayPattern.toDenseMask(), starPattern.toDenseMask(), `n = ${n}`);
    const [wider] = windowRelay({ n, w: 2 }).patterns;
    assert.ok(wider.connections > starPattern.connections, `w = 2 is wider at n = ${n}`);
  }
});

Deno.test("STAR struggles: window-relay's w = 1 point is STAR itself, not a family beside it", () => {
  const starOwn = 1 - 634 / 128 ** 2;
  const starSeries = summarySeries("star", "star", seeds(0.6), starOwn);
  // window-relay at w = 1 holds STAR's very values; its wider points score higher
  const relay = relayCurve([
    { w: 17, x: 0.732, values: seeds(0.85) },
    { w: 9, x: 0.843, values: seeds(0.8) },
    { w: 1, x: starOwn, values: seeds(0.6) },
  ]);
  const kept = withoutStarItself([starSeries, relay]);
  assert.deepEqual(
    kept.find((s) => s.pattern === "window-relay")!.points.map((p) => p.x),
    [0.732, 0.843],
  );
  const finding = starStruggles([starSeries, relay], true);
  // window-relay enters only at its sparsest other point (0.843), denser than STAR: as the side
  // STAR would beat, never as a tie of STAR with its own runs at 0.961
  assert.deepEqual(
    finding.comparisons.map((c) => `${c.supports ? "for" : "against"}: ${c.label}`),
    [
      "against: sparsity 0.961: star better than window-relay at its sparsest (0.843)",
    ],
  );
  assert.equal(judgeFindings([finding])[0].verdict, "inconclusive");
  // a causal model's STAR is another pattern: window-relay keeps every point beside it
  const causal = summarySeries("causal-star", "causal-star", seeds(0.6), starOwn);
  const beside = withoutStarItself([causal, relay]);
  assert.equal(beside.find((s) => s.pattern === "window-relay")!.points.length, 3);
});
