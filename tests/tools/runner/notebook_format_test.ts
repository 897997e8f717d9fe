/** The notebook formatting check: a badly formatted cell is found, a formatted notebook is not. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { unformattedNotebooks } from "../../../tools/runner/format.ts";

function notebookWith(code: string): string {
  return JSON.stringify(
    {
      cells: [{
        cell_type: "code",
        execution_count: null,
        id: "a",
        metadata: {},
        outputs: [],
        source: [code],
      }],
      metadata: {
        kernelspec: { display_name: "Deno", language: "typescript", name: "deno" },
        language_info: { name: "typescript" },
      },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  ) + "\n";
}

Deno.test("unformattedNotebooks names the notebook deno fmt would change, and only that one", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.copyFile("deno.json", join(root, "deno.json"));
    const messy = join(root, "messy.ipynb");
    const tidy = join(root, "tidy.ipynb");
    await Deno.writeTextFile(messy, notebookWith("const  x=[1,2,3]"));
    await Deno.writeTextFile(tidy, notebookWith("const x = [1, 2, 3];"));
    // Whatever deno fmt makes of the tidy one is tidy by definition: format it first.
    await new Deno.Command(Deno.execPath(), { args: ["fmt", tidy], cwd: root }).output();
    assert.deepEqual(await unformattedNotebooks([messy, tidy], root), ["messy.ipynb"]);
    assert.ok(
      (await Deno.readTextFile(messy)).includes("const  x=[1,2,3]"),
      "the original is untouched",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
