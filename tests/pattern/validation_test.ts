/**
 * Hand-built patterns and graphs are validated: lists, CSR arrays, predicates and schedules
 * refuse empty rows, keys outside [0, n), broken row starts and a bad n with an InputError that
 * names the pattern and the row; the attention core refuses the same graphs.
 */
import assert from "node:assert/strict";
import { Schedule, SparsityPattern, validateCsr } from "../../lib/pattern/pattern.ts";
import {
  type AttentionGraph,
  validateGraph,
  validateGraphs,
} from "../../lib/attention/sparse_kernel/mod.ts";
import { InputError } from "../../lib/util/errors.ts";

const refuses = (make: () => unknown, message: RegExp) =>
  assert.throws(
    make,
    (error: unknown) => error instanceof InputError && message.test(error.message),
  );

Deno.test("fromLists: an empty A_k, a key out of range or not an integer, a bad n", () => {
  const lists = Array.from({ length: 8 }, (_, k) => [k]);
  refuses(
    () => SparsityPattern.fromLists("p", lists.map((row, k) => (k === 3 ? [1, 9] : row))),
    /^pattern "p" A_3 \(row 3\) = \[1,9\]: key 9 out of range \[0, 8\)$/,
  );
  refuses(
    () => SparsityPattern.fromLists("p", lists.map((row, k) => (k === 2 ? [] : row))),
    /^pattern "p" A_2 \(row 2\) = \[\]: A_k is empty/,
  );
  refuses(
    () => SparsityPattern.fromLists("p", lists.map((row, k) => (k === 5 ? [0.5] : row))),
    /A_5 \(row 5\) = \[0.5\]: key 0.5 is not an integer in \[0, 8\)/,
  );
  refuses(
    () => SparsityPattern.fromLists("p", lists.map((row, k) => (k === 0 ? [-1] : row))),
    /A_0 \(row 0\) = \[-1\]: key -1 out of range/,
  );
  refuses(() => SparsityPattern.fromLists("p", lists, 9), /rows = 8: expected 9 rows/);
  refuses(() => SparsityPattern.fromLists("p", [], 0), /n = 0: expected an integer >= 1/);
  // Self-loops are not required: they are Assumption 1's condition (1), reported there.
  assert.deepEqual(SparsityPattern.fromLists("ok", [[1], [0]]).tokensWithoutSelfLoop(), [0, 1]);
});

Deno.test("fromCsr: row starts from 0, monotone, ending at keys.length; rows non-empty", () => {
  const good = SparsityPattern.fromCsr("c", 3, [0, 2, 3, 5], [1, 0, 2, 2, 0]);
  assert.deepEqual(good.toLists(), [[0, 1], [2], [0, 2]]);
  refuses(
    () => SparsityPattern.fromCsr("c", 3, [1, 2, 3, 5], [0, 0, 0, 0, 0]),
    /rowStart\[0\] = 1/,
  );
  refuses(
    () => SparsityPattern.fromCsr("c", 3, [0, 3, 2, 5], [0, 0, 0, 0, 0]),
    /rowStart\[2\] = 2: row starts must never decrease/,
  );
  refuses(
    () => SparsityPattern.fromCsr("c", 3, [0, 1, 2, 4], [0, 0, 0, 0, 0]),
    /rowStart\[3\] = 4: expected keys.length = 5/,
  );
  refuses(() => SparsityPattern.fromCsr("c", 3, [0, 1, 2, 9], [0, 0, 0]), /rowStart\[3\] = 9/);
  refuses(() => SparsityPattern.fromCsr("c", 3, [0, 1, 3], [0, 0, 0]), /rowStart.length = 3/);
  refuses(
    () => SparsityPattern.fromCsr("c", 3, [0, 1, 1, 2], [0, 0]),
    /A_1 \(row 1\) = \[\]: A_k is empty/,
  );
  refuses(
    () => SparsityPattern.fromCsr("c", 3, [0, 1, 2, 3], [0, 3, 1]),
    /A_1 \(row 1\) = \[3\]: key 3 out of range \[0, 3\)/,
  );
  refuses(() => SparsityPattern.fromCsr("c", 1.5, [0, 1], [0]), /n = 1.5/);
});

Deno.test("fromPredicate and Schedule: a predicate leaving a row empty, a non-pattern", () => {
  refuses(
    () => SparsityPattern.fromPredicate("q", 4, (k, j) => k !== 2 && j === k),
    /pattern "q" A_2 \(row 2\) = \[\]: A_k is empty/,
  );
  refuses(
    () => SparsityPattern.fromPredicate("q", 4, 3 as unknown as () => boolean),
    /predicate = 3/,
  );
  const fake = { n: 2, row: () => new Int32Array([0]) } as unknown as SparsityPattern;
  refuses(() => new Schedule("s", [fake]), /schedule "s" pattern 0 = .*expected a SparsityPattern/);
  refuses(() => new Schedule("s", []), /schedule "s" patterns = \[\]/);
});

Deno.test("attention graphs: the same checks, an empty graph list named", () => {
  const graph = (rowStart: number[], keys: number[], n = 3): AttentionGraph => ({
    numQueries: n,
    numKeys: n,
    rowStart: Int32Array.from(rowStart),
    keys: Int32Array.from(keys),
  });
  validateGraph(graph([0, 1, 2, 3], [0, 1, 2]));
  refuses(
    () => validateGraph(graph([0, 1, 2, 3], [0, 9, 2]), "g"),
    /g A_1 \(row 1\) = \[9\]: key 9 out of range \[0, 3\)/,
  );
  refuses(() => validateGraph(graph([0, 1, 1, 3], [0, 1, 2])), /A_1 \(row 1\) = \[\]/);
  refuses(() => validateGraph(graph([0, 1, 2, 2], [0, 1, 2])), /A_2 \(row 2\) = \[\]/);
  refuses(() => validateGraph(graph([0, 1, 2, 4], [0, 1, 2])), /rowStart\[3\] = 4/);
  refuses(
    () => validateGraph({ ...graph([0, 1, 2, 3], [0, 1, 2]), numQueries: 0 }),
    /numQueries = 0/,
  );
  refuses(() => validateGraphs([], 1), /^graphs = \[\]: expected one graph per head \(1\)$/);
  refuses(() => validateCsr("x", 2, 2, [0, 1, 2], [0, 2]), /x A_1 \(row 1\) = \[2\]/);
});
