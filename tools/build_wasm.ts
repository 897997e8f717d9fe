/**
 * deno task build-wasm [--check]
 *
 * Compiles the float32 SIMD sparse attention core from its AssemblyScript source
 * (lib/attention/sparse_kernel/simd/core.as) with the pinned npm `assemblyscript` compiler and
 * writes core.wasm beside it, with core.wasm.json recording the compiler, its options and the
 * SHA-256 of the source and of the binary. The build is reproducible: the same source and
 * compiler give the same bytes, which tests/sparse_kernel_simd_test.ts checks against the
 * committed binary. `--check` compares a fresh build with the committed files and writes
 * nothing (exit 1 when they differ).
 */
import asc from "assemblyscript/asc";
import { pathFromUrl, sha256, writeFileAtomic } from "../lib/util/system.ts";

export const SIMD_FOLDER = pathFromUrl("../lib/attention/sparse_kernel/simd/", import.meta.url);
export const SOURCE_PATH = `${SIMD_FOLDER}core.as`;
export const WASM_PATH = `${SIMD_FOLDER}core.wasm`;
export const MANIFEST_PATH = `${SIMD_FOLDER}core.wasm.json`;

/** The compiler's version, as pinned in deno.json. */
export const COMPILER = "assemblyscript@0.28.20";

/** Optimized for speed, no runtime (the module allocates nothing), SIMD on, no bounds asserts. */
export const COMPILER_OPTIONS = {
  optimizeLevel: 3,
  shrinkLevel: 0,
  runtime: "stub",
  noAssert: true,
  enable: ["simd"],
} as const;

export interface WasmManifest {
  compiler: string;
  options: typeof COMPILER_OPTIONS;
  sourceSha256: string;
  wasmSha256: string;
}

/** Compiles the source text to wasm bytes; throws with the compiler's diagnostics on failure. */
export async function compileCore(source: string): Promise<Uint8Array> {
  const result = await asc.compileString({ "core.ts": source }, {
    ...COMPILER_OPTIONS,
    enable: [...COMPILER_OPTIONS.enable],
  });
  if (result.error || !result.binary) {
    throw new Error(`asc failed: ${result.error?.message ?? "no binary"}\n${result.stderr}`);
  }
  return result.binary;
}

/** A fresh build of the committed source, with its manifest. */
export async function buildCore(): Promise<{ wasm: Uint8Array; manifest: WasmManifest }> {
  const source = Deno.readTextFileSync(SOURCE_PATH);
  const wasm = await compileCore(source);
  const manifest: WasmManifest = {
    compiler: COMPILER,
    options: COMPILER_OPTIONS,
    sourceSha256: sha256(source),
    wasmSha256: sha256(wasm),
  };
  return { wasm, manifest };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const unknown = Deno.args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    console.error(`build-wasm: unknown argument ${unknown[0]} (expected none or --check)`);
    Deno.exit(2);
  }
  const { wasm, manifest } = await buildCore();
  const manifestText = JSON.stringify(manifest, null, 2) + "\n";
  if (check) {
    const committed = Deno.readFileSync(WASM_PATH);
    const committedManifest = Deno.readTextFileSync(MANIFEST_PATH);
    const same = sameBytes(committed, wasm) && committedManifest === manifestText;
    console.log(same ? "core.wasm matches its source" : "core.wasm differs from a fresh build");
    Deno.exit(same ? 0 : 1);
  }
  await writeFileAtomic(WASM_PATH, wasm);
  await writeFileAtomic(MANIFEST_PATH, manifestText);
  console.log(`wrote ${WASM_PATH} (${wasm.length} bytes, sha256 ${manifest.wasmSha256})`);
}
