/** The experiment figure: a lib/plot Figure from summarized series, or a displayable note. */
import assert from "node:assert/strict";
import { experimentFigure } from "../../lib/experiments/figures.ts";
import type { SummarySeries } from "../../lib/train/summary.ts";
import { Figure } from "../../lib/plot/figure.ts";
import { FigureNote } from "../../lib/plot/figure_note.ts";

function series(label: string, pattern: string, sparsity: number, xs: number[]): SummarySeries {
  return {
    label,
    pattern,
    configuration: "single",
    sparsity,
    points: xs.map((x, i) => ({
      x,
      target: null,
      mean: 0.5 + i / 10,
      std: 0.01,
      values: [0.49 + i / 10, 0.5 + i / 10, 0.51 + i / 10],
    })),
  };
}

Deno.test("no results: a Figure whose display is the message, naming the command to run", () => {
  const note = experimentFigure("copying", []);
  assert.ok(note instanceof Figure && note instanceof FigureNote);
  assert.equal(note.data.length, 0);
  const bundle = note.mimeBundle();
  assert.equal(bundle["text/plain"], note.summary);
  assert.match(String(bundle["text/plain"]), /deno task experiment copying --full/);
  assert.equal(bundle["application/vnd.plotly.v1+json"], undefined);
  const hook = (note as unknown as Record<symbol, () => Record<string, unknown>>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.deepEqual(hook, bundle);
});

Deno.test("against layers: one trace per series, sparsity in the legend, extra series after", () => {
  const figure = experimentFigure("copying", [
    series("star (w=4)", "star", 0.703125, [1, 2]),
    series("strided sequential (c=8)", "strided", 0.6875, [1, 2]),
  ], {
    sparsityInLegend: true,
    legendTitle: "pattern",
    title: "Copying",
    extraSeries: [{ name: "ceiling", x: [1, 2], y: [1, 1], dash: "dash" }],
  });
  assert.ok(!(figure instanceof FigureNote));
  assert.deepEqual(figure.data.map((t) => t.name), [
    "star (w=4) (70.3% sparse)",
    "strided sequential (c=8) (68.8% sparse)",
    "ceiling",
  ]);
  assert.deepEqual(figure.data[0].y, [0.5, 0.6]);
  assert.deepEqual((figure.data[0].error_y as { array: number[] }).array, [0.01, 0.01]);
  assert.equal(figure.title, "Copying");
  const layout = figure.layout as Record<string, { title?: { text: string } }>;
  assert.equal(layout.legend.title?.text, "pattern");
  assert.equal(layout.xaxis.title?.text, "attention layers L");
});

Deno.test("against sparsity: the dense point becomes a dotted reference across the range", () => {
  const figure = experimentFigure("language-modeling", [
    series("dense", "dense", 0, [0]),
    series("random", "random", 0.65, [0.5, 0.8]),
  ]);
  assert.deepEqual(figure.data.map((t) => t.name), ["dense (reference)", "random"]);
  // x range: from min(0.5, 0.5) − 0.02 to max(0.8, 0.5) + 0.02
  assert.deepEqual(figure.data[0].x, [0.48, 0.8200000000000001]);
  assert.equal((figure.data[0].line as { dash: string }).dash, "dot");
  const layout = figure.layout as Record<string, { title?: { text: string } }>;
  assert.equal(layout.legend.title, undefined);
  assert.match(figure.title, /vs sparsity$/);
});
