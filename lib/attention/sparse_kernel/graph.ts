/**
 * Attention graphs: who attends to whom, in CSR form, how to build one from a pattern or for
 * every pair, and the checks every kernel runs before reading one.
 */
import { InputError } from "../../util/errors.ts";
import { type SparsityPattern, validateCsr } from "../../pattern/pattern.ts";

/** Who attends to whom, in CSR form; rectangular for cross-attention. */
export interface AttentionGraph {
  numQueries: number;
  numKeys: number;
  /** length numQueries + 1 */
  rowStart: Int32Array;
  keys: Int32Array;
}

export function graphOfPattern(pattern: SparsityPattern): AttentionGraph {
  return {
    numQueries: pattern.n,
    numKeys: pattern.n,
    rowStart: pattern.rowStart,
    keys: pattern.keys,
  };
}

/** Every query attends to every key (cross-attention's default). */
export function completeGraph(numQueries: number, numKeys: number): AttentionGraph {
  const rowStart = Int32Array.from({ length: numQueries + 1 }, (_, i) => i * numKeys);
  const keys = Int32Array.from({ length: numQueries * numKeys }, (_, i) => i % numKeys);
  return { numQueries, numKeys, rowStart, keys };
}

/** Graphs already checked, with the arrays they held then (a checked graph is not re-walked). */
const checkedGraphs = new WeakMap<AttentionGraph, { rowStart: Int32Array; keys: Int32Array }>();

/**
 * Checks a hand-built graph: numQueries and numKeys positive integers, rowStart an Int32Array
 * of numQueries + 1 offsets from 0, never decreasing, ending at keys.length, no empty row and
 * every key an integer in [0, numKeys). Both the dense and the sparse path run this first, so
 * a bad graph is refused by both rather than read out of bounds by one. O(connections) once
 * per graph object.
 */
export function validateGraph(graph: AttentionGraph, label = "graph"): void {
  if (graph === null || typeof graph !== "object") {
    throw new InputError(
      label,
      graph,
      "expected an AttentionGraph {numQueries, numKeys, rowStart, keys}",
    );
  }
  const seen = checkedGraphs.get(graph);
  if (seen && seen.rowStart === graph.rowStart && seen.keys === graph.keys) return;
  if (!(graph.rowStart instanceof Int32Array)) {
    throw new InputError(`${label}.rowStart`, graph.rowStart, "expected an Int32Array");
  }
  if (!(graph.keys instanceof Int32Array)) {
    throw new InputError(`${label}.keys`, graph.keys, "expected an Int32Array");
  }
  validateCsr(label, graph.numQueries, graph.numKeys, graph.rowStart, graph.keys);
  checkedGraphs.set(graph, { rowStart: graph.rowStart, keys: graph.keys });
}

/** Checks one graph per head, all of head 0's shape; an empty list is refused by name. */
export function validateGraphs(graphs: readonly AttentionGraph[], heads: number): void {
  if (!Array.isArray(graphs) || graphs.length === 0) {
    throw new InputError(
      "graphs",
      Array.isArray(graphs) ? [] : graphs,
      `expected one graph per head (${heads})`,
    );
  }
  if (graphs.length !== heads) {
    throw new InputError("graphs.length", graphs.length, `expected one graph per head (${heads})`);
  }
  graphs.forEach((graph, h) => validateGraph(graph, `graphs[${h}]`));
}

/** Longest row of a graph, remembered per graph (a star's relay row has all n keys). */
const maxRowSizes = new WeakMap<AttentionGraph, number>();

export function maxRowSize(graph: AttentionGraph): number {
  let max = maxRowSizes.get(graph);
  if (max === undefined) {
    max = 0;
    for (let i = 0; i < graph.numQueries; i++) {
      max = Math.max(max, graph.rowStart[i + 1] - graph.rowStart[i]);
    }
    maxRowSizes.set(graph, max);
  }
  return max;
}
