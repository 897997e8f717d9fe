/** tools/check_figures.ts: every SVG under a folder checked as a reader sees it, exit code by result. */
import assert from "node:assert/strict";
import { pathFromUrl, runCommand } from "../../lib/util/system.ts";
import { findChromium } from "../../lib/plot/chromium.ts";
import { linePlot } from "../../lib/plot/line.ts";
import { renderSvgs } from "../../lib/plot/svg.ts";

const tool = pathFromUrl("../../tools/check_figures.ts", import.meta.url);

Deno.test({
  name: "check_figures CLI: a legend over the plot fails its figure (exit 1); no SVG is exit 2",
  ignore: findChromium() === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const figure = linePlot([
      { name: "strided", x: [1, 2, 3], y: [1, 2, 3], family: "strided" },
      { name: "star", x: [1, 2, 3], y: [3, 2, 1], family: "star" },
    ], { title: "two patterns", xTitle: "layers L", yTitle: "accuracy" }).toJSON();
    const over = { data: figure.data, layout: { ...figure.layout, legend: { x: 0.4, y: 0.6 } } };
    const [good, bad] = await renderSvgs([figure, over]);
    const dir = await Deno.makeTempDir({ prefix: "lab-check-figures-" });
    try {
      await Deno.mkdir(`${dir}/figures/01_nb`, { recursive: true });
      await Deno.writeTextFile(`${dir}/figures/01_nb/figure-01.svg`, good);
      await Deno.writeTextFile(`${dir}/figures/01_nb/figure-02.svg`, bad);
      const result = await runCommand(Deno.execPath(), ["run", "-A", tool, `${dir}/figures`]);
      assert.equal(result.code, 1, result.stdout + result.stderr);
      assert.match(result.stdout, /^figure 01_nb\/figure-01\.svg: ok$/m);
      assert.match(result.stdout, /^figure 01_nb\/figure-02\.svg: FAILED$/m);
      assert.match(result.stdout, /legend entry "strided" .* over the plot area xy/);
      assert.match(result.stdout, /^figures: 1 passed, 1 failed$/m);

      const empty = await runCommand(Deno.execPath(), ["run", "-A", tool, `${dir}/figures/none`]);
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /^check_figures: DIR = ".*none": cannot read it/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
