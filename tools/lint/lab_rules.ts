/**
 * The lab's own lint rules (a `deno lint` plugin, registered in deno.json), so that the shape
 * the README's architecture promises is checked on every `deno task test`, not by a reader:
 *
 * - `lab/function-length`: no function (declaration, expression, arrow or method) in lib/ or
 *   tools/ longer than MAX_FUNCTION_LINES lines: a reader can hold it (a test's body may run
 *   longer: it is a script of steps, not a function to hold).
 * - `lab/layer-imports`: lib/ imports flow one way (pattern → attention → construction |
 *   train → experiments → plot / export); `lib/plot` draws plain data, so it imports neither
 *   lib/train nor lib/pattern, and lib/train imports no plot; nothing under lib/ imports tools/
 *   or web/.
 * - `lab/export-list`: a `mod.ts` under lib/ is an export list that names what it exports (no
 *   `export *`), so the public face is read, not inferred.
 */

/** The longest function the rule allows, in lines (declaration line to closing brace). */
export const MAX_FUNCTION_LINES = 100;

/** Folders under lib/ that a folder under lib/ must not import, with why. */
const FORBIDDEN_IMPORTS: Record<string, { folders: string[]; why: string }> = {
  plot: { folders: ["train", "pattern", "experiments"], why: "plots take plain data" },
  train: {
    folders: ["plot", "experiments"],
    why: "training produces plain data; experiments sit below it",
  },
  pattern: {
    folders: ["attention", "construction", "train", "experiments", "export", "plot"],
    why: "patterns come first in the data flow",
  },
  attention: {
    folders: ["construction", "train", "experiments", "export", "plot"],
    why: "attention sits above models and training",
  },
  util: {
    folders: [
      "pattern",
      "attention",
      "construction",
      "train",
      "experiments",
      "export",
      "plot",
      "bench",
    ],
    why: "util is shared by every layer",
  },
};

/** The lib/ folder a file belongs to ("train" for lib/train/x.ts), or undefined outside lib/. */
function libFolder(path: string): string | undefined {
  return /\/lib\/([^/]+)\//.exec(path)?.[1];
}

function isInLib(path: string): boolean {
  return /\/lib\//.test(path);
}

const plugin: Deno.lint.Plugin = {
  name: "lab",
  rules: {
    "function-length": {
      create(context) {
        const path = context.filename;
        if (/\/tests\//.test(path) || !/\/(lib|tools)\//.test(path)) return {};
        const check = (node: Deno.lint.Node) => {
          const [start, end] = node.range;
          const lines = context.sourceCode.text.slice(start, end).split("\n").length;
          if (lines > MAX_FUNCTION_LINES) {
            context.report({
              node,
              message: `a function of ${lines} lines; split it below ${MAX_FUNCTION_LINES}`,
            });
          }
        };
        return {
          FunctionDeclaration: check,
          FunctionExpression: check,
          ArrowFunctionExpression: check,
        };
      },
    },
    "layer-imports": {
      create(context) {
        const from = context.filename;
        const folder = libFolder(from);
        const check = (
          node:
            | Deno.lint.ImportDeclaration
            | Deno.lint.ExportNamedDeclaration
            | Deno.lint.ExportAllDeclaration,
        ) => {
          if (!isInLib(from) || !node.source) return;
          const specifier = node.source.value;
          if (!specifier.startsWith(".")) return;
          const target = new URL(specifier, `file://${from}`).pathname;
          if (/\/(tools|web)\//.test(target) && !isInLib(target)) {
            context.report({
              node,
              message: `lib/ imports nothing from tools/ or web/ (${specifier})`,
            });
            return;
          }
          const rule = folder ? FORBIDDEN_IMPORTS[folder] : undefined;
          const targetFolder = libFolder(target);
          if (rule && targetFolder && rule.folders.includes(targetFolder)) {
            context.report({
              node,
              message:
                `lib/${folder} must not import lib/${targetFolder}: ${rule.why} (${specifier})`,
            });
          }
        };
        return {
          ImportDeclaration: check,
          ExportNamedDeclaration: check,
          ExportAllDeclaration: check,
        };
      },
    },
    "export-list": {
      create(context) {
        if (!isInLib(context.filename) || !context.filename.endsWith("/mod.ts")) return {};
        return {
          ExportAllDeclaration(node) {
            context.report({
              node,
              message: "a mod.ts names what it exports: list the names instead of `export *`",
            });
          },
        };
      },
    },
  },
};

export default plugin;
