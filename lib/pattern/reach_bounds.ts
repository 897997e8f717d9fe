/**
 * What the union graph still proves when the reach sets are too fragmented to iterate: with
 * self-loops, "none" from its reachability closure when it is not strongly connected; else
 * lower and upper bounds on s from the eccentricities of a hub token.
 */
import { type Schedule, unionOf } from "./pattern.ts";
import type { ReachReport } from "./reach_report.ts";

/** Out-edges k → j (j ∈ A_k in some pattern) and their transpose, in CSR form. */
function unionGraphs(schedule: Schedule) {
  const union = schedule.numPatterns === 1 ? schedule.patterns[0] : unionOf(schedule.patterns);
  const n = schedule.n;
  const inDegree = new Int32Array(n + 1);
  for (const j of union.keys) inDegree[j + 1]++;
  for (let j = 0; j < n; j++) inDegree[j + 1] += inDegree[j];
  const inStart = inDegree.slice();
  const fill = inDegree.slice(0, n);
  const inKeys = new Int32Array(union.keys.length);
  for (let k = 0; k < n; k++) {
    for (let a = union.rowStart[k]; a < union.rowStart[k + 1]; a++) {
      inKeys[fill[union.keys[a]]++] = k;
    }
  }
  return {
    out: { rowStart: union.rowStart, keys: union.keys },
    in: { rowStart: inStart, keys: inKeys },
  };
}

type Csr = { rowStart: Int32Array; keys: Int32Array };

/** Breadth-first distances from `source` (−1 where unreachable). */
function bfs(graph: Csr, n: number, source: number): Int32Array {
  const dist = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  dist[source] = 0;
  queue[tail++] = source;
  while (head < tail) {
    const v = queue[head++];
    for (let a = graph.rowStart[v]; a < graph.rowStart[v + 1]; a++) {
      const w = graph.keys[a];
      if (dist[w] === -1) {
        dist[w] = dist[v] + 1;
        queue[tail++] = w;
      }
    }
  }
  return dist;
}

/** Component id per token (Tarjan, iterative, on CSR) and the number of components. */
function componentsOf(graph: Csr, n: number) {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const id = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  const workNode = new Int32Array(n);
  const workEdge = new Int32Array(n);
  let top = 0;
  let counter = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    workNode[0] = root;
    workEdge[0] = graph.rowStart[root];
    index[root] = low[root] = counter++;
    stack[top++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = workNode[depth];
      if (workEdge[depth] < graph.rowStart[v + 1]) {
        const w = graph.keys[workEdge[depth]++];
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[top++] = w;
          onStack[w] = 1;
          depth++;
          workNode[depth] = w;
          workEdge[depth] = graph.rowStart[w];
        } else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
        continue;
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--top];
          onStack[w] = 0;
          id[w] = count;
        } while (w !== v);
        count++;
      }
      depth--;
      if (depth >= 0) {
        const parent = workNode[depth];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
    }
  }
  return { id, count };
}

/**
 * What can still be proved when the sets are too fragmented to iterate (large random-like
 * patterns). With self-loops everywhere the sets grow to the reachability closure of the
 * union graph, so s exists exactly when that graph is strongly connected; if it is not, the
 * never-reached tokens come from the closure. When it is, s is bounded: each layer follows
 * one edge, so s ≥ the eccentricities of a hub u, and any path of length L is followed within
 * L·p layers, so s ≤ p·(ecc_in(u) + ecc_out(u)). Without self-loops only the lower bound holds.
 */
export function reachBounds(
  schedule: Schedule,
  layersChecked: number,
  sizes: ReachReport["sizes"],
  why: string,
  maxLayers: number,
): ReachReport {
  const n = schedule.n;
  const p = schedule.numPatterns;
  const graphs = unionGraphs(schedule);
  const selfLoops = schedule.patterns.every((pat) => pat.tokensWithoutSelfLoop().length === 0);
  let hub = 0;
  for (let k = 1; k < n; k++) {
    const degree = (g: Csr, v: number) => g.rowStart[v + 1] - g.rowStart[v];
    if (
      degree(graphs.out, k) + degree(graphs.in, k) >
        degree(graphs.out, hub) + degree(graphs.in, hub)
    ) {
      hub = k;
    }
  }
  const eccentricity = (dist: Int32Array) => {
    let max = 0;
    for (const d of dist) {
      if (d < 0) return Infinity;
      if (d > max) max = d;
    }
    return max;
  };
  if (selfLoops) {
    const components = componentsOf(graphs.out, n);
    if (components.count > 1) {
      return {
        mixingDepth: null,
        status: "none",
        ...closureUnreached(graphs, components, n),
        sizes,
        method: "closure",
        reason: `every pattern keeps self-loops, so the reach sets grow to the reachability ` +
          `closure of the union graph, which is not strongly connected (${components.count} ` +
          "components)",
      };
    }
  }
  const eccOut = eccentricity(bfs(graphs.out, n, hub));
  const eccIn = eccentricity(bfs(graphs.in, n, hub));
  const lower = Math.max(
    layersChecked + 1,
    Number.isFinite(eccOut) ? eccOut : 0,
    Number.isFinite(eccIn) ? eccIn : 0,
  );
  const upper = selfLoops ? p * (eccIn + eccOut) : null;
  if (upper !== null && upper === lower && upper <= maxLayers) {
    return { mixingDepth: upper, status: "found", sizes, method: "bounds" };
  }
  return {
    mixingDepth: null,
    status: "unknown",
    sizes,
    method: "bounds",
    bounds: { lower, upper },
    reason: `${why}; ${
      upper === null
        ? `s ≥ ${lower} if it exists (some pattern lacks self-loops, so no upper bound)`
        : `${lower} ≤ s ≤ ${upper} (eccentricities of token ${hub} in the union graph)`
    }`,
  };
}

/** Never-reached tokens of the closure: reached by all only inside a unique sink component. */
function closureUnreached(
  graphs: ReturnType<typeof unionGraphs>,
  components: { id: Int32Array; count: number },
  n: number,
) {
  const isSink = new Uint8Array(components.count).fill(1);
  for (let k = 0; k < n; k++) {
    for (let a = graphs.out.rowStart[k]; a < graphs.out.rowStart[k + 1]; a++) {
      if (components.id[graphs.out.keys[a]] !== components.id[k]) isSink[components.id[k]] = 0;
    }
  }
  const sinks = isSink.reduce((a, b) => a + b, 0);
  const reachedByAll = (j: number) => sinks === 1 && isSink[components.id[j]] === 1;
  const neverReached: { token: number; missingFrom: number }[] = [];
  let count = 0;
  for (let j = 0; j < n; j++) {
    if (reachedByAll(j)) continue;
    count++;
    if (neverReached.length < 20) {
      const dist = bfs(graphs.in, n, j); // who reaches j
      neverReached.push({ token: j, missingFrom: dist.indexOf(-1) });
    }
  }
  return { neverReached, neverReachedCount: count };
}
