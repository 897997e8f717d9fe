/**
 * Figures whose titles, legends and axis titles are never clipped: long titles wrap at word
 * boundaries, the top margin grows with the title's lines, layouts are responsive (autosize, no
 * fixed width), and the SVGs the lab exports (lib/plot/svg.ts, headless Chromium) keep every
 * title, legend and panel title inside the canvas and the figure title above the plots.
 */
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { linePlot } from "../../lib/plot/line.ts";
import { maskHeatmap } from "../../lib/plot/heatmap.ts";
import {
  exportSize,
  TITLE_LINE_CHARS,
  TITLE_LINE_PX,
  titleLayout,
  wrapTitle,
} from "../../lib/plot/figure.ts";
import { findChromium, launchChromium, offlinePage } from "../../lib/plot/chromium.ts";
import { SvgRenderer } from "../../lib/plot/svg.ts";

const LONG_TITLE = "Connections per token against sequence length n for every pattern of the " +
  "zoo, with the dense baseline and the O(n log n) reference drawn dashed for comparison";

Deno.test("wrapTitle: lines of at most 60 characters, broken only at spaces", () => {
  const lines = wrapTitle(LONG_TITLE);
  assert.equal(lines.length, 3);
  assert.ok(lines.every((line) => line.length <= TITLE_LINE_CHARS), JSON.stringify(lines));
  assert.equal(lines.join(" "), LONG_TITLE);
  assert.deepEqual(wrapTitle("short title"), ["short title"]);
  assert.deepEqual(wrapTitle("a".repeat(70) + " b"), ["a".repeat(70), "b"]);
  // Plotly markup is not split and does not count; given breaks are kept
  const styled = '<span style="font-weight: bold">a</span> b';
  assert.deepEqual(wrapTitle(`${styled}<br>z`, 5), [styled, "z"]);
});

Deno.test("titleLayout and figure layouts: room for every title line, responsive, axes automargin", () => {
  assert.equal(titleLayout("one line").lines, 1);
  const heading = titleLayout(LONG_TITLE);
  assert.equal(heading.lines, 3);
  assert.equal((heading.title.text as string).split("<br>").length, 3);

  const short = linePlot([{ name: "a", x: [1, 2], y: [1, 2] }], {
    title: "short",
    xTitle: "x",
    yTitle: "y",
  });
  const long = linePlot([{ name: "a", x: [1, 2], y: [1, 2] }], {
    title: LONG_TITLE,
    xTitle: "x",
    yTitle: "y",
  });
  for (const figure of [short, long]) {
    assert.equal(figure.layout.autosize, true);
    assert.equal(figure.layout.width, undefined);
    assert.deepEqual(exportSize(figure.layout).width, 720);
    assert.equal((figure.layout.xaxis as Record<string, unknown>).automargin, true);
    assert.equal((figure.layout.yaxis as Record<string, unknown>).automargin, true);
  }
  const top = (figure: typeof short) => (figure.layout.margin as { t: number }).t;
  assert.equal(top(short), titleLayout("short").marginTop);
  assert.equal(top(long) - top(short), 2 * TITLE_LINE_PX);
  assert.equal(short.layout.height, 440);
  assert.equal(Number(long.layout.height) - 440, top(long) - top(short));
  assert.equal(long.title, LONG_TITLE, "the figure's own title is not wrapped");
});

/** Bounding boxes (in SVG pixels) of the parts of an SVG that must not be clipped. */
interface Boxes {
  width: number;
  height: number;
  title: DOMRect[];
  titleLines: number;
  legend: DOMRect[];
  axisTitles: DOMRect[];
  annotations: DOMRect[];
  plotTop: number;
}

async function measure(
  page: import("../../lib/plot/chromium.ts").Page,
  svg: string,
): Promise<Boxes> {
  await page.setContent(`<!DOCTYPE html><html><body style="margin:0">${svg}</body></html>`);
  return await page.evaluate(() => {
    const root = document.querySelector("svg") as SVGSVGElement;
    const box = (element: Element) => {
      const b = (element as SVGGraphicsElement).getBBox();
      const m = (element as SVGGraphicsElement).getCTM()!;
      const p = new DOMPoint(b.x, b.y).matrixTransform(m);
      const q = new DOMPoint(b.x + b.width, b.y + b.height).matrixTransform(m);
      return { x: p.x, y: p.y, width: q.x - p.x, height: q.y - p.y } as DOMRect;
    };
    const all = (selector: string) =>
      [...root.querySelectorAll(selector)].filter((e) => (e.textContent ?? "") !== "").map(box);
    // each subplot's plot area is drawn in a group translated to its top-left corner
    const plots = [...root.querySelectorAll(".overplot > g[transform]")];
    return {
      width: Number(root.getAttribute("width")),
      height: Number(root.getAttribute("height")),
      title: all(".g-gtitle text"),
      titleLines: root.querySelectorAll(".g-gtitle text tspan.line").length,
      legend: [...root.querySelectorAll(".legend")].map(box),
      axisTitles: [...root.querySelectorAll("text")]
        .filter((e) => /^[xy]\d*title$/.test(e.getAttribute("class") ?? ""))
        .filter((e) => (e.textContent ?? "") !== "").map(box),
      annotations: all(".annotation-text-g text"),
      plotTop: Math.min(
        ...plots.map((group) =>
          Number(/translate\(\s*[-\d.]+\s*,\s*([-\d.]+)/.exec(group.getAttribute("transform")!)![1])
        ),
      ),
    };
  });
}

function assertInside(boxes: Boxes, label: string): void {
  const inside = (b: DOMRect, what: string) => {
    assert.ok(
      b.x >= 0 && b.y >= 0 && b.x + b.width <= boxes.width && b.y + b.height <= boxes.height,
      `${label}: ${what} ${JSON.stringify(b)} outside ${boxes.width}×${boxes.height}`,
    );
  };
  assert.equal(boxes.title.length, 1, `${label}: one title`);
  assert.ok(boxes.plotTop > 0 && boxes.plotTop < boxes.height, `${label}: plots found`);
  boxes.title.forEach((b) => inside(b, "title"));
  boxes.legend.forEach((b) => inside(b, "legend"));
  boxes.axisTitles.forEach((b) => inside(b, "axis title"));
  boxes.annotations.forEach((b) => inside(b, "panel title"));
  const [title] = boxes.title;
  assert.ok(
    title.y + title.height <= boxes.plotTop,
    `${label}: title bottom ${title.y + title.height} overlaps the plots at ${boxes.plotTop}`,
  );
  for (const annotation of boxes.annotations) {
    assert.ok(annotation.y >= title.y + title.height, `${label}: panel title under the title`);
  }
}

Deno.test({
  name: "exported SVGs: long titles wrap inside the canvas, above the plots; legends and axes kept",
  ignore: findChromium() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const line = linePlot([
      { name: "window (w = 1), a long legend entry for the series", x: [1, 2, 4], y: [3, 3, 3] },
      { name: "dense", x: [1, 2, 4], y: [1, 4, 16], dash: "dash" },
    ], { title: LONG_TITLE, xTitle: "n (tokens)", yTitle: "connections", logX: true });
    const band = (n: number, w: number) =>
      Array.from({ length: n * n }, (_, i) => Math.abs(Math.floor(i / n) - (i % n)) <= w ? 1 : 0);
    const heatmap = maskHeatmap(
      [1, 2, 3, 4].map((w) => ({ title: `band of half-width ${w}`, n: 8, mask: band(8, w) })),
      {
        columns: 2,
        title: "Four banded masks side by side, each panel a query-by-key grid of allowed " +
          "pairs, drawn with a shared colour scale",
      },
    );
    const renderer = await SvgRenderer.launch();
    const browser = await launchChromium();
    try {
      const page = await offlinePage(browser);
      const lineBoxes = await measure(page, await renderer.render(line.toJSON()));
      assert.deepEqual([lineBoxes.width, lineBoxes.height], [720, line.layout.height]);
      assert.equal(lineBoxes.titleLines, 3, "the title drawn on three lines");
      assert.equal(lineBoxes.legend.length, 1);
      assert.ok(lineBoxes.axisTitles.length >= 2, "both axes keep their titles");
      assertInside(lineBoxes, "line plot");

      const heatBoxes = await measure(page, await renderer.render(heatmap.toJSON()));
      assert.equal(heatBoxes.width, exportSize(heatmap.layout).width);
      assert.equal(heatBoxes.titleLines, 2);
      assert.equal(heatBoxes.annotations.length, 4, "four panel titles");
      assertInside(heatBoxes, "heatmap");
    } finally {
      await renderer.close();
      await browser.close();
    }
  },
});
