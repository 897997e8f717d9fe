/**
 * The paper-style figure of an experiment: its metric (the y axis, from the definition) against
 * layers or against the exact achieved sparsity, in the paper's form: one panel per pattern
 * family (STRIDED, FIXED, STAR with the widened window-relay, RANDOM; UNION and MULTIHEAD as
 * panels of their own), dense as a reference line in every panel, each family in its colour
 * (lib/plot/style.ts) with parameters by shade and configurations by marker, error bars one
 * standard deviation over seeds. Summarized results (lib/train, plain data) flow into lib/plot's
 * builders here, so neither of those knows the other.
 */
import type { SummarySeries } from "../train/summary.ts";
import type { Figure } from "../plot/figure.ts";
import { FigureNote } from "../plot/figure_note.ts";
import type { Dash, Series } from "../plot/line.ts";
import { type Panel, panelPlot } from "../plot/panels.ts";
import { CONFIGURATION_SYMBOLS, FAMILY_COLOURS, registeredColour, shade } from "../plot/style.ts";
import { InputError } from "../util/errors.ts";
import { type ExperimentRef, requireExperiment } from "./registry.ts";
import { NO_MIXING_BASELINE, sparseSeries } from "./paper_comparison.ts";

/** A line that belongs to one series (its reach ceiling, its mixing depth): drawn in its panel. */
export interface CompanionLine {
  /** The label of the series it accompanies (SummarySeries.label). */
  of: string;
  /** What it is ("reach ceiling"); the legend adds which curve it belongs to. */
  name: string;
  x: number[];
  y: number[];
  dash?: Dash;
}

/** A horizontal line drawn in every panel (a baseline model), with an optional band. */
export interface ReferenceLine {
  name: string;
  y: number;
  /** Lower and upper edge of an interval around it, drawn dotted in its colour. */
  band?: [number, number];
  /** Name of the band's edges in the legend (default: "<name>: interval"). */
  bandName?: string;
}

/** What `experimentFigure` may add to the paper-style figure. */
export interface ExperimentFigureOptions {
  /** Replaces the default title. */
  title?: string;
  /** Lines that belong to one series each, drawn in its panel in its colour. */
  companions?: readonly CompanionLine[];
  /** Horizontal reference lines drawn in every panel, beside dense. */
  references?: readonly ReferenceLine[];
  /**
   * Appends each curve's exact achieved sparsity (mean over its runs) to its legend entry: one
   * target level lands on a different exact level for each pattern, so the legend says which.
   */
  sparsityInLegend?: boolean;
  /**
   * A pattern of one's own (`--pattern-file`), drawn in every panel over the families in a
   * colour no family has, as a star with error bars (one standard deviation over seeds).
   */
  highlight?: { name: string; series: SummarySeries };
}

/** The colour of a pattern of one's own: no family, map or reference line has it. */
export const HIGHLIGHT_COLOUR = "#e6007e";

/** The panels in the paper's order; any other family gets a panel named after it, after these. */
const PANEL_ORDER = ["STRIDED", "FIXED", "STAR", "RANDOM", "UNION", "MULTIHEAD"];

/** The panel a series belongs to: its configuration if that merges heads or layers, else its family. */
export function panelOf(series: Pick<SummarySeries, "pattern" | "configuration">): string {
  if (series.configuration === "union") return "UNION";
  if (series.configuration === "multihead") return "MULTIHEAD";
  if (series.pattern === "window-relay" || series.pattern === "causal-star") return "STAR";
  return series.pattern.toUpperCase();
}

/** "strided sequential (c=25, summary=4)" → "c = 25, summary = 4" (the parameters, spaced). */
function parametersOf(label: string): string {
  const match = /\(([^()]*)\)\s*$/.exec(label);
  return match === null ? "" : match[1].replace(/\s*=\s*/g, " = ");
}

/** The legend entry of a series inside its panel: its pattern and parameters. */
function entryName(s: SummarySeries, panel: string, sparsityInLegend: boolean): string {
  const parameters = parametersOf(s.label);
  const pattern = panel === s.pattern.toUpperCase() ? "" : s.pattern;
  const words = [pattern, parameters].filter((w) => w !== "").join(" ");
  const name = words === "" ? s.pattern : words;
  return sparsityInLegend ? `${name} · ${(100 * s.sparsity).toFixed(1)}% sparse` : name;
}

/** A shade per parameter value of each (pattern, configuration) inside one panel. */
function panelColours(members: readonly SummarySeries[]): Map<SummarySeries, string> {
  const colours = new Map<SummarySeries, string>();
  const groups = new Map<string, SummarySeries[]>();
  for (const s of members) {
    const key = `${s.pattern}|${s.configuration}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const group of groups.values()) {
    const base = registeredColour(group[0].pattern) ?? FAMILY_COLOURS.dense;
    group.forEach((s, i) => colours.set(s, shade(base, i, group.length)));
  }
  return colours;
}

/** Numbers inside a label compared as numbers: c=3 before c=25. */
function byParameters(a: SummarySeries, b: SummarySeries): number {
  return a.label.localeCompare(b.label, "en", { numeric: true });
}

/** Dense in every panel: its curve against layers, a flat line at its mean against sparsity. */
function denseReferences(
  dense: readonly SummarySeries[],
  byLayers: boolean,
  xRange: [number, number],
): Series[] {
  return dense.map((s) => {
    if (byLayers || s.points.length !== 1) {
      return {
        name: `${s.label} (reference)`,
        family: "dense",
        dash: "dash" as const,
        x: s.points.map((p) => p.x),
        y: s.points.map((p) => p.mean),
        errorY: s.points.map((p) => p.std),
      };
    }
    const [p] = s.points;
    const mean = Number(p.mean.toPrecision(3)), std = Number(p.std.toPrecision(2));
    return {
      name: `${s.label} (reference, ${mean} ± ${std})`,
      family: "dense",
      dash: "dash" as const,
      x: [...xRange],
      y: [p.mean, p.mean],
    };
  });
}

/** Colours of reference lines (baseline models), in order; none is a family's. */
const REFERENCE_COLOURS = ["#7f7f7f", "#b8860b", "#6a3d9a"];

/** Each reference as a dash-dotted line across the panels, its interval dotted in its colour. */
function referenceLines(references: readonly ReferenceLine[], xRange: [number, number]): Series[] {
  return references.flatMap((r, i) => {
    const color = REFERENCE_COLOURS[i % REFERENCE_COLOURS.length];
    const line: Series = { name: r.name, x: [...xRange], y: [r.y, r.y], dash: "dashdot", color };
    if (r.band === undefined) return [line];
    // both edges in one trace (a gap between them): one legend entry for the interval
    const band: Series = {
      name: r.bandName ?? `${r.name}: interval`,
      x: [...xRange, Number.NaN, ...xRange],
      y: [r.band[0], r.band[0], Number.NaN, r.band[1], r.band[1]],
      dash: "dot",
      color,
    };
    return [line, band];
  });
}

/** The panels in the paper's order, each family's curves with their companions. */
function familyPanels(
  sparse: readonly SummarySeries[],
  dense: readonly SummarySeries[],
  options: ExperimentFigureOptions,
): Panel[] {
  const byPanel = new Map<string, SummarySeries[]>();
  for (const s of sparse) byPanel.set(panelOf(s), [...(byPanel.get(panelOf(s)) ?? []), s]);
  const order = (name: string) => {
    const i = PANEL_ORDER.indexOf(name);
    return i === -1 ? PANEL_ORDER.length : i;
  };
  const companions = options.companions ?? [];
  const line = (c: CompanionLine): Series => ({
    name: c.name,
    x: c.x,
    y: c.y,
    dash: c.dash ?? "dot",
  });
  // dense's companions go in every panel, in dense's colour
  const denseCompanions = companions.filter((c) => dense.some((d) => d.label === c.of))
    .map((c): Series => ({ ...line(c), name: `${c.name}: dense`, family: "dense" }));
  return [...byPanel.entries()]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([name, members]) => {
      const colours = panelColours(members);
      const curves: Series[] = members.flatMap((s) => {
        const curve: Series = {
          name: entryName(s, name, options.sparsityInLegend ?? false),
          color: colours.get(s),
          // a family trained at one point (STAR at its own sparsity) is a large diamond, seen
          // around a curve's marker at the same point (window-relay w = 1 is STAR)
          symbol: s.points.length === 1
            ? "diamond"
            : CONFIGURATION_SYMBOLS[s.configuration] ?? "circle",
          x: s.points.map((p) => p.x),
          y: s.points.map((p) => p.mean),
          errorY: s.points.map((p) => p.std),
        };
        // a companion's entry names its curve the way the panel's legend does
        const own = companions.filter((c) => c.of === s.label).map((c): Series => ({
          ...line(c),
          name: `${c.name}: ${entryName(s, name, false)}`,
          companionOf: curve.name,
        }));
        return [curve, ...own];
      });
      const families = [...new Set(members.map((s) => s.pattern))];
      const star = families.includes("causal-star") ? "causal STAR" : "STAR";
      const hasStar = families.includes("star") || families.includes("causal-star");
      const title = name === "STAR" && families.includes("window-relay")
        ? (hasStar ? `${star} and window-relay` : "window-relay (STAR widened)")
        : name === "STAR" && hasStar
        ? star
        : name;
      return { title, series: [...denseCompanions, ...curves] };
    });
}

/** A pattern of one's own as a series drawn in every panel. */
function highlightSeries(highlight: { name: string; series: SummarySeries }): Series {
  const { points } = highlight.series;
  return {
    name: highlight.name,
    color: HIGHLIGHT_COLOUR,
    symbol: "star",
    x: points.map((p) => p.x),
    y: points.map((p) => p.mean),
    errorY: points.map((p) => p.std),
  };
}

/**
 * The paper-style figure of an experiment from summarized series: one panel per family, dense
 * (and any reference line) in every panel, error bars one standard deviation over seeds. With
 * no series it is a {@link FigureNote} saying how to produce the results, so notebooks display
 * the answer either way without looking at its kind.
 */
export function experimentFigure(
  experiment: ExperimentRef,
  series: readonly SummarySeries[],
  options: ExperimentFigureOptions = {},
): Figure {
  const definition = requireExperiment(experiment);
  if (series.length === 0) {
    return new FigureNote(
      `No full results are committed yet: run \`deno task experiment ${definition.name} --full\`.`,
    );
  }
  const known = new Set(series.map((s) => s.label));
  (options.companions ?? []).forEach((c, i) => {
    if (!known.has(c.of)) {
      throw new InputError(`companions[${i}].of`, c.of, "expected the label of a series shown");
    }
  });
  const byLayers = definition.axis === "layers";
  const dense = series.filter((s) => s.pattern === "dense");
  const sparse = sparseSeries(series).sort(byParameters);
  // the no-mixing baseline is a model, drawn like any baseline: a line in every panel
  const baselines = series.filter((s) => s.pattern === NO_MIXING_BASELINE && s.points.length > 0)
    .map((s): ReferenceLine => {
      const [p] = s.points;
      return {
        name: `no mixing (each token attends to itself) ${p.mean.toFixed(3)}`,
        y: p.mean,
        band: [p.mean - p.std, p.mean + p.std],
        bandName: "no mixing: ± one standard deviation",
      };
    });
  const xs = (of: readonly SummarySeries[]) => of.flatMap((s) => s.points.map((p) => p.x));
  const highlighted = options.highlight ? [options.highlight.series] : [];
  const xRange: [number, number] = byLayers
    ? [Math.min(...xs(series)) - 0.3, Math.max(...xs(series)) + 0.3]
    : [
      Math.max(0, Math.min(...xs([...sparse, ...highlighted])) - 0.04),
      Math.min(1, Math.max(...xs([...sparse, ...highlighted])) + 0.04),
    ];
  const title = options.title ??
    `${definition.title} (n = ${definition.budgets.full.size.n}): ${definition.metric.label} ` +
      `vs ${byLayers ? "layers" : "sparsity"}`;
  const shared = [
    ...denseReferences(dense, byLayers, xRange),
    ...referenceLines([...baselines, ...(options.references ?? [])], xRange),
    ...(options.highlight ? [highlightSeries(options.highlight)] : []),
  ];
  const panels = familyPanels(sparse, dense, options);
  // with dense results only, dense is the one panel
  if (panels.length === 0) panels.push({ title: "DENSE", series: shared.splice(0) });
  return panelPlot(panels, {
    title,
    xTitle: byLayers ? "attention layers L" : "sparsity 1 − connections/n²",
    yTitle: definition.metric.label,
    xRange,
    integerX: byLayers,
    shared,
  });
}
