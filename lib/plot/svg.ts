/**
 * Static SVG export of Plotly figures, for notebook viewers where no JavaScript runs. One
 * headless Chromium page with plotly.js (from node_modules, inlined: no network) renders
 * every figure through Plotly.toImage; launch once, render many, close.
 */
import { type Browser, launchChromium, offlinePage, type Page } from "./chromium.ts";
import { exportSize } from "./figure.ts";
import type { PlotlyFigureJson } from "./plotly_types.ts";
import { readPlotlySource } from "./plotly_page.ts";

export class SvgRenderer {
  readonly #browser: Browser;
  readonly #page: Page;

  private constructor(browser: Browser, page: Page) {
    this.#browser = browser;
    this.#page = page;
  }

  static async launch(): Promise<SvgRenderer> {
    const browser = await launchChromium();
    try {
      const page = await offlinePage(browser);
      await page.setContent("<!DOCTYPE html><html><body></body></html>");
      await page.addScriptTag({ content: readPlotlySource() });
      return new SvgRenderer(browser, page);
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /**
   * The figure as an SVG document, at the layout's width (or the export width a responsive
   * figure keeps in layout.meta) and height, else 720×440.
   */
  async render(figure: PlotlyFigureJson): Promise<string> {
    const { width, height } = exportSize(figure.layout);
    const dataUrl = await this.#page.evaluate(
      (json: string, width: number, height: number) => {
        // deno-lint-ignore no-explicit-any
        const plotly = (globalThis as any).Plotly;
        const figure = JSON.parse(json);
        return plotly.toImage(figure, { format: "svg", width, height }) as Promise<string>;
      },
      JSON.stringify({ data: figure.data, layout: figure.layout }),
      width,
      height,
    );
    const comma = dataUrl.indexOf(",");
    return decodeURIComponent(dataUrl.slice(comma + 1));
  }

  async close(): Promise<void> {
    await this.#browser.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Renders several figures with one browser launch. */
export async function renderSvgs(figures: PlotlyFigureJson[]): Promise<string[]> {
  await using renderer = await SvgRenderer.launch();
  const svgs: string[] = [];
  for (const figure of figures) svgs.push(await renderer.render(figure));
  return svgs;
}
