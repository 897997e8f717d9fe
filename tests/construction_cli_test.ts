/** `deno task construct`: text and JSON output, --ids, and the exit codes 0 / 1 / 2. */
import assert from "node:assert/strict";
import { runTool } from "./support/run_tool.ts";

async function construct(...args: string[]) {
  const { code, stdout, stderr } = await runTool("construct", args);
  return { code, out: stdout, err: stderr };
}

Deno.test("construct: verified case prints counts, c and the verdict (exit 0)", async () => {
  const { code, out } = await construct(
    "--pattern",
    "window",
    "--w",
    "1",
    "--n",
    "3",
    "--d",
    "1",
    "--delta",
    "0.25",
  );
  assert.equal(code, 0);
  assert.match(out, /contextual mapping 10 /);
  assert.match(out, /predicted contextual layers .* = 10/);
  assert.match(out, /c = 16 /);
  assert.match(out, /verified: yes/);
});

Deno.test("construct --json --ids: the documented keys, ids in grid order as decimal strings", async () => {
  const { code, out } = await construct(
    "--pattern",
    "strided",
    "--c",
    "2",
    "--n",
    "4",
    "--d",
    "1",
    "--delta",
    "1/4",
    "--json",
    "--ids",
  );
  assert.equal(code, 0);
  const result = JSON.parse(out);
  assert.equal(result.inputs, 256);
  assert.equal(result.layers.contextualMapping, 26);
  assert.equal(result.predictedContextualLayers, 26);
  assert.equal(result.c, 256);
  assert.equal(result.verified, true);
  assert.equal(result.ids.length, 256);
  assert.ok(
    result.ids.every((row: string[]) => row.length === 4 && row.every((id) => /^\d+$/.test(id))),
  );
  assert.equal(new Set(result.ids.flat()).size, 1024);
});

Deno.test("construct: an all-max constant that does not verify exits 1", async () => {
  const { code, out } = await construct(
    "--pattern",
    "star",
    "--n",
    "4",
    "--d",
    "1",
    "--delta",
    "0.25",
    "--shift-c",
    "4",
  );
  assert.equal(code, 1);
  assert.match(out, /verified: NO/);
});

Deno.test("construct: refused pattern and bad input exit 2 with one line", async () => {
  for (
    const args of [
      ["--pattern", "strided-causal", "--c", "2", "--n", "4", "--d", "1", "--delta", "0.5"],
      ["--pattern", "window", "--n", "4", "--d", "1", "--delta", "0.3"],
      ["--pattern", "window", "--n", "8", "--d", "2", "--delta", "0.25"],
      ["--pattern", "nope", "--n", "4", "--d", "1", "--delta", "0.5"],
    ]
  ) {
    const { code, err } = await construct(...args);
    assert.equal(code, 2, err);
    assert.equal(err.trim().split("\n").length, 1, err);
  }
  const { err } = await construct(
    "--pattern",
    "strided-causal",
    "--c",
    "2",
    "--n",
    "4",
    "--d",
    "1",
    "--delta",
    "0.5",
  );
  assert.match(err, /Assumption 1: \(3\) no mixing depth/);
});
