/**
 * deno task build-wasm [--check]
 *
 * Compiles the lab's WebAssembly modules from their AssemblyScript sources with the pinned npm
 * `assemblyscript` compiler and writes each `.wasm` beside its source, with a `.wasm.json`
 * recording the compiler, its options and the SHA-256 of the source and of the binary:
 *
 * - the float32 SIMD sparse attention core (lib/attention/sparse_kernel/simd/core.as);
 * - the dense SIMD matrix product of the training path (lib/attention/tf/simd_matmul/matmul.as),
 *   which imports TensorFlow.js's wasm memory and uses the relaxed fused multiply-add.
 *
 * The build is reproducible: the same source and compiler give the same bytes, which the tests
 * check against the committed binaries. `--check` compares fresh builds with the committed files
 * and writes nothing (exit 1 when any differs).
 */
import asc from "assemblyscript/asc";
import { pathFromUrl, sha256, writeFileAtomic } from "../lib/util/system.ts";

/** The compiler's version, as pinned in deno.json. */
export const COMPILER = "assemblyscript@0.28.20";

/** The compiler options a module is built with. */
export interface WasmBuildOptions {
  optimizeLevel: number;
  shrinkLevel: number;
  runtime: "stub";
  noAssert: boolean;
  enable: readonly string[];
  importMemory?: boolean;
}

export interface WasmModuleSpec {
  name: string;
  sourcePath: string;
  wasmPath: string;
  manifestPath: string;
  options: WasmBuildOptions;
}

export interface WasmManifest {
  compiler: string;
  options: WasmBuildOptions;
  sourceSha256: string;
  wasmSha256: string;
}

function moduleAt(name: string, folder: string, stem: string, options: WasmBuildOptions) {
  const base = pathFromUrl(`${folder}${stem}`, import.meta.url);
  return {
    name,
    sourcePath: `${base}.as`,
    wasmPath: `${base}.wasm`,
    manifestPath: `${base}.wasm.json`,
    options,
  };
}

/** The sparse core: optimized for speed, no runtime (it allocates nothing), SIMD, no asserts. */
export const SPARSE_CORE: WasmModuleSpec = moduleAt(
  "sparse attention core",
  "../lib/attention/sparse_kernel/simd/",
  "core",
  { optimizeLevel: 3, shrinkLevel: 0, runtime: "stub", noAssert: true, enable: ["simd"] },
);

/** The dense product: as the core, plus relaxed SIMD, and the memory imported, not its own. */
export const DENSE_MATMUL: WasmModuleSpec = moduleAt(
  "dense matrix product",
  "../lib/attention/tf/simd_matmul/",
  "matmul",
  {
    optimizeLevel: 3,
    shrinkLevel: 0,
    runtime: "stub",
    noAssert: true,
    enable: ["simd", "relaxed-simd"],
    importMemory: true,
  },
);

export const WASM_MODULES: readonly WasmModuleSpec[] = [SPARSE_CORE, DENSE_MATMUL];

/** Compiles a source text to wasm bytes; throws with the compiler's diagnostics on failure. */
export async function compileModule(
  source: string,
  options: WasmBuildOptions,
): Promise<Uint8Array> {
  const result = await asc.compileString({ "module.ts": source }, {
    ...options,
    enable: [...options.enable],
  });
  if (result.error || !result.binary) {
    throw new Error(`asc failed: ${result.error?.message ?? "no binary"}\n${result.stderr}`);
  }
  return result.binary;
}

/** A fresh build of a module's committed source, with its manifest. */
export async function buildModule(
  spec: WasmModuleSpec,
): Promise<{ wasm: Uint8Array; manifest: WasmManifest }> {
  const source = Deno.readTextFileSync(spec.sourcePath);
  const wasm = await compileModule(source, spec.options);
  const manifest: WasmManifest = {
    compiler: COMPILER,
    options: spec.options,
    sourceSha256: sha256(source),
    wasmSha256: sha256(wasm),
  };
  return { wasm, manifest };
}

/** The manifest as it is written to disk. */
export function manifestText(manifest: WasmManifest): string {
  return JSON.stringify(manifest, null, 2) + "\n";
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
  let allSame = true;
  for (const spec of WASM_MODULES) {
    const { wasm, manifest } = await buildModule(spec);
    const text = manifestText(manifest);
    if (check) {
      let same = false;
      try {
        same = sameBytes(Deno.readFileSync(spec.wasmPath), wasm) &&
          Deno.readTextFileSync(spec.manifestPath) === text;
      } catch {
        same = false;
      }
      console.log(`${spec.name}: ${same ? "matches its source" : "differs from a fresh build"}`);
      allSame &&= same;
      continue;
    }
    await writeFileAtomic(spec.wasmPath, wasm);
    await writeFileAtomic(spec.manifestPath, text);
    console.log(`wrote ${spec.wasmPath} (${wasm.length} bytes, sha256 ${manifest.wasmSha256})`);
  }
  if (check) Deno.exit(allSame ? 0 : 1);
}
