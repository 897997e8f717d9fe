/**
 * The ids u^T Z_k / δ after each layer of a contextual mapping, on one grid input, in exact
 * arithmetic: the layer-by-layer trace notebook 07 shows for the sparse construction and for the
 * ICLR predecessor's dense one (notebooks/paper.md §2.5–2.6).
 */
import { exactAttention, exactIds } from "./exact.ts";
import type { DeltaGrid } from "./grid.ts";
import { type AttentionLayer, type AttentionRole, idVector } from "./layers.ts";
import { type BucketEmbedding, embeddedGridState } from "./quantization.ts";
import type { Schedule } from "../pattern/pattern.ts";

/** One row of a trace: the ids after `layer` (null: the input itself, after E if any). */
export interface IdTraceRow {
  layer: number | null;
  role: string;
  ids: bigint[];
}

/** A layer's role in words, e.g. "shift b = 5 (token 1)" or "all-max shift × 32". */
export function describeRole(role: AttentionRole): string {
  switch (role.type) {
    case "selectiveShift":
      return `shift b = ${role.value} (token ${role.token})`;
    case "denseSelectiveShift":
      return `shift b = ${role.value}`;
    case "allMaxShift":
      return `all-max shift × ${role.c}`;
    case "globalShift":
      return `global shift × ${role.scale}`;
    case "identity":
      return `identity (${role.why})`;
  }
}

/**
 * Runs `mapping`'s layers exactly on grid input `input` (with its positional embedding when it
 * has one) and returns the ids before the first layer and after every layer.
 */
export function traceContextualIds(
  mapping: {
    grid: DeltaGrid;
    schedule: Schedule;
    layers: readonly AttentionLayer[];
    embedding?: BucketEmbedding;
  },
  input: number,
): IdTraceRow[] {
  const { grid, schedule, layers, embedding } = mapping;
  const u = idVector(grid.d, grid.levels);
  let state = embedding
    ? embeddedGridState(grid, embedding, input)
    : Array.from(grid.levelsAt(input), BigInt);
  const rows: IdTraceRow[] = [{
    layer: null,
    role: embedding ? "X + E" : "X",
    ids: exactIds(state, grid.n, u),
  }];
  layers.forEach((layer, index) => {
    state = exactAttention(layer, schedule.patterns[layer.pattern], state, grid.n, grid.d);
    rows.push({ layer: index, role: describeRole(layer.role), ids: exactIds(state, grid.n, u) });
  });
  return rows;
}
