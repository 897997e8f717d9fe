/**
 * How series look, decided once for the whole lab: one colour per pattern family (and per
 * probability map ρ), the same in every notebook figure and in the explorer; parameters of a
 * family told apart by shade, configurations by marker. Figures name a family and get its
 * colour here; nothing else picks a family's colour.
 */

/**
 * The colour of each pattern family of the zoo, keyed by the zoo's name; a family's causal
 * variant shares its colour (and differs by dash or marker), dense is the dark reference.
 */
export const FAMILY_COLOURS: Readonly<Record<string, string>> = Object.freeze({
  dense: "#3b3b3b",
  strided: "#1f77b4",
  "strided-causal": "#1f77b4",
  fixed: "#e07b00",
  "fixed-causal": "#e07b00",
  star: "#2ca02c",
  "causal-star": "#2ca02c",
  "window-relay": "#17a3b2",
  window: "#9467bd",
  longformer: "#8c564b",
  bigbird: "#d4589f",
  random: "#d62728",
  "self-only": "#7f7f7f",
});

/** The colour of each probability map ρ (softmax and its sparse relatives), likewise fixed. */
export const MAP_COLOURS: Readonly<Record<string, string>> = Object.freeze({
  hardmax: "#3b3b3b",
  softmax: "#1f77b4",
  sparsemax: "#d62728",
  "1.5-entmax": "#e07b00",
  entmax15: "#e07b00",
  "1.25-entmax": "#2ca02c",
});

/** Colours for series that belong to no family (guides, baselines), in order of use. */
export const OTHER_COLOURS: readonly string[] = [
  "#7f7f7f",
  "#b8860b",
  "#20306b",
  "#9a9a2a",
  "#a05a2c",
  "#4d4d99",
  "#2f6f4f",
  "#c0392b",
];

/**
 * The registered colour of a pattern family or probability map, looked up by the series' name:
 * the name itself, a zoo name it starts with ("strided(c=4) local", "window-relay (w=3)"), or a
 * composition naming its family ("union strided(c=16)"). Undefined for anything else.
 */
export function registeredColour(name: string): string | undefined {
  const key = name.trim().toLowerCase();
  const registries = [MAP_COLOURS, FAMILY_COLOURS];
  for (const registry of registries) {
    if (Object.hasOwn(registry, key)) return registry[key];
  }
  // the longest registered name the series' name starts with (window-relay before window)
  const words = key.replace(/^((union|sequential|dense ·|sparse ·)\s+)+/, "");
  for (const registry of registries) {
    const match = Object.keys(registry)
      .filter((family) =>
        words === family || new RegExp(`^${escape(family)}(?![\\w-])`).test(words)
      )
      .sort((a, b) => b.length - a.length)[0];
    if (match !== undefined) return registry[match];
  }
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `#rrggbb` as [r, g, b]. */
function rgb(colour: string): [number, number, number] {
  const match = /^#([0-9a-f]{6})$/i.exec(colour);
  if (match === null) throw new Error(`expected a #rrggbb colour, got ${colour}`);
  const value = parseInt(match[1], 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/**
 * Shade `index` of `count` of a family colour: the middle one is the colour itself, earlier
 * ones darker, later ones lighter (mixed with black or white by up to 45%), so a family's
 * parameters read as one hue at distinct depths.
 */
export function shade(colour: string, index: number, count: number): string {
  if (count <= 1) return colour;
  const t = -0.45 + (0.9 * index) / (count - 1); // −0.45 … 0.45
  const [r, g, b] = rgb(colour);
  const mix = (c: number) => Math.round(t < 0 ? c * (1 + t) : c + (255 - c) * t);
  return `#${[r, g, b].map((c) => mix(c).toString(16).padStart(2, "0")).join("")}`;
}

/** The marker of each configuration of a pattern: its layers cycled, merged, or per head. */
export const CONFIGURATION_SYMBOLS: Readonly<Record<string, string>> = Object.freeze({
  single: "circle",
  sequential: "circle",
  union: "square",
  multihead: "diamond",
});

/** Markers for curves that would otherwise look alike, in order of use. */
export const DISTINCT_SYMBOLS: readonly string[] = [
  "circle",
  "square",
  "diamond",
  "triangle-up",
  "x",
  "triangle-down",
  "star",
  "cross",
];
