/**
 * deno run -A tools/bench_sparse_core.ts [--rounds N]
 *
 * The float32 SIMD sparse core against the float64 JS core on the same inputs in one process:
 * forward, backward, and both, for the training configuration's attention (n = 128, width 128,
 * 4 heads, batch 32, strided with c = 25, fused q|k|v) and for window and star at n = 1024 …
 * 4096. Rounds alternate the two cores; each ratio is the median over rounds of JS time / SIMD
 * time within a round, so load from other processes affects both sides of a ratio alike.
 * Prints one table (or one JSON array with --json); writes nothing.
 */
import {
  coreBackwardInto,
  coreForwardInto,
  coreProbabilityCount,
  type CoreSpec,
  fusedQkvLayout,
  graphOfPattern,
} from "../lib/attention/sparse_kernel/mod.ts";
import {
  simdCoreBackwardInto,
  simdCoreForwardInto,
} from "../lib/attention/sparse_kernel/simd/mod.ts";
import type { SparsityPattern } from "../lib/pattern/pattern.ts";
import { slidingWindow, star, strided } from "../lib/pattern/zoo.ts";
import { seededRng } from "../lib/util/random.ts";

interface Case {
  name: string;
  pattern: SparsityPattern;
  batch: number;
}

const HEADS = 4;
const HEAD_SIZE = 32;

function parseRounds(args: string[]): number {
  const at = args.indexOf("--rounds");
  if (at < 0) return 9;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    console.error(`bench_sparse_core: --rounds ${args[at + 1]} must be an integer in [1, 1000]`);
    Deno.exit(2);
  }
  return value;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function timed(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

function measure({ name, pattern, batch }: Case, rounds: number) {
  const n = pattern.n;
  const graph = graphOfPattern(pattern);
  const spec: CoreSpec = {
    batch,
    heads: HEADS,
    headSize: HEAD_SIZE,
    graphs: Array(HEADS).fill(graph),
    alpha: 1,
    scale: 1 / Math.sqrt(HEAD_SIZE),
  };
  const width = HEADS * HEAD_SIZE;
  const layout = fusedQkvLayout(width);
  const rng = seededRng(1);
  const qkv = Float32Array.from({ length: batch * n * 3 * width }, () => 2 * rng.next() - 1);
  const dOut = Float32Array.from({ length: batch * n * width }, () => 2 * rng.next() - 1);
  const out = new Float32Array(dOut.length);
  const grad = new Float32Array(qkv.length);
  const targets = { dq: grad, dk: grad, dv: grad };
  const probs64 = new Float64Array(coreProbabilityCount(spec));
  const probs32 = new Float32Array(probs64.length);
  const js = {
    forward: () => coreForwardInto(qkv, qkv, qkv, layout, spec, out, probs64),
    backward: () => coreBackwardInto(qkv, qkv, qkv, layout, probs64, dOut, spec, targets),
  };
  const simd = {
    forward: () => simdCoreForwardInto(qkv, qkv, qkv, layout, spec, out, probs32),
    backward: () => simdCoreBackwardInto(qkv, qkv, qkv, layout, probs32, dOut, spec, targets),
  };
  const ratios = { forward: [] as number[], backward: [] as number[], both: [] as number[] };
  const times = { jsBoth: [] as number[], simdBoth: [] as number[] };
  for (let round = -1; round < rounds; round++) {
    const jf = timed(js.forward);
    const jb = timed(js.backward);
    const sf = timed(simd.forward);
    const sb = timed(simd.backward);
    if (round < 0) continue; // warm-up
    ratios.forward.push(jf / sf);
    ratios.backward.push(jb / sb);
    ratios.both.push((jf + jb) / (sf + sb));
    times.jsBoth.push(jf + jb);
    times.simdBoth.push(sf + sb);
  }
  const connections = batch * HEADS * graph.keys.length;
  return {
    case: name,
    connections,
    jsMs: median(times.jsBoth),
    simdMs: median(times.simdBoth),
    forwardRatio: median(ratios.forward),
    backwardRatio: median(ratios.backward),
    ratio: median(ratios.both),
  };
}

if (import.meta.main) {
  const rounds = parseRounds(Deno.args);
  const cases: Case[] = [
    {
      name: "strided c=25, n=128, batch 32",
      pattern: strided({ n: 128, c: 25 }).patterns[0],
      batch: 32,
    },
    {
      name: "strided c=25, n=128 (2nd pattern)",
      pattern: strided({ n: 128, c: 25 }).patterns[1],
      batch: 32,
    },
    { name: "window w=8, n=1024", pattern: slidingWindow({ n: 1024, w: 8 }).patterns[0], batch: 1 },
    { name: "window w=8, n=4096", pattern: slidingWindow({ n: 4096, w: 8 }).patterns[0], batch: 1 },
    { name: "star, n=1024", pattern: star({ n: 1024 }).patterns[0], batch: 1 },
    { name: "star, n=4096", pattern: star({ n: 4096 }).patterns[0], batch: 1 },
  ];
  const results = cases.map((c) => measure(c, rounds));
  if (Deno.args.includes("--json")) {
    console.log(JSON.stringify(results));
  } else {
    console.log("case | connections | JS fwd+bwd ms | SIMD fwd+bwd ms | fwd × | bwd × | fwd+bwd ×");
    for (const r of results) {
      console.log(
        `${r.case} | ${r.connections} | ${r.jsMs.toFixed(2)} | ${r.simdMs.toFixed(2)} | ` +
          `${r.forwardRatio.toFixed(2)} | ${r.backwardRatio.toFixed(2)} | ${r.ratio.toFixed(2)}`,
      );
    }
  }
}
