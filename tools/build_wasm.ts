/**
 * deno task build-wasm [--check]
 *
 * Compiles the lab's WebAssembly modules from their AssemblyScript sources with the pinned npm
 * `assemblyscript` compiler and writes each `.wasm` beside its source, with a `.wasm.json`
 * recording the compiler, its options and the SHA-256 of the source and of the binary:
 *
 * - the float32 SIMD sparse attention core (lib/attention/sparse_kernel/simd/core.as);
 * - the heap kernels of the training path (lib/attention/tf/heap_kernels/kernels.as: the dense
 *   matrix product, LayerNorm, the softmax cross-entropy), which import TensorFlow.js's wasm
 *   memory and use the relaxed fused multiply-add.
 *
 * - the sparse core again, compiled to import TensorFlow.js's memory as the heap kernels do
 *   (lib/attention/tf/heap_kernels/sparse_core.wasm, from the same core.as).
 *
 * All import their shared helpers from lib/attention/simd_math.as, supplied to the compiler as
 * "./simd_math" (its SHA-256 is recorded in each manifest too).
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
  sharedSha256: string;
  wasmSha256: string;
}

/** The helpers every module imports as "./simd_math". */
export const SHARED_SOURCE_PATH = pathFromUrl("../lib/attention/simd_math.as", import.meta.url);

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

/** The heap kernels: as the core, plus relaxed SIMD, and the memory imported, not their own. */
export const HEAP_KERNELS: WasmModuleSpec = moduleAt(
  "heap kernels",
  "../lib/attention/tf/heap_kernels/",
  "kernels",
  {
    optimizeLevel: 3,
    shrinkLevel: 0,
    runtime: "stub",
    noAssert: true,
    enable: ["simd", "relaxed-simd"],
    importMemory: true,
  },
);

/**
 * The sparse core again, compiled to import TensorFlow.js's memory like the heap kernels, so
 * the training path runs it on tensors where they lie (the core has no data of its own to
 * place in that memory: it only reads and writes the addresses it is given).
 */
export const SPARSE_CORE_ON_HEAP: WasmModuleSpec = {
  name: "sparse attention core on the tfjs heap",
  sourcePath: SPARSE_CORE.sourcePath,
  wasmPath: pathFromUrl("../lib/attention/tf/heap_kernels/sparse_core.wasm", import.meta.url),
  manifestPath: pathFromUrl(
    "../lib/attention/tf/heap_kernels/sparse_core.wasm.json",
    import.meta.url,
  ),
  options: { ...SPARSE_CORE.options, importMemory: true },
};

export const WASM_MODULES: readonly WasmModuleSpec[] = [
  SPARSE_CORE,
  HEAP_KERNELS,
  SPARSE_CORE_ON_HEAP,
];

/** The options as the compiler's command-line arguments. */
export function compilerArguments(options: WasmBuildOptions): string[] {
  return [
    "--optimizeLevel",
    String(options.optimizeLevel),
    "--shrinkLevel",
    String(options.shrinkLevel),
    "--runtime",
    options.runtime,
    ...(options.noAssert ? ["--noAssert"] : []),
    "--enable",
    options.enable.join(","),
    ...(options.importMemory ? ["--importMemory"] : []),
  ];
}

/**
 * Compiles a module's source (with the shared helpers available as "./simd_math") to wasm bytes;
 * throws with the compiler's diagnostics on failure. The files live in memory: the module is
 * the only entry, so only its own exports become the binary's.
 */
export async function compileModule(
  source: string,
  shared: string,
  options: WasmBuildOptions,
): Promise<Uint8Array> {
  const files: Record<string, string> = { "module.ts": source, "simd_math.ts": shared };
  const written: Record<string, Uint8Array | string> = {};
  const stderr = asc.createMemoryStream();
  const args = [
    "module.ts",
    "--outFile",
    "module.wasm",
    ...compilerArguments(options),
  ];
  const result = await asc.main(args, {
    readFile: (name: string) => Object.hasOwn(files, name) ? files[name] : null,
    writeFile: (name: string, contents: Uint8Array | string) => {
      written[name] = contents;
    },
    listFiles: () => [],
    stdout: asc.createMemoryStream(),
    stderr,
  });
  const binary = written["module.wasm"];
  if (result.error || !(binary instanceof Uint8Array)) {
    throw new Error(`asc failed: ${result.error?.message ?? "no binary"}\n${stderr.toString()}`);
  }
  return binary;
}

/** A fresh build of a module's committed source, with its manifest. */
export async function buildModule(
  spec: WasmModuleSpec,
): Promise<{ wasm: Uint8Array; manifest: WasmManifest }> {
  const source = Deno.readTextFileSync(spec.sourcePath);
  const shared = Deno.readTextFileSync(SHARED_SOURCE_PATH);
  const wasm = await compileModule(source, shared, spec.options);
  const manifest: WasmManifest = {
    compiler: COMPILER,
    options: spec.options,
    sourceSha256: sha256(source),
    sharedSha256: sha256(shared),
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
