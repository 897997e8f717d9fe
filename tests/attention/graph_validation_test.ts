/**
 * The dense-masked and the sparse TensorFlow.js paths refuse the same hand-built bad graphs
 * (a key out of range, an empty row, broken row starts, no graph at all) with the same
 * InputError, and agree on a valid hand-built graph.
 */
import assert from "node:assert/strict";
import { initTf } from "../../lib/attention/tf/backend.ts";
import { MultiHeadAttention } from "../../lib/attention/tf/layers.ts";
import { ParameterSet } from "../../lib/attention/tf/parameters.ts";
import type { AttentionGraph } from "../../lib/attention/sparse_kernel/mod.ts";
import { InputError } from "../../lib/util/errors.ts";
import { randomizeParameters, randomTensor } from "./support.ts";

await initTf();

const graph = (rowStart: number[], keys: number[]): AttentionGraph => ({
  numQueries: 4,
  numKeys: 4,
  rowStart: Int32Array.from(rowStart),
  keys: Int32Array.from(keys),
});

Deno.test("dense and sparse refuse the same bad graphs and agree on a good one", () => {
  const outputs: Float32Array[] = [];
  for (const impl of ["dense", "sparse"] as const) {
    const params = new ParameterSet();
    const layer = new MultiHeadAttention(params, "a", { width: 4, heads: 1, impl });
    randomizeParameters(params, 3);
    const x = randomTensor([1, 4, 4], 5);
    const bad: [AttentionGraph[], RegExp][] = [
      [
        [graph([0, 1, 2, 3, 4], [0, 9, 2, 3])],
        /graphs\[0\] A_1 \(row 1\) = \[9\]: key 9 out of range \[0, 4\)/,
      ],
      [[graph([0, 1, 1, 3, 4], [0, 1, 2, 3])], /graphs\[0\] A_1 \(row 1\) = \[\]: A_k is empty/],
      [[graph([0, 1, 2, 3, 5], [0, 1, 2, 3])], /graphs\[0\] rowStart\[4\] = 5/],
      [[], /^graphs = \[\]: expected one graph per head \(1\)$/],
    ];
    for (const [graphs, message] of bad) {
      assert.throws(
        () => layer.apply(x, graphs),
        (error: unknown) => error instanceof InputError && message.test(error.message),
        `${impl}: ${message}`,
      );
    }
    const out = layer.apply(x, [graph([0, 2, 3, 5, 6], [0, 1, 1, 0, 3, 3])]);
    const values = out.dataSync() as Float32Array;
    assert.ok(values.every(Number.isFinite), impl);
    outputs.push(Float32Array.from(values));
    out.dispose();
    x.dispose();
    params.dispose();
  }
  const diff = Math.max(...outputs[0].map((v, i) => Math.abs(v - outputs[1][i])));
  assert.ok(diff < 1e-5, `dense vs sparse: ${diff}`);
});
