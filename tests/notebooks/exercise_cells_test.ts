/**
 * The notebooks' exercises as a student meets them: in every notebook with exercises (01–16)
 * every check cell calls a named check of lib/exercises and shows nothing of how the answer is
 * computed, and no question asks to predict "without reading" something an earlier cell shows.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathFromUrl } from "../../lib/util/system.ts";
import { experimentExercises } from "../../lib/exercises/experiments.ts";
import { frameworkExercises } from "../../lib/exercises/framework.ts";
import { layerExercises } from "../../lib/exercises/layers.ts";
import { proofExercises } from "../../lib/exercises/proof.ts";
import { listNotebooks, readNotebook } from "../../tools/runner/notebook.ts";

const NOTEBOOKS = pathFromUrl(new URL("../../notebooks", import.meta.url));
const NAMED = [
  ...["01", "02", "03", "04", "05", "06", "07", "08", "09"],
  ...["10", "11", "12", "13", "14", "15", "16"],
];
const CHECKS: Record<string, Record<string, unknown>> = {
  frameworkExercises,
  layerExercises,
  proofExercises,
  experimentExercises,
};

const sourceOf = (cell: { source: string | string[] }) => [cell.source].flat().join("");

Deno.test("every notebook's check cells call a named check and nothing else", async () => {
  const names = (await listNotebooks(NOTEBOOKS)).filter((name) => NAMED.includes(name.slice(0, 2)));
  assert.equal(names.length, NAMED.length);
  let checks = 0;
  for (const name of names) {
    const notebook = await readNotebook(join(NOTEBOOKS, name));
    for (const cell of notebook.cells) {
      const source = sourceOf(cell).trim();
      if (cell.cell_type !== "code" || !source.startsWith("checkExercise(")) continue;
      checks++;
      const call = new RegExp(
        `^checkExercise\\((\\d+), answer\\1, (${Object.keys(CHECKS).join("|")})\\.(\\w+)` +
          "(\\([^()]*\\))?\\);$",
      ).exec(source);
      assert.ok(call, `${name}: ${source}`);
      assert.equal(typeof CHECKS[call[2]][call[3]], "function", `${call[2]}.${call[3]}`);
    }
  }
  assert.equal(checks, 47, "3 exercises in each notebook, 4 in 07, 2 in 13 and 16");
});

Deno.test("no exercise asks for a prediction 'without reading' what a cell above shows", async () => {
  const found: string[] = [];
  for (const name of await listNotebooks(NOTEBOOKS)) {
    const notebook = await readNotebook(join(NOTEBOOKS, name));
    notebook.cells.forEach((cell) => {
      const text = sourceOf(cell);
      if (cell.cell_type === "markdown" && /without (reading|looking at) the/i.test(text)) {
        found.push(`${name}: ${/without (reading|looking at) the [^.]*/i.exec(text)![0]}`);
      }
    });
  }
  assert.deepEqual(found, []);
});
