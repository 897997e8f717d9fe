/**
 * The explorer page's script, bundled by `deno task serve` (web/server.ts) into
 * out/web/explorer.js. Pattern logic, Assumption-1 analysis, figure builders, model metadata
 * checks and text encoding all come from lib/ — the page only wires them to the DOM. Plotly and
 * onnxruntime-web are globals loaded from node_modules by <script> tags.
 */
/// <reference lib="dom" />
import type * as Ort from "onnxruntime-web";
import {
  analyzeAssumption1,
  buildPattern,
  maskPanels,
  type Schedule,
  ZOO,
} from "../../lib/pattern/mod.ts";
import { maskHeatmap } from "../../lib/plot/heatmap.ts";
import { linePlot } from "../../lib/plot/line.ts";
import type { PlotlyFigureJson } from "../../lib/plot/plotly_types.ts";
import { verdictRow } from "../../lib/plot/verdict_table.ts";
import { readLabMetadata, requireExportedLength } from "../../lib/export/metadata.ts";
import { predictNextCharacter, requireCharacterModel } from "../../lib/export/char_text.ts";
import { SessionRunner } from "../../lib/export/session_runner.ts";

declare const ort: typeof Ort;
declare const Plotly: {
  react(div: HTMLElement, data: unknown[], layout: unknown, config?: unknown): Promise<unknown>;
};

/** One exported character model the server offers (out/web/models/manifest.json). */
export interface ServedModel {
  n: number;
  file: string;
}

/** Largest n the page draws cell by cell (the mask heatmap averages blocks above it). */
const MAX_N = 256;
const DEFAULT_PATTERN = "strided";
const DEFAULT_N = 32;

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Puts a message in a page region, or clears it; every failure ends here, never blank. */
function say(id: string, message = ""): void {
  const region = element(id);
  region.textContent = message;
  region.hidden = message === "";
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

function draw(id: string, figure: PlotlyFigureJson): Promise<unknown> {
  return Plotly.react(element(id), figure.data, figure.layout, { displaylogo: false });
}

// -------------------------------------------------------------------------------------------
// Pattern, mask, Assumption 1, reach sets

interface PatternState {
  schedule: Schedule;
  reach: Uint8Array[];
}

let current: PatternState | undefined;

/**
 * The zoo entry named `name`, looking at the registry's own properties only: a name from the
 * address bar such as `constructor` or `__proto__` is unknown, never something inherited.
 */
function knownPattern(name: string): (typeof ZOO)[string] | undefined {
  return Object.hasOwn(ZOO, name) ? ZOO[name] : undefined;
}

function fillPatternOptions(): void {
  const select = element<HTMLSelectElement>("pattern");
  for (const entry of Object.values(ZOO)) select.add(new Option(entry.name, entry.name));
}

/** One input per parameter of the chosen pattern (n has its own input). */
function renderParameterInputs(name: string, values: URLSearchParams): void {
  const container = element("params");
  container.textContent = "";
  for (const spec of (knownPattern(name)?.params ?? []).filter((p) => p.name !== "n")) {
    const label = document.createElement("label");
    label.title = spec.description;
    label.append(`${spec.name} `);
    const input = document.createElement("input");
    input.id = `param-${spec.name}`;
    input.dataset.param = spec.name;
    input.placeholder = "default";
    input.value = values.get(spec.name) ?? "";
    input.size = 6;
    input.addEventListener("change", updatePattern);
    label.append(input);
    container.append(label);
  }
}

function readPatternParams(n: number): Record<string, unknown> {
  const params: Record<string, unknown> = { n };
  for (const input of element("params").querySelectorAll<HTMLInputElement>("input")) {
    const text = input.value.trim();
    if (text === "") continue; // the pattern's default
    const spec = Object.values(ZOO).flatMap((e) => e.params).find((p) =>
      p.name === input.dataset.param
    );
    params[input.dataset.param!] = spec?.kind === "string" ? text : Number(text);
  }
  return params;
}

function readN(): number {
  const text = element<HTMLInputElement>("n").value.trim();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 2 || n > MAX_N) {
    throw new Error(`n = ${JSON.stringify(text)}: expected an integer in [2, ${MAX_N}]`);
  }
  return n;
}

async function updatePattern(): Promise<void> {
  const name = element<HTMLSelectElement>("pattern").value;
  let schedule: Schedule;
  let n: number;
  try {
    n = readN();
    schedule = buildPattern(name, readPatternParams(n));
  } catch (error) {
    say("pattern-error", messageOf(error)); // keep the last good figures on screen
    return;
  }
  say("pattern-error");
  const verdict = analyzeAssumption1(schedule, { trackTokens: true, trackSets: true });
  const layers = verdict.reach.sizes.length;
  current = { schedule, reach: verdict.reach.sets! };
  history.replaceState(null, "", `?${new URLSearchParams(stateParams()).toString()}`);
  renderVerdict(verdict);
  const slider = element<HTMLInputElement>("reach-t");
  slider.max = String(layers);
  slider.value = String(Math.min(Number(slider.value) || 1, layers));
  await Promise.all([
    draw(
      "mask-plot",
      maskHeatmap(maskPanels(schedule), { title: `A<sub>k</sub><sup>l</sup> of ${schedule.name}` }),
    ),
    updateReach(),
    drawReachSizes(verdict.reach.sizes),
  ]);
  document.body.dataset.pattern = schedule.name;
  await refreshModelForN(n);
}

function stateParams(): Record<string, string> {
  const params: Record<string, string> = {
    pattern: element<HTMLSelectElement>("pattern").value,
    n: element<HTMLInputElement>("n").value,
  };
  for (const input of element("params").querySelectorAll<HTMLInputElement>("input")) {
    if (input.value.trim() !== "") params[input.dataset.param!] = input.value.trim();
  }
  return params;
}

function renderVerdict(verdict: ReturnType<typeof analyzeAssumption1>): void {
  const row = verdictRow(verdict);
  const table = element("verdict");
  table.textContent = "";
  for (const [key, value] of Object.entries(row)) {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    const td = document.createElement("td");
    th.textContent = key;
    td.textContent = value;
    tr.append(th, td);
    table.append(tr);
  }
  element("verdict-status").textContent = row["Assumption 1"];
  element("verdict-status").className = `verdict ${row["Assumption 1"]}`;
  element("verdict-reasons").textContent = verdict.reasons.join("\n");
}

function updateReach(): Promise<unknown> {
  if (!current) return Promise.resolve();
  const t = Number(element<HTMLInputElement>("reach-t").value);
  const matrix = current.reach[t - 1];
  const n = current.schedule.n;
  let filled = 0;
  for (const cell of matrix) filled += cell;
  element("reach-t-label").textContent = `t = ${t}: ${filled} of ${n * n} pairs (k, j) with ` +
    `j ∈ Sₖᵗ${filled === n * n ? " — every token reaches every token" : ""}`;
  return draw(
    "reach-plot",
    // short enough to fit the page's plot box; Plotly's sub/sup markup typesets the indices
    maskHeatmap([{
      title: `t = ${t}: row k, column j ∈ S<sub>k</sub><sup>t</sup>`,
      n,
      mask: matrix,
    }], {
      title: `Reach sets S<sub>k</sub><sup>t</sup>, ${current.schedule.name}`,
      colorTitle: "j ∈ S<sub>k</sub><sup>t</sup>",
    }),
  );
}

function drawReachSizes(sizes: { min: number; mean: number; max: number }[]): Promise<unknown> {
  const x = sizes.map((_, i) => i + 1);
  return draw(
    "reach-sizes",
    linePlot(
      (["min", "mean", "max"] as const).map((key) => ({
        name: `${key} over k`,
        x,
        y: sizes.map((s) => s[key]),
      })),
      {
        title: "|S<sub>k</sub><sup>t</sup>| by layer t",
        xTitle: "layer t",
        yTitle: "tokens reached",
        markers: true,
      },
    ),
  );
}

// -------------------------------------------------------------------------------------------
// Character model in onnxruntime-web

/** The page's runner: the global `ort` in place of Deno's npm module (same SessionRunner). */
async function createBrowserRunner(
  bytes: Uint8Array,
  source: string,
  n: number,
): Promise<SessionRunner> {
  const metadata = readLabMetadata(bytes, source);
  requireCharacterModel(metadata);
  requireExportedLength(metadata, n, source);
  return new SessionRunner(metadata, await ort.InferenceSession.create(bytes), ort);
}

let runner: SessionRunner | undefined;
let servedModels: ServedModel[] = [];
/** A file the user chose replaces the served model until n changes. */
let uploaded: { name: string; bytes: Uint8Array } | undefined;

async function loadManifest(): Promise<void> {
  try {
    const response = await fetch("build/models/manifest.json");
    servedModels = (await response.json()).models as ServedModel[];
  } catch (error) {
    say(
      "model-error",
      `no exported models found (${messageOf(error)}); start the page with deno task serve`,
    );
  }
}

/** Loads the model for the page's n: the uploaded file, or the served export for that n. */
async function refreshModelForN(n: number): Promise<void> {
  if (runner?.metadata.n === n && !uploaded) return;
  runner = undefined;
  document.body.dataset.modelReady = "false";
  say("model-error");
  try {
    if (uploaded) {
      await useModel(uploaded.bytes, uploaded.name, n);
      return;
    }
    const served = servedModels.find((model) => model.n === n);
    if (!served) {
      const available = servedModels.map((model) => model.n).join(", ");
      element("model-status").textContent = "no model loaded";
      say(
        "model-error",
        `the character model is exported for n = ${available}; choose one of those, or export ` +
          `it for n = ${n} (deno task export --model data/models/moby-dick-best --n ${n} ` +
          `--attention --out char-${n}.onnx) and load the file below`,
      );
      return;
    }
    const response = await fetch(served.file);
    await useModel(new Uint8Array(await response.arrayBuffer()), served.file, n);
  } catch (error) {
    say("model-error", messageOf(error));
  }
}

async function useModel(bytes: Uint8Array, source: string, n: number): Promise<void> {
  runner = await createBrowserRunner(bytes, source, n);
  const meta = runner.metadata;
  element("model-status").textContent =
    `${source}: ${meta.kind}, pattern ${meta.patterns.decoder}, ` +
    `n = ${meta.n}, ${meta.vocabulary!.length} characters. ${meta.description ?? ""}`;
  const layerSelect = element<HTMLSelectElement>("attention-layer");
  layerSelect.textContent = "";
  meta.attentionOutputs.forEach((name, i) => layerSelect.add(new Option(`layer ${i}`, name)));
  const headSelect = element<HTMLSelectElement>("attention-head");
  headSelect.textContent = "";
  const heads = Number(meta.outputs.find((o) => o.name === meta.attentionOutputs[0])?.dims[1] ?? 1);
  for (let h = 0; h < heads; h++) headSelect.add(new Option(`head ${h}`, String(h)));
  document.body.dataset.modelReady = "true";
  await predict();
}

let lastPrediction: Awaited<ReturnType<typeof predictNextCharacter>> | undefined;

async function predict(): Promise<void> {
  if (!runner) return;
  const text = element<HTMLInputElement>("text").value;
  try {
    lastPrediction = await predictNextCharacter(runner, text);
  } catch (error) {
    say("model-error", messageOf(error));
    return;
  }
  say("model-error");
  const { encoded, predictions } = lastPrediction;
  const notes = [];
  if (encoded.cut > 0) notes.push(`only the last ${runner.metadata.n} characters are used`);
  if (encoded.unknown.length > 0) {
    notes.push(
      `not in the vocabulary, skipped: ${encoded.unknown.map((c) => JSON.stringify(c)).join(" ")}`,
    );
  }
  element("text-notes").textContent = notes.join("; ");
  const list = element("predictions");
  list.textContent = "";
  for (const { char, probability } of predictions) {
    const item = document.createElement("li");
    item.dataset.char = char;
    item.dataset.probability = String(probability);
    const bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${(probability * 100).toFixed(1)}%`;
    item.append(`${JSON.stringify(char)} ${(probability * 100).toFixed(1)}% `, bar);
    list.append(item);
  }
  document.body.dataset.predictions = String(Number(document.body.dataset.predictions ?? 0) + 1);
  await drawAttention();
}

function drawAttention(): Promise<unknown> {
  if (!lastPrediction || !runner) return Promise.resolve();
  const name = element<HTMLSelectElement>("attention-layer").value;
  const head = Number(element<HTMLSelectElement>("attention-head").value);
  const layer = lastPrediction.attention.find((a) => a.name === name);
  if (!layer) return Promise.resolve();
  const n = runner.metadata.n;
  const used = lastPrediction.encoded.length;
  const chars = Array.from(
    lastPrediction.encoded.ids.subarray(0, used),
    (id) => runner!.metadata.vocabulary![id],
  );
  // rows and columns of the typed characters only; padding after them is never attended to
  const probabilities = new Float32Array(used * used);
  for (let k = 0; k < used; k++) {
    for (let j = 0; j < used; j++) probabilities[k * used + j] = layer.data[(head * n + k) * n + j];
  }
  return draw(
    "attention-plot",
    maskHeatmap([{ title: `"${chars.join("")}"`, n: used, mask: probabilities }], {
      title: `attention probabilities, ${name.replace("attention.", "")}, head ${head}`,
      colorTitle: "probability",
    }),
  );
}

async function readUpload(): Promise<void> {
  const file = element<HTMLInputElement>("model-file").files?.[0];
  if (!file) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  const n = Number(element<HTMLInputElement>("n").value);
  try {
    runner = undefined;
    document.body.dataset.modelReady = "false";
    await useModel(bytes, file.name, n);
    uploaded = { name: file.name, bytes };
    say("model-error");
  } catch (error) {
    say("model-error", messageOf(error));
  }
}

// -------------------------------------------------------------------------------------------

async function start(): Promise<void> {
  ort.env.wasm.wasmPaths = new URL("vendor/ort/", location.href).href;
  ort.env.wasm.numThreads = 1; // one thread needs no cross-origin isolation and is fastest at this size
  fillPatternOptions();
  const query = new URLSearchParams(location.search);
  const requested = query.get("pattern") ?? DEFAULT_PATTERN;
  const known = knownPattern(requested) !== undefined;
  element<HTMLSelectElement>("pattern").value = known ? requested : DEFAULT_PATTERN;
  element<HTMLInputElement>("n").value = query.get("n") ?? String(DEFAULT_N);
  renderParameterInputs(known ? requested : DEFAULT_PATTERN, query);
  element("pattern").addEventListener("change", () => {
    uploaded = undefined;
    renderParameterInputs(element<HTMLSelectElement>("pattern").value, new URLSearchParams());
    updatePattern();
  });
  element("n").addEventListener("change", () => {
    uploaded = undefined;
    updatePattern();
  });
  element("reach-t").addEventListener("input", updateReach);
  element("text").addEventListener("input", predict);
  element("attention-layer").addEventListener("change", drawAttention);
  element("attention-head").addEventListener("change", drawAttention);
  element("model-file").addEventListener("change", readUpload);
  await loadManifest();
  await updatePattern();
  if (!known) {
    say(
      "pattern-error",
      `unknown pattern ${JSON.stringify(requested)} in the address; showing ${DEFAULT_PATTERN}. ` +
        `Known: ${Object.keys(ZOO).join(", ")}`,
    );
  }
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  say("page-error", `the explorer failed to start: ${messageOf(error)}`);
  document.body.dataset.ready = "error";
});
