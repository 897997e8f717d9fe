/**
 * The dense SIMD matrix product (lib/attention/tf/heap_kernels) against float64 products:
 * every edge of its blocking (partial row and column tiles, depths beyond one K block, rows
 * beyond one M block), transposed operands and column slices as strides, bias, ReLU and
 * accumulation; copies between views; its bias-gradient column sums and ReLU gate; and that the
 * committed kernels.wasm is what its source compiles to.
 */
import assert from "node:assert/strict";
import { relativeError } from "./support.ts";
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import {
  columns,
  columnSums,
  copyInto,
  heapKernelsAvailable,
  matrix,
  multiply,
  multiplyInto,
  reluGate,
  transposed,
} from "../../lib/attention/tf/heap_kernels/mod.ts";
import {
  buildModule,
  HEAP_KERNELS,
  manifestText,
  SPARSE_CORE_ON_HEAP,
} from "../../tools/build_wasm.ts";
import { copyTensorInto } from "../../lib/attention/tf/buffers.ts";
import { sha256 } from "../../lib/util/system.ts";
import { seededRng } from "../../lib/util/random.ts";

await initTf();

const random = (length: number, seed: number) => {
  const rng = seededRng(seed);
  return Float64Array.from({ length }, () => 2 * rng.next() - 1);
};

/** Float64 a·b for row-major a (m × k) and b (k × n). */
function product(a: Float64Array, b: Float64Array, m: number, k: number, n: number) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let t = 0; t < k; t++) {
      const x = a[i * k + t];
      for (let j = 0; j < n; j++) out[i * n + j] += x * b[t * n + j];
    }
  }
  return out;
}

/** Float32 products of depth K: error about √K·2⁻²⁴ relative to the terms' magnitude. */
const tolerance = (depth: number) => 4e-7 * Math.sqrt(depth) * 8;

Deno.test("the dense SIMD product is available on the wasm backend", () => {
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(heapKernelsAvailable(), true);
});

Deno.test("a·b + bias, ReLU: every tile edge and block boundary, against float64", () => {
  // m: one partial tile, a block and a partial tile, beyond one 96-row block; n: below, at and
  // beyond the 8-column panel; k: short, beyond one 256-deep block, two blocks and a part
  const shapes = [[1, 1, 1], [5, 3, 7], [6, 8, 8], [13, 17, 9], [97, 300, 23], [200, 600, 40]];
  shapes.forEach(([m, k, n], index) => {
    const a = random(m * k, 10 + index);
    const b = random(k * n, 20 + index);
    const bias = random(n, 30 + index);
    const expected = product(a, b, m, k, n);
    const at = tf.tensor(Float32Array.from(a), [m, k]);
    const bt = tf.tensor(Float32Array.from(b), [k, n]);
    const biasT = tf.tensor(Float32Array.from(bias), [n]);
    const plain = multiply(matrix(at), matrix(bt));
    assert.ok(
      relativeError(plain.dataSync(), expected) < tolerance(k),
      `${m}×${k}×${n}: ${relativeError(plain.dataSync(), expected)}`,
    );
    const full = multiply(matrix(at), matrix(bt), { bias: biasT, relu: true });
    const withBias = expected.map((v, i) => Math.max(0, v + bias[i % n]));
    assert.ok(relativeError(full.dataSync(), withBias) < tolerance(k), `${m}×${k}×${n} bias+relu`);
    assert.ok(withBias.some((v) => v === 0) || m * n < 4, "ReLU cut something");
    tf.dispose([at, bt, biasT, plain, full]);
  });
});

Deno.test("transposed operands and column slices are strides: aᵀ·b[:, 5:12], a·bᵀ", () => {
  const [m, k, n] = [37, 300, 20];
  const a = random(k * m, 1); // stored k × m: the product reads its transpose
  const b = random(k * n, 2);
  const at = tf.tensor(Float32Array.from(a), [k, m]);
  const bt = tf.tensor(Float32Array.from(b), [k, n]);
  // aᵀ·b restricted to columns 5 … 11
  const aT = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let t = 0; t < k; t++) aT[i * k + t] = a[t * m + i];
  const slice = new Float64Array(k * 7);
  for (let t = 0; t < k; t++) for (let j = 0; j < 7; j++) slice[t * 7 + j] = b[t * n + 5 + j];
  const got = multiply(transposed(matrix(at)), columns(matrix(bt), 5, 7));
  assert.ok(relativeError(got.dataSync(), product(aT, slice, m, k, 7)) < tolerance(k));
  // (aᵀ·b)ᵀ... as bᵀ·a: n × m
  const bT = new Float64Array(n * k);
  for (let j = 0; j < n; j++) for (let t = 0; t < k; t++) bT[j * k + t] = b[t * n + j];
  const got2 = multiply(transposed(matrix(bt)), matrix(at));
  assert.ok(relativeError(got2.dataSync(), product(bT, a, n, k, m)) < tolerance(k));
  tf.dispose([at, bt, got, got2]);
});

Deno.test("accumulate adds into a column slice of a wider matrix and leaves the rest", () => {
  const [m, k, n, wide] = [11, 9, 6, 15];
  const a = random(m * k, 3);
  const b = random(k * n, 4);
  const start = random(m * wide, 5);
  const target = tf.tensor(Float32Array.from(start), [m, wide]);
  const at = tf.tensor(Float32Array.from(a), [m, k]);
  const bt = tf.tensor(Float32Array.from(b), [k, n]);
  multiplyInto(columns(matrix(target), 4, n), matrix(at), matrix(bt), { accumulate: true });
  const p = product(a, b, m, k, n);
  const expected = start.slice();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) expected[i * wide + 4 + j] += p[i * n + j];
  }
  assert.ok(relativeError(target.dataSync(), expected) < tolerance(k));
  tf.dispose([target, at, bt]);
});

Deno.test("column sums and the ReLU gate match float64", () => {
  const [m, n] = [50, 13];
  const x = random(m * 20, 6);
  const xt = tf.tensor(Float32Array.from(x), [m, 20]);
  const sums = columnSums(columns(matrix(xt), 3, n));
  const expected = new Float64Array(n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expected[j] += x[i * 20 + 3 + j];
  assert.ok(relativeError(sums.dataSync(), expected) < 1e-5);
  const dy = random(m * 20, 7);
  const dyt = tf.tensor(Float32Array.from(dy), [m, 20]);
  const gate = reluGate(dyt, xt).dataSync();
  assert.deepEqual(Array.from(gate), Array.from(dy, (v, i) => x[i] > 0 ? Math.fround(v) : 0));
  tf.dispose([xt, sums, dyt]);
});

Deno.test("copyInto joins blocks into the columns of a wider matrix and splits them out again", () => {
  const [m, wide, n] = [7, 12, 5];
  const block = random(m * n, 8);
  const start = random(m * wide, 9);
  const blockTensor = tf.tensor(Float32Array.from(block), [m, n]);
  const target = tf.tensor(Float32Array.from(start), [m, wide]);
  copyInto(columns(matrix(target), 6, n), matrix(blockTensor));
  const expected = Float32Array.from(start);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) expected[i * wide + 6 + j] = Math.fround(block[i * n + j]);
  }
  assert.deepEqual(Array.from(target.dataSync()), Array.from(expected));
  const back = tf.zeros([m, n]);
  copyInto(matrix(back), columns(matrix(target), 6, n));
  assert.deepEqual(Array.from(back.dataSync()), Array.from(block, Math.fround));
  assert.throws(() => copyInto(matrix(back), columns(matrix(target), 0, n + 1)), /into/);
  assert.throws(
    () => copyInto(matrix(back), transposed(matrix(tf.zeros([n, m])))),
    /from\.colStride/,
  );
  tf.dispose([blockTensor, target, back]);
});

Deno.test("bad views are refused with the parameter named", () => {
  const a = tf.zeros([3, 4]);
  const b = tf.zeros([5, 2]);
  assert.throws(() => multiply(matrix(a), matrix(b)), /b\.rows/);
  assert.throws(() => columns(matrix(a), 2, 3), /columns/);
  assert.throws(
    () => multiply(matrix(a), matrix(tf.zeros([4, 2])), { bias: tf.zeros([3]) }),
    /bias\.size/,
  );
  tf.dispose([a, b]);
});

for (const spec of [HEAP_KERNELS, SPARSE_CORE_ON_HEAP]) {
  Deno.test(`the committed ${spec.wasmPath.split("/").pop()} is what its source compiles to`, async () => {
    const manifest = Deno.readTextFileSync(spec.manifestPath);
    const committed = Deno.readFileSync(spec.wasmPath);
    assert.equal(JSON.parse(manifest).sourceSha256, sha256(Deno.readTextFileSync(spec.sourcePath)));
    assert.equal(JSON.parse(manifest).wasmSha256, sha256(committed));
    const fresh = await buildModule(spec);
    assert.equal(manifestText(fresh.manifest), manifest);
    assert.deepEqual(new Uint8Array(fresh.wasm), committed);
  });
}

Deno.test("copyTensorInto copies a tensor's values at an offset, from the wasm heap and on cpu", async () => {
  for (const backend of ["wasm", "cpu"] as const) {
    await tf.setBackend(backend);
    try {
      const t = tf.tensor([1.5, -2, 3.25], [3]);
      const target = new Float32Array(6).fill(9);
      copyTensorInto(t, target, 2);
      assert.deepEqual(Array.from(target), [9, 9, 1.5, -2, 3.25, 9], backend);
      t.dispose();
    } finally {
      await tf.setBackend("wasm");
    }
  }
});
