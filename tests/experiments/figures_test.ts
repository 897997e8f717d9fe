/** The experiment figure: a lib/plot Figure from summarized series, or a displayable note. */
import assert from "node:assert/strict";
import { experimentFigure } from "../../lib/experiments/figures.ts";
import type { SummarySeries } from "../../lib/train/summary.ts";
import { Figure } from "../../lib/plot/figure.ts";
import { FigureNote } from "../../lib/plot/figure_note.ts";
import { summaryPoint } from "../support/summary_series.ts";

function series(label: string, pattern: string, sparsity: number, xs: number[]): SummarySeries {
  return {
    label,
    pattern,
    configuration: "single",
    sparsity,
    points: xs.map((x, i) => ({
      ...summaryPoint(x, null, [0.49 + i / 10, 0.5 + i / 10, 0.51 + i / 10]),
      std: 0.01,
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

Deno.test("against layers: one panel per family, dense in each, sparsity in the legend, companions in their curve's colour", () => {
  const figure = experimentFigure("copying", [
    series("dense", "dense", 0, [1, 2]),
    series("star", "star", 0.703125, [1, 2]),
    series("strided sequential (c=8)", "strided", 0.6875, [1, 2]),
  ], {
    sparsityInLegend: true,
    title: "Copying",
    companions: [{ of: "star", name: "reach ceiling", x: [1, 2], y: [1, 1], dash: "dash" }],
  });
  assert.ok(!(figure instanceof FigureNote));
  const names = figure.data.map((t) => `${t.xaxis}: ${t.name}`);
  assert.deepEqual(names, [
    "x: dense (reference)",
    "x: c = 8 · 68.8% sparse",
    "x2: dense (reference)",
    "x2: star · 70.3% sparse",
    "x2: reach ceiling: star",
  ]);
  const layout = figure.layout as Record<string, { text?: string; title?: { text: string } }[]>;
  assert.deepEqual(
    (layout.annotations as { text: string }[]).map((a) => a.text),
    ["<b>STRIDED</b>", "<b>STAR</b>"],
  );
  const colour = (i: number) => (figure.data[i].line as { color: string }).color;
  assert.equal(colour(3), "#2ca02c", "STAR in its family colour");
  assert.equal(colour(4), colour(3), "the ceiling in its curve's colour");
  assert.equal(colour(1), "#1f77b4", "STRIDED in its family colour");
  assert.equal(figure.data[0].showlegend, true);
  assert.equal(figure.data[2].showlegend, false, "dense is named once, in the shared legend");
  assert.deepEqual(figure.data[1].error_y, {
    type: "data",
    array: [0.01, 0.01],
    visible: true,
    color: "#1f77b4",
  });
  assert.equal(figure.title, "Copying");
  const axes = figure.layout as Record<string, { title?: { text: string } }>;
  assert.equal(axes.xaxis.title?.text, "attention layers L");
  assert.throws(
    () =>
      experimentFigure("copying", [series("star", "star", 0.7, [1])], {
        companions: [{ of: "nothing", name: "x", x: [1], y: [1] }],
      }),
    /companions\[0\]\.of = "nothing"/,
  );
});

Deno.test("against sparsity: the dense point becomes a dashed reference across the range, RANDOM a panel of its own", () => {
  const figure = experimentFigure("language-modeling", [
    series("dense", "dense", 0, [0]),
    series("random", "random", 0.65, [0.5, 0.8]),
  ]);
  assert.deepEqual(figure.data.map((t) => t.name), [
    "dense (reference, 0.5 ± 0.01)",
    "random",
  ]);
  // x range: 0.04 either side of the sparse points
  assert.deepEqual(figure.data[0].x, [0.46, 0.8400000000000001]);
  assert.equal((figure.data[0].line as { dash: string }).dash, "dash");
  assert.match(figure.title, /: test perplexity \(per character\) vs sparsity$/);
  assert.match(figure.summary, /^RANDOM:$/m);
});
