/**
 * The heap's matrix products through the machine's BLAS (native_blas.ts) and through the WASM
 * SIMD matmul, each against a float64 product, and against each other: operands as stored,
 * transposed and as column slices, with bias and accumulation; a training run's loss curve is the
 * same on both paths to float32 rounding over 50 steps; LAB_NATIVE_BLAS=off forces the WASM path.
 * Where OpenBLAS is not installed the native cases are skipped with a note and the WASM path is
 * still checked.
 */
import assert from "node:assert/strict";
import { CURVE_SIZE, languageModelLossCurve, relativeError } from "./support.ts";
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import {
  columns,
  matrix,
  multiply,
  multiplyInto,
  transposed,
} from "../../lib/attention/tf/heap_kernels/mod.ts";
import {
  nativeBlasActive,
  setNativeBlas,
} from "../../lib/attention/tf/heap_kernels/native_blas.ts";
import { FlatAdam } from "../../lib/attention/tf/fused_adam.ts";
import { seededRng } from "../../lib/util/random.ts";

await initTf();
const native = nativeBlasActive();
if (!native) {
  console.log("  (OpenBLAS not found: the native cases are skipped, the WASM path checked)");
}

const random = (length: number, seed: number) => {
  const rng = seededRng(seed);
  return Float32Array.from({ length }, () => 2 * rng.next() - 1);
};

/** Float64 a·b (+ bias) for row-major a (m × k) and b (k × n). */
function product(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  bias?: Float32Array,
) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = bias ? bias[j] : 0;
      for (let t = 0; t < k; t++) sum += a[i * k + t] * b[t * n + j];
      out[i * n + j] = sum;
    }
  }
  return out;
}

/** Every case's product on the current path, as plain arrays. */
function cases(): { name: string; got: Float32Array; want: Float64Array }[] {
  const [m, k, n] = [70, 150, 40];
  const a = random(m * k, 1);
  const b = random(k * n, 2);
  const bias = random(n, 3);
  const at = tf.tensor2d(a, [m, k]);
  const bt = tf.tensor2d(b, [k, n]);
  // the transposes, stored: read through strides as a·b
  const aT = tf.tensor2d(a, [m, k]).transpose();
  const bT = tf.tensor2d(b, [k, n]).transpose();
  const aTs = tf.tensor(aT.dataSync(), [k, m]);
  const bTs = tf.tensor(bT.dataSync(), [n, k]);
  const biasT = tf.tensor1d(bias);
  // a wider tensor whose columns 10 … 10 + k − 1 are a
  const wide = tf.concat([tf.zeros([m, 10]), at, tf.zeros([m, 5])], 1);
  const out: { name: string; got: Float32Array; want: Float64Array }[] = [];
  const plain = product(a, b, m, k, n);
  out.push({
    name: "a·b",
    got: multiply(matrix(at), matrix(bt)).dataSync() as Float32Array,
    want: plain,
  });
  out.push({
    name: "aᵀᵀ·bᵀᵀ (both transposed in storage)",
    got: multiply(transposed(matrix(aTs)), transposed(matrix(bTs))).dataSync() as Float32Array,
    want: plain,
  });
  out.push({
    name: "column slice · b + bias",
    got: multiply(columns(matrix(wide), 10, k), matrix(bt), { bias: biasT })
      .dataSync() as Float32Array,
    want: product(a, b, m, k, n, bias),
  });
  const acc = tf.tensor2d(new Float32Array(m * n).fill(1), [m, n]);
  multiplyInto(matrix(acc), matrix(at), matrix(bt), { accumulate: true });
  out.push({
    name: "accumulate",
    got: acc.dataSync() as Float32Array,
    want: plain.map((x) => x + 1),
  });
  tf.dispose([at, bt, aT, bT, aTs, bTs, biasT, wide, acc]);
  return out;
}

function checkAgainstFloat64(label: string) {
  for (const { name, got, want } of cases()) {
    assert.ok(relativeError(got, want) < 1e-5, `${label} ${name}: ${relativeError(got, want)}`);
  }
}

Deno.test("the WASM SIMD path, forced: every case against float64", () => {
  setNativeBlas(false);
  try {
    assert.equal(nativeBlasActive(), false);
    checkAgainstFloat64("wasm");
  } finally {
    setNativeBlas(true);
  }
});

Deno.test({
  name: "the native BLAS path: every case against float64, and against the WASM path",
  ignore: !native,
  fn() {
    assert.equal(nativeBlasActive(), true);
    checkAgainstFloat64("native");
    const nativeResults = cases();
    setNativeBlas(false);
    let wasmResults;
    try {
      wasmResults = cases();
    } finally {
      setNativeBlas(true);
    }
    nativeResults.forEach((r, i) => {
      const other = Float64Array.from(wasmResults[i].got);
      assert.ok(relativeError(r.got, other) < 1e-5, r.name);
    });
  },
});

Deno.test({
  name: "a training run's loss curve is the same on both paths to float32 rounding (50 steps)",
  ignore: !native,
  fn() {
    const curve = (nativeOn: boolean) => {
      const setting = setNativeBlas(nativeOn);
      try {
        return languageModelLossCurve(
          true,
          (params) => new FlatAdam(params.list(), { learningRate: CURVE_SIZE.learningRate }),
        );
      } finally {
        setNativeBlas(setting);
      }
    };
    const viaBlas = curve(true);
    const viaWasm = curve(false);
    let worst = 0;
    viaBlas.forEach((loss, i) => (worst = Math.max(worst, Math.abs(loss - viaWasm[i]))));
    assert.ok(worst < 1e-4, `largest loss difference ${worst}`);
    assert.ok(viaBlas[49] < viaBlas[0], "the run learns");
  },
});

Deno.test("LAB_NATIVE_BLAS=off turns the native path off for the process", async () => {
  const module = new URL("../../lib/attention/tf/heap_kernels/native_blas.ts", import.meta.url);
  const script = `import { nativeBlasActive } from ${JSON.stringify(module.href)};` +
    "console.log(nativeBlasActive());";
  const run = async (env: Record<string, string>) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    return new TextDecoder().decode(output.stdout).trim();
  };
  assert.equal(await run({ LAB_NATIVE_BLAS: "off" }), "false");
  assert.equal(await run({}), String(native));
});
