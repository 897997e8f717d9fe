/**
 * The house's shape, checked rather than described: no import cycle anywhere in lib/, tools/
 * or web/ (read from Deno's own module graph), and a public face a student can read
 * (`deno doc lib/mod.ts` lists at most MAX_PUBLIC_NAMES names). The per-file rules (function
 * length, imports between layers, mod.ts as export lists) are lint rules of
 * tools/lint/lab_rules.ts, run by `deno lint`; this test also proves that they fire.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { pathFromUrl } from "../../lib/util/system.ts";

const CHECKOUT = pathFromUrl("../../", import.meta.url);

/** The most names lib/mod.ts may export: what notebooks and students use, not the plumbing. */
const MAX_PUBLIC_NAMES = 200;

async function denoJson(args: string[]): Promise<unknown> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: CHECKOUT,
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(output.success, `deno ${args.join(" ")} failed`);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

/** Every entry point: the public face, each tool, the explorer server and the sweep's worker. */
function entryPoints(): string[] {
  const tools = [...Deno.readDirSync(join(CHECKOUT, "tools"))]
    .filter((entry) => entry.isFile && entry.name.endsWith(".ts"))
    .map((entry) => `tools/${entry.name}`);
  return ["lib/mod.ts", "web/server.ts", "lib/experiments/sweep_worker.ts", ...tools.sort()];
}

interface ModuleGraph {
  modules: { specifier: string; dependencies?: { code?: { specifier: string } }[] }[];
}

/** The checkout's own modules and their local imports, over every entry point. */
async function localImportGraph(): Promise<Map<string, Set<string>>> {
  const graph = new Map<string, Set<string>>();
  // a module's specifier is its URL: a checkout whose path holds a space appears as %20
  const root = pathToFileURL(CHECKOUT).href;
  for (const entry of entryPoints()) {
    const info = await denoJson(["info", "--json", entry]) as ModuleGraph;
    for (const module of info.modules) {
      if (!module.specifier.startsWith(root) || module.specifier.includes("/node_modules/")) {
        continue;
      }
      const edges = graph.get(module.specifier) ?? new Set<string>();
      for (const dependency of module.dependencies ?? []) {
        const target = dependency.code?.specifier;
        if (target?.startsWith(root) && !target.includes("/node_modules/")) edges.add(target);
      }
      graph.set(module.specifier, edges);
    }
  }
  return graph;
}

/** One cycle of the graph (as a path that starts and ends at the same module), if any. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

Deno.test("findCycle finds a cycle and only a cycle", () => {
  const acyclic = new Map([["a", new Set(["b", "c"])], ["b", new Set(["c"])], [
    "c",
    new Set<string>(),
  ]]);
  assert.equal(findCycle(acyclic), undefined);
  const cyclic = new Map([["a", new Set(["b"])], ["b", new Set(["c"])], ["c", new Set(["b"])]]);
  assert.deepEqual(findCycle(cyclic), ["b", "c", "b"]);
});

Deno.test("no import cycle in lib/, tools/ or web/", async () => {
  const graph = await localImportGraph();
  assert.ok(graph.size > 100, `the graph holds the checkout's modules (${graph.size})`);
  const cycle = findCycle(graph);
  const shown = cycle?.map((specifier) => specifier.slice(pathToFileURL(CHECKOUT).href.length));
  assert.equal(cycle, undefined, `import cycle: ${shown?.join(" → ")}`);
});

Deno.test(`the public face (deno doc lib/mod.ts) lists at most ${MAX_PUBLIC_NAMES} names`, async () => {
  const doc = await denoJson(["doc", "--json", "lib/mod.ts"]) as {
    nodes: Record<string, { symbols: { name: string }[] }>;
  };
  const names = Object.values(doc.nodes).flatMap((node) => node.symbols.map((s) => s.name));
  assert.ok(names.includes("SparsityPattern"), "the face names the lab's concepts");
  assert.ok(names.length <= MAX_PUBLIC_NAMES, `${names.length} names`);
});

Deno.test("the lab's lint rules fire on a long function, a layer crossed and an `export *`", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lab-lint-" });
  try {
    await Deno.mkdir(join(dir, "lib", "plot"), { recursive: true });
    await Deno.mkdir(join(dir, "lib", "train"), { recursive: true });
    const body = Array.from({ length: 101 }, (_, i) => `  total += ${i};`).join("\n");
    await Deno.writeTextFile(
      join(dir, "lib", "plot", "long.ts"),
      `import { x } from "../train/x.ts";\n` +
        `export function long(): number {\n  let total = x;\n${body}\n  return total;\n}\n`,
    );
    await Deno.writeTextFile(join(dir, "lib", "train", "x.ts"), "export const x = 1;\n");
    await Deno.writeTextFile(join(dir, "lib", "plot", "mod.ts"), `export * from "./long.ts";\n`);
    await Deno.writeTextFile(
      join(dir, "deno.json"),
      JSON.stringify({
        lint: { plugins: [pathToFileURL(`${CHECKOUT}tools/lint/lab_rules.ts`).href] },
      }),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["lint", "--config", join(dir, "deno.json"), join(dir, "lib")],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    assert.equal(output.success, false);
    assert.match(text, /lab\/function-length/);
    assert.match(text, /a function of 105 lines/);
    assert.match(text, /lab\/layer-imports.*\n?.*lib\/plot must not import lib\/train/);
    assert.match(text, /lab\/export-list/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
