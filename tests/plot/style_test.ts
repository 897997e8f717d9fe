/** One look per family across the lab, typeset titles, and small multiples laid out apart. */
import assert from "node:assert/strict";
import { FAMILY_COLOURS, MAP_COLOURS, registeredColour, shade } from "../../lib/plot/style.ts";
import { ZOO } from "../../lib/pattern/zoo.ts";
import { typeset } from "../../lib/plot/text.ts";
import { linePlot, seriesLooks } from "../../lib/plot/line.ts";
import { panelColumns, panelPlot } from "../../lib/plot/panels.ts";
import { panelOf } from "../../lib/experiments/figures.ts";

Deno.test("every zoo family has a registered colour; names find their family's", () => {
  const families = Object.keys(ZOO).filter((name) => !["sequential", "union"].includes(name));
  for (const family of families) assert.ok(FAMILY_COLOURS[family], `${family} has a colour`);
  assert.equal(registeredColour("window-relay (w=3)"), FAMILY_COLOURS["window-relay"]);
  assert.equal(registeredColour("window(w=8)"), FAMILY_COLOURS.window);
  assert.equal(registeredColour("sparse · union strided(c=16)"), FAMILY_COLOURS.strided);
  assert.equal(registeredColour("dense · bigbird(w=3, g=2, r=3, seed=0)"), FAMILY_COLOURS.bigbird);
  assert.equal(registeredColour("sparsemax"), MAP_COLOURS.sparsemax);
  assert.equal(registeredColour("O(n) guide"), undefined);
  assert.equal(registeredColour("windowed"), undefined, "a family's name must end at a boundary");
  // the families a figure sets side by side differ
  const shown = ["dense", "strided", "fixed", "star", "window-relay", "window", "random"];
  assert.equal(new Set(shown.map((f) => FAMILY_COLOURS[f])).size, shown.length);
});

Deno.test("shade: the middle is the colour, the others distinct, darker before and lighter after", () => {
  assert.equal(shade("#1f77b4", 0, 1), "#1f77b4");
  const shades = [0, 1, 2, 3, 4].map((i) => shade("#1f77b4", i, 5));
  assert.equal(shades[2], "#1f77b4");
  assert.equal(new Set(shades).size, 5);
  const brightness = (c: string) => parseInt(c.slice(1, 3), 16) + parseInt(c.slice(3, 5), 16);
  assert.ok(brightness(shades[0]) < brightness(shades[2]));
  assert.ok(brightness(shades[4]) > brightness(shades[2]));
});

Deno.test("typeset: TeX-style indices become sub/sup markup, plain text stays", () => {
  assert.equal(typeset("Mean |S_k^t|"), "Mean |S<sub>k</sub><sup>t</sup>|");
  assert.equal(typeset("X_{A_k}"), "X<sub>A<sub>k</sub></sub>");
  assert.equal(typeset("O(n^1.5) guide"), "O(n<sup>1.5</sup>) guide");
  assert.equal(typeset("ρ[t·v]_j* and d_p(f, f̄)"), "ρ[t·v]<sub>j*</sub> and d<sub>p</sub>(f, f̄)");
  assert.equal(typeset("fixed-causal(c=8) _alone"), "fixed-causal(c=8) _alone");
  const figure = linePlot([{ name: "|A_k|", x: [1], y: [1] }], {
    title: "Σ_k |A_k|",
    xTitle: "n",
    yTitle: "S_k^t",
  });
  assert.equal(figure.data[0].name, "|A<sub>k</sub>|");
  const layout = figure.layout as Record<string, { text?: string; title?: { text: string } }>;
  assert.equal(layout.title.text, "Σ<sub>k</sub> |A<sub>k</sub>|");
  assert.equal(layout.yaxis.title?.text, "S<sub>k</sub><sup>t</sup>");
});

Deno.test("seriesLooks: companions take their curve's colour; hidden curves get a dash and a marker", () => {
  const looks = seriesLooks([
    { name: "softmax", x: [1, 2, 3], y: [1, 2, 3] },
    { name: "sparsemax", x: [1, 2, 3], y: [1, 2, 3.001] },
    { name: "softmax threshold", x: [2, 2], y: [0, 3], dash: "dot", companionOf: "softmax" },
    { name: "strided", x: [1, 2], y: [5, 9] },
    { name: "strided-causal", x: [1, 2], y: [0, 1] },
  ]);
  assert.equal(looks[0].color, MAP_COLOURS.softmax);
  assert.equal(looks[1].color, MAP_COLOURS.sparsemax);
  // sparsemax lies on softmax: drawn dashed with markers so both show
  assert.deepEqual([looks[1].dash, looks[1].symbol], ["dash", "circle"]);
  assert.deepEqual(looks[2], { color: MAP_COLOURS.softmax, dash: "dot", symbol: undefined });
  // same family colour, not the same look
  assert.equal(looks[3].color, looks[4].color);
  assert.notDeepEqual(looks[3], looks[4]);
  assert.throws(
    () => seriesLooks([{ name: "a", x: [1], y: [1], companionOf: "b" }]),
    /series\[0\]\.companionOf = "b"/,
  );
});

Deno.test("linePlot: exact zeros on a log axis sit on a strip marked 0, not at a stand-in value", () => {
  const figure = linePlot([
    { name: "softmax", x: [1, 2, 4], y: [1, 1e-3, 1e-9] },
    { name: "sparsemax", x: [1, 2, 4], y: [0.5, 0, 0] },
  ], { title: "deviation", xTitle: "t", yTitle: "max |Δ|", logY: true, markers: true });
  assert.deepEqual(figure.data[1].y, [0.5, null, null]);
  const strip = figure.data[2];
  assert.deepEqual([strip.x, strip.y, strip.yaxis, strip.showlegend], [
    [2, 4],
    [0, 0],
    "y2",
    false,
  ]);
  const layout = figure.layout as Record<string, Record<string, unknown>>;
  assert.deepEqual(layout.yaxis2.ticktext, ["0"]);
  assert.equal(layout.xaxis.anchor, "y2", "the x axis under the strip");
});

Deno.test("panelPlot: panels side by side, own y axes, legends under their panels", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(panelColumns), [1, 2, 3, 2, 3, 3, 3]);
  const figure = panelPlot([
    { title: "A", series: [{ name: "a", x: [0.6], y: [5.2] }] },
    { title: "B", series: [{ name: "b", x: [0.6, 0.9], y: [8.6, 10.5] }] },
  ], {
    title: "two",
    xTitle: "sparsity",
    yTitle: "perplexity",
    shared: [{ name: "dense", x: [0.5, 1], y: [5.2, 5.2], family: "dense" }],
  });
  const layout = figure.layout as Record<string, Record<string, unknown>>;
  const [x1, x2] = [layout.xaxis.domain, layout.xaxis2.domain] as number[][];
  assert.ok(x1[1] < x2[0], "the panels do not overlap");
  assert.ok((x1[1] - x1[0]) + (x2[1] - x2[0]) >= 0.5, "plots cover half the width");
  assert.equal(layout.yaxis2.anchor, "x2");
  assert.equal(layout.yaxis2.range, undefined, "each panel fits its own y range");
  // legend2 and legend3 sit under their panels' axes, the shared legend above the panels
  const [y1] = layout.yaxis.domain as number[];
  assert.ok((layout.legend2.y as number) < y1);
  assert.equal(layout.legend2.yanchor, "top");
  assert.equal(layout.legend.y, 1);
  assert.deepEqual(figure.data.map((t) => [t.name, t.legend, t.showlegend]), [
    ["dense", "legend", true],
    ["a", "legend2", true],
    ["dense", "legend", false],
    ["b", "legend3", true],
  ]);
  assert.throws(() => panelPlot([], { title: "", xTitle: "", yTitle: "" }), /panels/);
});

Deno.test("panelOf: the paper's panels by family and configuration", () => {
  const of = (pattern: string, configuration = "single") => panelOf({ pattern, configuration });
  assert.equal(of("strided", "sequential"), "STRIDED");
  assert.equal(of("strided", "union"), "UNION");
  assert.equal(of("fixed", "multihead"), "MULTIHEAD");
  assert.equal(of("window-relay"), "STAR");
  assert.equal(of("star"), "STAR");
  assert.equal(of("random"), "RANDOM");
});
