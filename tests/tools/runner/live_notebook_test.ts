/**
 * The live classroom experience end to end: `deno task lab` (classic Notebook, the
 * project-local Deno kernel) started from a copy of the checkout at an awkward path, notebook
 * 00 opened in headless Chromium at a 1280 px wide window with every request that does not go
 * to the lab's own server aborted, all cells run through the page, and then: every code cell
 * finished with an execution count and no error output, Plotly figures are drawn as SVG in
 * their output areas, and each figure (its title included) fits the width of its output area.
 * The server is stopped with every kernel it started, and the temporary folders removed, even
 * when an assertion fails.
 */
/// <reference lib="dom" />
import assert from "node:assert/strict";
import { findChromium, launchChromium, type Page } from "../../../lib/plot/chromium.ts";
import { runCommand } from "../../../lib/util/system.ts";
import { jupyterProgram } from "../../../tools/runner/jupyter.ts";
import { awkwardCheckout } from "../../support/awkward_checkout.ts";
import { type LiveLab, type LiveLabStop, startLab } from "../../support/live_lab.ts";

const WINDOW_WIDTH = 1280;
/** A narrow laptop window, to see the figures follow a resize. */
const NARROW_WIDTH = 900;
const NOTEBOOK = "00_tour.ipynb";

const notebookInstalled =
  (await runCommand(jupyterProgram(), ["notebook", "--version"]).catch(() => ({ code: 1 })))
    .code === 0;

/** Classic Notebook's page object, as much of it as the test uses. */
interface NotebookPage {
  Jupyter: {
    notebook?: {
      _fully_loaded?: boolean;
      kernel?: { is_connected(): boolean; info_reply?: unknown };
      get_cells(): { cell_type: string; input_prompt_number?: number | string | null }[];
      execute_all_cells(): void;
      set_autosave_interval(ms: number): void;
    };
  };
}

/** What one drawn figure measures, in CSS pixels (left and right edges). */
interface FigureBox {
  cell: number;
  title: string;
  svg: [number, number];
  /** The output area's content box (inside its padding). */
  area: [number, number];
  /** Everything Plotly drew that a reader needs: title, panels, panel titles, ticks, colorbar. */
  content: [number, number];
  /** The title alone. */
  titleBox: [number, number] | null;
}

/** Every Plotly figure in an output area, with its own and its output area's box. */
function measureFigures(page: Page): Promise<FigureBox[]> {
  return page.evaluate(() => {
    const cells = [...document.querySelectorAll("#notebook-container .cell")];
    const span = (elements: Element[]): [number, number] => {
      const boxes = elements.map((element) => element.getBoundingClientRect())
        .filter((box) => box.width > 0);
      return [
        Math.min(...boxes.map((box) => box.left)),
        Math.max(...boxes.map((box) => box.right)),
      ];
    };
    return [...document.querySelectorAll(".output_subarea .js-plotly-plot")].map((plot) => {
      const area = plot.closest(".output_subarea") as HTMLElement;
      const style = getComputedStyle(area);
      const areaBox = area.getBoundingClientRect();
      const svg = plot.querySelector("svg.main-svg")!.getBoundingClientRect();
      const title = plot.querySelector(".gtitle");
      const drawn = ".gtitle, .annotation, .nsewdrag, .xtick, .ytick, .g-xtitle, .g-ytitle, " +
        ".colorbar";
      return {
        cell: cells.indexOf(plot.closest(".cell")!),
        title: title?.textContent ?? "",
        svg: [svg.left, svg.right] as [number, number],
        area: [
          areaBox.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft),
          areaBox.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight),
        ] as [number, number],
        content: span([...plot.querySelectorAll(drawn)]),
        titleBox: title === null ? null : span([title]),
      };
    });
  });
}

/** Why a figure does not fit its output area, or undefined when it does (0.5 px slack). */
function misfit(figure: FigureBox): string | undefined {
  const inside = (inner: [number, number], outer: [number, number]) =>
    inner[0] >= outer[0] - 0.5 && inner[1] <= outer[1] + 0.5;
  const px = (box: [number, number]) =>
    `x = ${box[0].toFixed(1)}..${box[1].toFixed(1)} (${(box[1] - box[0]).toFixed(1)} px)`;
  const where = `figure "${figure.title}" in cell ${figure.cell}`;
  if (!inside(figure.svg, figure.area)) {
    return `${where}: drawn at ${px(figure.svg)}, its output area ${px(figure.area)}`;
  }
  if (figure.titleBox === null) return `${where}: has no title`;
  if (!inside(figure.content, figure.svg) || !inside(figure.titleBox, figure.svg)) {
    return `${where}: title ${px(figure.titleBox)} or content ${px(figure.content)} cut by ` +
      `the figure ${px(figure.svg)}`;
  }
  return undefined;
}

/** Asserts every figure fits and fills its output area (autosize, no fixed width). */
function assertFiguresFit(figures: FigureBox[], window: number) {
  assert.ok(figures.length >= 1, "a Plotly figure is drawn in an output area");
  for (const figure of figures) {
    assert.equal(misfit(figure), undefined, `at a ${window} px window`);
    const width = figure.svg[1] - figure.svg[0];
    const areaWidth = figure.area[1] - figure.area[0];
    assert.ok(
      width >= areaWidth - 2,
      `figure in cell ${figure.cell} is ${width} px wide in a ${areaWidth} px output area ` +
        `at a ${window} px window: it should fill it`,
    );
  }
}

Deno.test({
  name: "live lab: notebook 00 runs in classic Notebook in Chromium, figures drawn and fitting",
  ignore: findChromium() === undefined || !notebookInstalled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const started = performance.now();
    const checkout = await awkwardCheckout();
    let lab: LiveLab | undefined;
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    try {
      lab = await startLab(checkout.root);
      const { origin, token } = lab;
      browser = await launchChromium();
      const page = await browser.newPage();
      await page.setViewport({ width: WINDOW_WIDTH, height: 900 });
      const blocked: string[] = [];
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        const url = request.url();
        const local = url.startsWith(`${origin}/`) ||
          ["data:", "blob:", "about:"].some((scheme) => url.startsWith(scheme));
        if (local) request.continue();
        else {
          blocked.push(url);
          request.abort("blockedbyclient");
        }
      });
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(String(error)));

      await page.goto(`${origin}/notebooks/${NOTEBOOK}?token=${token}`);
      await page.waitForFunction(() => {
        const notebook = (globalThis as unknown as NotebookPage).Jupyter?.notebook;
        return notebook?._fully_loaded === true && notebook.kernel?.is_connected() === true &&
          notebook.kernel.info_reply !== undefined;
      }, { timeout: 30_000 });
      // plotly.js comes with the page (the lab's Notebook extension), before any cell runs.
      await page.waitForFunction(() => "Plotly" in globalThis, { timeout: 15_000 });
      const codeCells = await page.evaluate(() => {
        const notebook = (globalThis as unknown as NotebookPage).Jupyter.notebook!;
        notebook.set_autosave_interval(0); // the run's outputs are never written back
        const cells = notebook.get_cells().filter((cell) => cell.cell_type === "code");
        notebook.execute_all_cells();
        return cells.length;
      });
      assert.ok(codeCells >= 4, `notebook 00 has ${codeCells} code cells`);
      // Every cell is marked "*" when queued; it gets its number (or none) when it finishes.
      await page.waitForFunction(
        () =>
          (globalThis as unknown as NotebookPage).Jupyter.notebook!.get_cells()
            .filter((cell) => cell.cell_type === "code")
            .every((cell) => cell.input_prompt_number !== "*"),
        { timeout: 60_000, polling: 200 },
      );

      const errors = await page.$$eval(
        ".output_error",
        (elements) => elements.map((element) => (element as HTMLElement).innerText.slice(0, 300)),
      );
      assert.deepEqual(errors, [], "no cell shows an error");
      const counts = await page.evaluate(() =>
        (globalThis as unknown as NotebookPage).Jupyter.notebook!.get_cells()
          .filter((cell) => cell.cell_type === "code")
          .map((cell) => cell.input_prompt_number)
      );
      assert.deepEqual(
        counts,
        counts.map((_, i) => i + 1),
        "every code cell ran, in order, with its execution count",
      );

      await page.waitForSelector(".output_subarea .js-plotly-plot svg.main-svg", {
        timeout: 15_000,
      });
      const figures = await measureFigures(page);
      console.log(`at ${WINDOW_WIDTH} px: ${JSON.stringify(figures)}`);
      assertFiguresFit(figures, WINDOW_WIDTH);

      // A narrower window: the figures follow it (Plotly's responsive resize).
      await page.setViewport({ width: NARROW_WIDTH, height: 900 });
      await page.waitForFunction(
        (before) =>
          [...document.querySelectorAll(".output_subarea .js-plotly-plot svg.main-svg")]
            .every((svg) => svg.getBoundingClientRect().width < before - 100),
        { timeout: 10_000, polling: 100 },
        figures[0].svg[1] - figures[0].svg[0],
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // let the redraw settle
      assertFiguresFit(await measureFigures(page), NARROW_WIDTH);

      // The measurement itself catches a figure wider than its output area.
      await page.evaluate(() => {
        const plot = document.querySelector(".output_subarea .js-plotly-plot") as HTMLElement;
        const plotly = (globalThis as unknown as {
          Plotly: { relayout(div: HTMLElement, update: Record<string, unknown>): Promise<void> };
        }).Plotly;
        return plotly.relayout(plot, { autosize: false, width: 1600 });
      });
      const widened = (await measureFigures(page))[0];
      assert.match(misfit(widened) ?? "", /drawn at x = .*\(1600\.0 px\), its output area/);

      assert.deepEqual(pageErrors, [], "no uncaught error in the page");
      assert.deepEqual(blocked, [], "the page asks for nothing outside the lab's server");
    } catch (error) {
      if (lab !== undefined) console.error(`--- deno task lab output ---\n${lab.log()}`);
      throw error;
    } finally {
      await browser?.close().catch(() => {});
      const stopped: LiveLabStop | undefined = lab === undefined ? undefined : await lab.stop();
      await checkout.remove().catch(() => {});
      console.log(`live lab test: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      if (stopped !== undefined) {
        assert.equal(stopped.code, 0, "deno task lab exits 0 on SIGTERM");
        assert.deepEqual(stopped.leftover, [], "no kernel outlives the server");
      }
    }
  },
});

/** A notebook whose every code cell prints lines that name the cell (0-based code cell index). */
function selfNamingNotebook(cells: number, lines: number): string {
  const source = (k: number) =>
    k % 3 === 1
      ? `for (let j = 0; j < ${lines}; j++) console.log("cell ${k} line " + j);`
      : `for (let j = 0; j < ${lines}; j++) await Deno.jupyter.broadcast("stream", ` +
        `{ name: "stdout", text: "cell ${k} line " + j + "\\n" });`;
  return JSON.stringify({
    cells: Array.from({ length: cells }, (_, k) => ({
      id: `cell-${k}`,
      cell_type: "code",
      execution_count: null,
      metadata: {},
      outputs: [],
      source: source(k),
    })),
    metadata: { kernelspec: { display_name: "Deno", language: "typescript", name: "deno" } },
    nbformat: 4,
    nbformat_minor: 5,
  });
}

/** Opens a notebook of the lab and waits for its kernel; autosave off (nothing written back). */
async function openNotebook(page: Page, lab: LiveLab, notebook: string) {
  await page.goto(`${lab.origin}/notebooks/${notebook}?token=${lab.token}`);
  await page.waitForFunction(() => {
    const nb = (globalThis as unknown as NotebookPage).Jupyter?.notebook;
    return nb?._fully_loaded === true && nb.kernel?.is_connected() === true &&
      nb.kernel.info_reply !== undefined;
  }, { timeout: 30_000 });
  await page.evaluate(() =>
    (globalThis as unknown as NotebookPage).Jupyter.notebook!.set_autosave_interval(0)
  );
}

/** Waits until no code cell is queued or running ("*"). */
async function settled(page: Page) {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await page.waitForFunction(
    () =>
      (globalThis as unknown as NotebookPage).Jupyter.notebook!.get_cells()
        .filter((cell) => cell.cell_type === "code")
        .every((cell) => cell.input_prompt_number !== "*"),
    { timeout: 120_000, polling: 100 },
  );
  await new Promise((resolve) => setTimeout(resolve, 300)); // late output would arrive now
}

/** Each code cell's output text, its lines trimmed, counts and timings left out. */
function outputsByCell(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll("#notebook-container .cell.code_cell")].map((cell) =>
      [...cell.querySelectorAll(".output_area .output_subarea")]
        .map((area) => (area as HTMLElement).innerText)
        .join("\n").split("\n").map((line) => line.trim()).filter((line) => line !== "")
        .filter((line) => !/^Out\[\d+\]:$/.test(line)).map((line) =>
          line.replace(/\d+(\.\d+)? ?m?s\b/g, "T")
        )
        .join("\n")
    )
  );
}

Deno.test({
  name: "live lab: Run All, again and again, draws every output under the cell that printed it",
  ignore: findChromium() === undefined || !notebookInstalled,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const checkout = await awkwardCheckout();
    const fixture = "placement_check.ipynb";
    const fixtureCells = 20, linesPerCell = 5;
    await Deno.writeTextFile(
      `${checkout.root}/notebooks/${fixture}`,
      selfNamingNotebook(fixtureCells, linesPerCell),
    );
    let lab: LiveLab | undefined;
    let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
    try {
      lab = await startLab(checkout.root, 30_000, { LAB_QUICK: "1" });
      browser = await launchChromium();
      const fixturePage = await browser.newPage();
      // cells that name themselves: each output line says which cell printed it
      await openNotebook(fixturePage, lab, fixture);
      for (let run = 1; run <= 4; run++) {
        await fixturePage.evaluate(() =>
          (globalThis as unknown as NotebookPage).Jupyter.notebook!.execute_all_cells()
        );
        await settled(fixturePage);
        const outputs = await outputsByCell(fixturePage);
        assert.equal(outputs.length, fixtureCells, `Run All ${run}: one output per code cell`);
        outputs.forEach((text, k) => {
          const expected = Array.from({ length: linesPerCell }, (_, j) => `cell ${k} line ${j}`)
            .join("\n");
          assert.equal(text, expected, `Run All ${run}, cell ${k}`);
        });
      }
      // a notebook of the lab: each cell run alone, then Run All three times, the same outputs
      const notebook = "05_step1_piecewise_constant.ipynb";
      const page = await browser.newPage(); // a page with outputs asks before it is left
      await openNotebook(page, lab, notebook);
      const cellCount = await page.evaluate(() =>
        (globalThis as unknown as NotebookPage).Jupyter.notebook!.get_cells().length
      );
      for (let index = 0; index < cellCount; index++) {
        await page.evaluate((i) => {
          const notebook = (globalThis as unknown as {
            Jupyter: { notebook: { execute_cells(indices: number[]): void } };
          }).Jupyter.notebook;
          notebook.execute_cells([i]);
        }, index);
        await settled(page);
      }
      const alone = await outputsByCell(page);
      // one output per code cell of the notebook file the lab serves
      const file = JSON.parse(
        await Deno.readTextFile(`${checkout.root}/notebooks/${notebook}`),
      ) as { cells: { cell_type: string }[] };
      const codeCells = file.cells.filter((cell) => cell.cell_type === "code").length;
      assert.equal(alone.length, codeCells, `${notebook}: one output per code cell`);
      assert.ok(alone.filter((text) => text !== "").length >= 5, "the cells print");
      for (let run = 1; run <= 3; run++) {
        await page.evaluate(() =>
          (globalThis as unknown as NotebookPage).Jupyter.notebook!.execute_all_cells()
        );
        await settled(page);
        const outputs = await outputsByCell(page);
        assert.equal(outputs.length, codeCells, `${notebook}, Run All ${run}: every code cell`);
        outputs.forEach((text, k) =>
          assert.equal(text, alone[k], `${notebook}, Run All ${run}, code cell ${k}`)
        );
      }
    } catch (error) {
      if (lab !== undefined) console.error(`--- deno task lab output ---\n${lab.log()}`);
      throw error;
    } finally {
      await browser?.close().catch(() => {});
      if (lab !== undefined) await lab.stop();
      await checkout.remove().catch(() => {});
    }
  },
});
