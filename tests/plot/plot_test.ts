import assert from "node:assert/strict";
import { type Displayable, Figure, show } from "../../lib/plot/figure.ts";
import { linePlot } from "../../lib/plot/line.ts";
import { maskHeatmap, MAX_CELLS } from "../../lib/plot/heatmap.ts";
import { PLOTLY_MIME } from "../../lib/plot/plotly_types.ts";
import { PLOTLY_DELIVERY_VARIABLE } from "../../lib/plot/plotly_page.ts";
import { table } from "../../lib/plot/table.ts";
import { InputError } from "../../lib/util/errors.ts";
import { FAMILY_COLOURS, OTHER_COLOURS } from "../../lib/plot/style.ts";

type Bundle = Record<string, unknown>;
/** The bundle exactly as the Deno kernel asks for it. */
const bundleOf = (figure: Displayable) =>
  (figure as unknown as Record<symbol, () => Bundle>)[Symbol.for("Jupyter.display")]();
const PLOTLY_BANNER = "plotly.js v4.1.2";

/** Row-major band mask |k - j| <= width. */
function band(n: number, width: number): number[] {
  return Array.from(
    { length: n * n },
    (_, i) => Math.abs(Math.floor(i / n) - (i % n)) <= width ? 1 : 0,
  );
}

function withDelivery<T>(mode: string | undefined, body: () => T): T {
  const previous = Deno.env.get(PLOTLY_DELIVERY_VARIABLE);
  if (mode === undefined) Deno.env.delete(PLOTLY_DELIVERY_VARIABLE);
  else Deno.env.set(PLOTLY_DELIVERY_VARIABLE, mode);
  try {
    return body();
  } finally {
    if (previous === undefined) Deno.env.delete(PLOTLY_DELIVERY_VARIABLE);
    else Deno.env.set(PLOTLY_DELIVERY_VARIABLE, previous);
  }
}

// First in this module on purpose: "inline-once" is per process (per kernel session).
Deno.test("html: plotly.js inlined by the first figure of a session only, never from a CDN", () => {
  const [first, second] = withDelivery(undefined, () => {
    const figure = maskHeatmap([{ title: "band", n: 4, mask: band(4, 1) }]);
    return [bundleOf(figure)["text/html"], bundleOf(figure)["text/html"]] as string[];
  });
  assert.ok(first.includes(PLOTLY_BANNER));
  assert.ok(!second.includes(PLOTLY_BANNER));
  assert.ok(second.includes("window.Plotly.newPlot"));
  assert.doesNotMatch(first + second, /<script[^>]+src=/);
});

Deno.test("html: LAB_PLOTLY_JS picks who carries plotly.js and rejects unknown modes", () => {
  const figure = linePlot([{ name: "a", x: [1], y: [1] }], {
    title: "t",
    xTitle: "x",
    yTitle: "y",
  });
  const html = (mode: string) => withDelivery(mode, () => bundleOf(figure)["text/html"] as string);
  assert.ok(html("inline-each").includes(PLOTLY_BANNER));
  assert.ok(!html("page").includes(PLOTLY_BANNER));
  // responsive: the figure follows its output area's width
  assert.match(html("page"), /newPlot\(div, figure\.data, figure\.layout, \{[^}]*responsive: true/);
  assert.throws(() => html("cdn"), (error: Error) => error.message.includes("LAB_PLOTLY_JS"));
});

Deno.test("maskHeatmap: one panel, query rows top to bottom, values and bundle", () => {
  const n = 5;
  const mask = band(n, 1);
  const figure = withDelivery("page", () => maskHeatmap([{ title: "band w=1", n, mask }]));
  assert.ok(figure instanceof Figure);
  assert.equal(figure.title, "band w=1");
  const [heatmap] = figure.data;
  assert.equal(heatmap.type, "heatmap");
  assert.deepEqual(heatmap.z, [
    [1, 1, 0, 0, 0],
    [1, 1, 1, 0, 0],
    [0, 1, 1, 1, 0],
    [0, 0, 1, 1, 1],
    [0, 0, 0, 1, 1],
  ]);
  assert.deepEqual(heatmap.x, [0, 1, 2, 3, 4]);
  const layout = figure.layout as Record<string, Record<string, unknown>>;
  assert.deepEqual(layout.yaxis.range, [4.5, -0.5], "k = 0 at the top");
  assert.deepEqual(layout.xaxis.range, [-0.5, 4.5]);
  assert.deepEqual(layout.yaxis.title, { text: "query token k" });
  assert.deepEqual(layout.xaxis.title, { text: "key token j" });

  const bundle = withDelivery("page", () => bundleOf(figure));
  assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
  assert.deepEqual(bundle[PLOTLY_MIME], { data: figure.data, layout: figure.layout });
  assert.match(bundle["text/plain"] as string, /band w=1: n = 5, 13 of 25 pairs nonzero \(52%\)/);
  assert.deepEqual(JSON.parse(JSON.stringify(figure)), figure.toJSON());
});

Deno.test("maskHeatmap: path γ drawn through cells (column γ(i), row γ(i+1))", () => {
  const path = [0, 2, 1, 3];
  const figure = maskHeatmap([
    { title: "a", n: 4, mask: band(4, 3) },
    { title: "b", n: 4, mask: band(4, 3), path },
  ]);
  const overlay = figure.data.find((trace) => trace.type === "scatter")!;
  assert.deepEqual(overlay.x, [0, 2, 1]);
  assert.deepEqual(overlay.y, [2, 1, 3]);
  assert.equal(overlay.xaxis, "x2", "overlay sits on the second panel");
  assert.equal(overlay.yaxis, "y2");
  assert.equal(figure.data.filter((trace) => trace.type === "scatter").length, 1);
});

Deno.test("maskHeatmap: panels laid out in a grid with separate axes and titles", () => {
  const panels = [1, 2, 3, 4].map((w) => ({ title: `w=${w}`, n: 6, mask: band(6, w) }));
  const figure = maskHeatmap(panels, { columns: 2, title: "bands", colorTitle: "allowed?" });
  const layout = figure.layout as Record<string, Record<string, unknown>>;
  const domain = (key: string) => layout[key].domain as number[];
  assert.ok(domain("xaxis")[1] < domain("xaxis2")[0], "columns side by side");
  assert.deepEqual(domain("xaxis3"), domain("xaxis"), "third panel starts the second row");
  assert.ok(domain("yaxis3")[1] < domain("yaxis")[0], "second row below the first");
  assert.deepEqual(figure.data.map((trace) => trace.xaxis), ["x", "x2", "x3", "x4"]);
  const annotations = figure.layout.annotations as { text: string }[];
  assert.deepEqual(annotations.map((a) => a.text), ["w=1", "w=2", "w=3", "w=4"]);
  assert.equal(figure.title, "bands");
  assert.deepEqual(
    (layout.coloraxis.colorbar as Record<string, unknown>).title,
    { text: "allowed?" },
  );
});

Deno.test("maskHeatmap: large n is averaged over blocks and the title says so", () => {
  const n = 600; // blocks of 3 tokens: 200 x 200 cells
  const identity = Array.from({ length: n * n }, (_, i) => Math.floor(i / n) === i % n ? 1 : 0);
  const figure = maskHeatmap([{ title: "identity", n, mask: identity }]);
  const z = figure.data[0].z as number[][];
  assert.equal(z.length, 200);
  assert.ok(z.length <= MAX_CELLS);
  assert.equal(z[0][0], 3 / 9, "3 allowed pairs in a 3x3 diagonal block");
  assert.equal(z[0][1], 0);
  const edges = figure.data[0].x as number[];
  assert.equal(edges.length, 201);
  assert.deepEqual([edges[0], edges[1], edges[200]], [-0.5, 2.5, 599.5]);
  assert.match(figure.title, /downsampled.*3×3 block/);
  assert.match(figure.summary, /shown as 200×200 blocks/);

  // n = 257: blocks of 2, the last block holds a single token.
  const ones = new Float64Array(257 * 257).fill(1);
  const uneven = maskHeatmap([{ title: "ones", n: 257, mask: ones }]);
  const unevenZ = uneven.data[0].z as number[][];
  assert.equal(unevenZ.length, 129);
  assert.equal(unevenZ[128][128], 1, "partial blocks are averaged over their own size");
});

Deno.test("maskHeatmap: bad input names the parameter", () => {
  const invalid = (panel: unknown, pattern: RegExp) =>
    assert.throws(
      () => maskHeatmap([panel as never]),
      (error: Error) => error instanceof InputError && pattern.test(error.message),
    );
  invalid({ title: "t", n: 3, mask: [1, 0] }, /panels\[0\]\.mask\.length = 2/);
  invalid({ title: "t", n: 2, mask: [1, 0, 0, NaN] }, /panels\[0\]\.mask\[3\]/);
  invalid({ title: "t", n: 2, mask: [1, 0, 0, 1], path: [0, 2] }, /panels\[0\]\.path\[1\] = 2/);
  invalid({ title: "t", n: 0, mask: [] }, /panels\[0\]\.n = 0/);
  assert.throws(() => maskHeatmap([]), /panels/);
});

Deno.test("linePlot: traces, dashes, error bars and log axes", () => {
  const figure = linePlot([
    { name: "dense", x: [16, 32, 64], y: [256, 1024, 4096] },
    { name: "sparse", x: [16, 32, 64], y: [64, 128, 256], dash: "dash", errorY: [1, 2, 3] },
  ], {
    title: "pairs",
    xTitle: "n (tokens)",
    yTitle: "pairs",
    logX: true,
    logY: true,
    markers: true,
  });
  assert.equal(figure.data.length, 2);
  assert.equal(figure.data[0].mode, "lines+markers");
  // dense in its family's colour, the unregistered "sparse" in the first colour of the rest
  assert.deepEqual(figure.data[0].line, { dash: "solid", color: FAMILY_COLOURS.dense, width: 2 });
  assert.deepEqual(figure.data[1].line, { dash: "dash", color: OTHER_COLOURS[0], width: 2 });
  assert.deepEqual(figure.data[1].error_y, {
    type: "data",
    array: [1, 2, 3],
    visible: true,
    color: OTHER_COLOURS[0],
  });
  assert.equal(figure.data[0].error_y, undefined);
  const layout = figure.layout as Record<string, Record<string, unknown>>;
  assert.equal(layout.xaxis.type, "log");
  assert.equal(layout.yaxis.type, "log");
  assert.deepEqual(layout.xaxis.title, { text: "n (tokens)" });
  assert.equal(layout.xaxis.exponentformat, "power", "ticks in powers of ten, never SI prefixes");
  assert.match(figure.summary, /sparse: 3 points, y from 64 to 256/);
  assert.throws(
    () => linePlot([{ name: "a", x: [1, 2], y: [1] }], { title: "", xTitle: "", yTitle: "" }),
    /series\[0\]\.y\.length = 1/,
  );
});

Deno.test("table: columns from keys, escaped html, aligned plain text, no plotly bundle", () => {
  const result = table([
    { pattern: "<strided>", n: 64, density: 0.123456, ok: true },
    { pattern: "star", n: 128, extra: null },
  ], { title: "patterns" });
  assert.deepEqual(result.columns, ["pattern", "n", "density", "ok", "extra"]);
  const bundle = bundleOf(result);
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
  const html = bundle["text/html"] as string;
  assert.ok(html.includes("<caption>patterns</caption>"));
  assert.ok(html.includes("&lt;strided&gt;"));
  assert.ok(html.includes('<td style="text-align:right">0.1235</td>'));
  assert.equal(
    bundle["text/plain"],
    [
      "patterns",
      "pattern    n    density  ok    extra",
      "---------  ---  -------  ----  -----",
      "<strided>  64   0.1235   true",
      "star       128",
    ].join("\n"),
  );
  assert.equal(result.data[0].type, "table");
  assert.throws(() => table([{ bad: [1] as never }]), /rows\[0\]\.bad/);
});

Deno.test("show: outside Jupyter prints each summary", async () => {
  const printed: string[] = [];
  const log = console.log;
  console.log = (line: string) => printed.push(line);
  try {
    await show(table([{ a: 1 }], { title: "first" }), table([{ b: 2 }], { title: "second" }));
  } finally {
    console.log = log;
  }
  assert.equal(printed.length, 2);
  assert.match(printed[0], /^first\n/);
  assert.match(printed[1], /^second\n/);
});
