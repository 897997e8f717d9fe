/** firstCoveringLayer: s read back from the size trace, against the engines' mixing depth. */
import assert from "node:assert/strict";
import { firstCoveringLayer } from "../../lib/pattern/reach_report.ts";
import { reachSets } from "../../lib/pattern/reach_sets.ts";
import { buildPattern } from "../../lib/pattern/zoo.ts";
import { InputError } from "../../lib/util/errors.ts";

Deno.test("firstCoveringLayer: the first layer whose smallest reach set is all n tokens", () => {
  const sizes = (mins: number[]) => mins.map((min) => ({ min, mean: min, max: 8 }));
  assert.equal(firstCoveringLayer({ sizes: sizes([3, 5, 8, 8]) }, 8), 3);
  assert.equal(firstCoveringLayer({ sizes: sizes([8]) }, 8), 1);
  assert.equal(firstCoveringLayer({ sizes: sizes([3, 5, 7, 7]) }, 8), null);
  assert.equal(firstCoveringLayer({ sizes: [] }, 8), null);
  assert.throws(() => firstCoveringLayer({ sizes: [] }, 0), InputError);
});

Deno.test("firstCoveringLayer: agrees with the mixing depth of zoo patterns (window s = ⌈15/w⌉)", () => {
  const n = 16;
  for (
    const [name, params, depth] of [
      ["window", { w: 1 }, 15],
      ["window", { w: 3 }, 5],
      ["star", {}, 2],
      ["strided", {}, 2],
      ["strided-causal", {}, null],
    ] as const
  ) {
    const reach = reachSets(buildPattern(name, { n, ...params }), { engine: "bitset" });
    assert.equal(reach.mixingDepth, depth, `${name} s`);
    assert.equal(firstCoveringLayer(reach, n), depth, `${name} trace`);
  }
});
