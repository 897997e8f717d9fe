/**
 * The figure check measures what a reader sees: each rule is shown failing on a small SVG built
 * like Plotly's (the classes the check reads), and passing on figures the lab's builders draw.
 */
import assert from "node:assert/strict";
import {
  checkFigureFiles,
  figureProblems,
  type MeasuredFigure,
  measureFigureSvg,
} from "../../lib/plot/figure_check.ts";
import { findChromium, launchChromium, offlinePage } from "../../lib/plot/chromium.ts";
import { SvgRenderer } from "../../lib/plot/svg.ts";
import { linePlot } from "../../lib/plot/line.ts";
import { panelPlot } from "../../lib/plot/panels.ts";
import { experimentFigure } from "../../lib/experiments/figures.ts";
import type { SummarySeries } from "../../lib/train/summary.ts";
import { summaryPoint } from "../support/summary_series.ts";

interface TraceSpec {
  colour: string;
  dash?: string;
  marker?: "circle" | "square";
}
interface LegendSpec {
  x: number;
  y: number;
  width: number;
  height: number;
  scrolls?: boolean;
  entries: (TraceSpec & { text: string })[];
}
interface SvgSpec {
  width: number;
  height: number;
  title?: { x: number; y: number; text: string };
  plots: { x: number; y: number; width: number; height: number; traces: TraceSpec[] }[];
  legends: LegendSpec[];
}

const MARKERS = {
  circle: "M3,0A3,3 0 1,1 0,-3A3,3 0 0,1 3,0Z",
  square: "M3,3H-3V-3H3Z",
};

const lineStyle = (t: TraceSpec) =>
  `fill: none; stroke: ${t.colour}; stroke-width: 2px;` +
  (t.dash ? ` stroke-dasharray: ${t.dash};` : "");
const marker = (t: TraceSpec, cls: string) =>
  t.marker ? `<path class="${cls}" d="${MARKERS[t.marker]}" style="fill: ${t.colour};"/>` : "";

/** An SVG with Plotly's structure: clipped plot groups, legends of entries, a title. */
function svgOf(spec: SvgSpec): string {
  const clips = spec.plots.map((p, i) =>
    `<clipPath id="clip${i}plot"><rect width="${p.width}" height="${p.height}"/></clipPath>`
  ).join("");
  const plots = spec.plots.map((p, i) =>
    `<g class="overplot"><g class="x${i}y${i}" transform="translate(${p.x},${p.y})" ` +
    `clip-path="url(#clip${i}plot)"><g class="scatterlayer">` +
    p.traces.map((t) =>
      `<g class="trace scatter"><path class="js-line" d="M0,10L50,20" style="${lineStyle(t)}"/>` +
      `<g class="points">${marker(t, "point")}</g></g>`
    ).join("") + `</g></g></g>`
  ).join("");
  const legends = spec.legends.map((l, n) =>
    `<g class="${n === 0 ? "legend" : `legend${n + 1}`}" transform="translate(${l.x},${l.y})">` +
    `<rect class="bg" width="${l.width}" height="${l.height}" x="0" y="0"/>` +
    `<g class="scrollbox"><g class="groups">` +
    l.entries.map((e, i) =>
      `<g class="traces" transform="translate(0,${14.5 + 19 * i})">` +
      `<text class="legendtext" x="40" y="4" style="font-size: 12px;">${e.text}</text>` +
      `<g class="legendlines"><path class="js-line" d="M5,0h30" style="${lineStyle(e)}"/></g>` +
      `<g class="legendpoints">${marker(e, "scatterpts")}</g></g>`
    ).join("") +
    `</g></g><rect class="scrollbar" width="${l.scrolls ? 6 : 0}" height="${
      l.scrolls ? 40 : 0
    }"/></g>`
  ).join("");
  const title = spec.title
    ? `<g class="g-gtitle"><text class="gtitle" x="${spec.title.x}" y="${spec.title.y}" ` +
      `style="font-size: 17px;">${spec.title.text}</text></g>`
    : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${spec.width}" height="${spec.height}">` +
    `<defs>${clips}</defs>${plots}<g class="infolayer">${legends}${title}</g></svg>`;
}

const BLUE = "rgb(31, 119, 180)";
const ORANGE = "rgb(224, 123, 0)";

/** A figure that reads: one wide plot, its two series named in a legend beside it. */
function good(): SvgSpec {
  return {
    width: 720,
    height: 440,
    title: { x: 200, y: 30, text: "A figure that reads" },
    plots: [{
      x: 70,
      y: 60,
      width: 480,
      height: 300,
      traces: [{ colour: BLUE, marker: "circle" }, { colour: ORANGE, dash: "3px, 3px" }],
    }],
    legends: [{
      x: 570,
      y: 60,
      width: 140,
      height: 60,
      entries: [
        { text: "strided", colour: BLUE, marker: "circle" },
        { text: "fixed", colour: ORANGE, dash: "3px, 3px" },
      ],
    }],
  };
}

/** Each failing variant of the good figure, and the words its problem must contain. */
const FAILING: [string, (spec: SvgSpec) => void, RegExp][] = [
  ["a narrow plot area", (s) => (s.plots[0].width = 300), /plot area covers 300 of 720 px/],
  ["a title above the canvas", (s) => (s.title!.y = 2), /^title .* outside the canvas/],
  ["no title", (s) => (s.title = undefined), /^no title$/],
  [
    "a legend entry past the right edge",
    (s) => (s.legends[0].entries[1].text = "fixed, a legend entry far too long to fit"),
    /legend entry "fixed, a legend.*" .* outside the canvas/,
  ],
  [
    "a legend that scrolls",
    (s) => (s.legends[0].scrolls = true),
    /legend entry "strided" .* hidden: outside legend 1's visible box/,
  ],
  [
    "a legend over the plot",
    (s) => Object.assign(s.legends[0], { x: 300, y: 100 }),
    /legend entry "strided" .* over the plot area x0y0/,
  ],
  [
    "a series without a legend entry",
    (s) => s.plots[0].traces.push({ colour: "rgb(44, 160, 44)" }),
    /a series in x0y0 has no legend entry \(rgb\(44, 160, 44\)\|solid\|none\)/,
  ],
  [
    "two series that look alike",
    (s) => s.plots[0].traces.push({ colour: BLUE, marker: "circle" }),
    /2 series in x0y0 look alike \(rgb\(31, 119, 180\)\|solid\|MAAZ\)/,
  ],
];

Deno.test("figureProblems: rules judged on measurements, one line per problem", () => {
  const figure: MeasuredFigure = {
    width: 720,
    height: 440,
    title: [{ x: 200, y: 10, width: 300, height: 20 }],
    plots: [{ id: "xy", box: { x: 70, y: 60, width: 480, height: 300 }, series: ["a|solid|none"] }],
    legends: [{
      box: { x: 570, y: 60, width: 140, height: 40 },
      entries: [{ text: "a", box: { x: 600, y: 70, width: 20, height: 14 }, look: "a|solid|none" }],
    }],
  };
  assert.deepEqual(figureProblems(figure), []);
  // a single point is drawn as a marker alone and matches its line-and-marker entry
  const point = structuredClone(figure);
  point.plots[0].series = ["b|none|MAAZ"];
  point.legends[0].entries[0].look = "b|solid|MAAZ";
  assert.deepEqual(figureProblems(point), []);
  const narrow = structuredClone(figure);
  narrow.plots = [
    { id: "xy", box: { x: 0, y: 0, width: 200, height: 10 }, series: [] },
    { id: "x2y2", box: { x: 100, y: 20, width: 200, height: 10 }, series: [] },
  ];
  // the panels' columns overlap: 300 px covered, not 400
  assert.deepEqual(figureProblems(narrow), ["plot area covers 300 of 720 px (42% < 50%)"]);
  assert.deepEqual(figureProblems({ ...figure, plots: [] }), ["no plot area"]);
});

Deno.test({
  name:
    "figure check: synthetic SVGs fail each rule; the lab's line, panel and experiment figures pass",
  ignore: findChromium() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const browser = await launchChromium();
    const renderer = await SvgRenderer.launch();
    try {
      const page = await offlinePage(browser);
      const measured = await measureFigureSvg(page, svgOf(good()));
      assert.equal(measured.plots.length, 1);
      assert.deepEqual(measured.plots[0].box, { x: 70, y: 60, width: 480, height: 300 });
      assert.deepEqual(measured.plots[0].series, [`${BLUE}|solid|MAAZ`, `${ORANGE}|3px, 3px|none`]);
      assert.deepEqual(measured.legends[0].entries.map((e) => e.text), ["strided", "fixed"]);
      assert.deepEqual(figureProblems(measured), []);
      for (const [what, change, problem] of FAILING) {
        const spec = structuredClone(good());
        change(spec);
        const problems = figureProblems(await measureFigureSvg(page, svgOf(spec)));
        assert.ok(problems.some((p) => problem.test(p)), `${what}: ${JSON.stringify(problems)}`);
      }

      // figures the builders draw, rendered by Plotly as reproduce renders them
      const line = linePlot([
        { name: "softmax", x: [1, 2, 4], y: [1, 0.1, 0.01] },
        { name: "sparsemax", x: [1, 2, 4], y: [1, 0.1, 0.01] },
        { name: "softmax threshold", x: [2, 2], y: [0.01, 1], dash: "dot", companionOf: "softmax" },
      ], { title: "coinciding curves", xTitle: "t", yTitle: "weight", logY: true });
      const series = (label: string, pattern: string, configuration: string): SummarySeries => ({
        label,
        pattern,
        configuration,
        sparsity: 0.8,
        points: [1, 2, 3].map((x) => ({
          ...summaryPoint(x, null, [x / 4 - 0.02, x / 4, x / 4 + 0.02]),
          std: 0.02,
        })),
      });
      const experiment = experimentFigure("copying", [
        series("dense", "dense", "single"),
        ...[3, 25, 28].map((c) => series(`strided sequential (c=${c})`, "strided", "sequential")),
        series("fixed sequential (c=16, summary=4)", "fixed", "sequential"),
        series("star", "star", "single"),
        ...[11, 12].map((w) => series(`window-relay (w=${w})`, "window-relay", "single")),
        series("random", "random", "single"),
        series("strided union (c=26)", "strided", "union"),
        series("fixed multihead (c=8, summary=1)", "fixed", "multihead"),
      ], { sparsityInLegend: true });
      const panels = panelPlot([
        { title: "A", series: [{ name: "one", x: [1, 2], y: [1, 2], family: "star" }] },
        { title: "B", series: [{ name: "two", x: [1, 2], y: [5, 9], family: "random" }] },
      ], { title: "two panels", xTitle: "x", yTitle: "y" });
      for (
        const [what, figure] of [["line", line], ["experiment", experiment], ["panels", panels]]
      ) {
        const svg = await renderer.render((figure as typeof line).toJSON());
        const problems = figureProblems(await measureFigureSvg(page, svg));
        assert.deepEqual(problems, [], `${what}: ${problems.join("; ")}`);
      }
      assert.equal(
        (await measureFigureSvg(page, await renderer.render(experiment.toJSON()))).plots.length,
        6,
        "STRIDED, FIXED, STAR, RANDOM, UNION, MULTIHEAD",
      );

      // Plotly's own defaults fail: a legend dragged over the plot
      const over = linePlot([{ name: "a", x: [1, 2], y: [1, 2] }], {
        title: "t",
        xTitle: "x",
        yTitle: "y",
      }).toJSON();
      over.layout.legend = { x: 0.3, y: 0.6 };
      const overProblems = figureProblems(
        await measureFigureSvg(page, await renderer.render(over)),
      );
      assert.ok(overProblems.some((p) => /over the plot area xy/.test(p)), overProblems.join("; "));

      // checkFigureFiles reads files and reports per path
      const dir = await Deno.makeTempDir({ prefix: "lab-figure-check-" });
      try {
        await Deno.writeTextFile(`${dir}/good.svg`, svgOf(good()));
        const bad = good();
        bad.plots[0].width = 100;
        await Deno.writeTextFile(`${dir}/bad.svg`, svgOf(bad));
        const results = await checkFigureFiles([`${dir}/good.svg`, `${dir}/bad.svg`]);
        assert.deepEqual(results.map((r) => r.problems.length), [0, 1]);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    } finally {
      await renderer.close();
      await browser.close();
    }
  },
});
