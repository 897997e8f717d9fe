/**
 * The course plan (notebooks/README.md, "Course plan") fits its lectures: each numbered lecture's
 * notebooks hold at most MAX_CODE_LINES lines of code and MAX_EXERCISES exercises together, and
 * every notebook belongs to exactly one lecture, so a 90-minute lecture is not planned with more
 * than it can hold and no notebook is left out.
 */
import assert from "node:assert/strict";
import { pathFromUrl } from "../../lib/util/system.ts";

const NOTEBOOKS = pathFromUrl("../../notebooks/", import.meta.url);
const MAX_CODE_LINES = 300;
const MAX_EXERCISES = 6;

interface Cell {
  cell_type: string;
  source: string | string[];
  metadata?: { lab?: { exercise?: number } };
}

/** Lines of code and exercises of one notebook. */
function size(file: string): { codeLines: number; exercises: number } {
  const cells: Cell[] = JSON.parse(Deno.readTextFileSync(`${NOTEBOOKS}/${file}`)).cells;
  const text = (cell: Cell) => Array.isArray(cell.source) ? cell.source.join("") : cell.source;
  return {
    codeLines: cells.filter((c) => c.cell_type === "code")
      .reduce((sum, c) => sum + text(c).split("\n").filter((line) => line.trim()).length, 0),
    exercises: cells.filter((c) => c.metadata?.lab?.exercise !== undefined).length,
  };
}

/** The plan's lectures: each numbered item's notebook files, in order. */
function lectures(): { number: number; notebooks: string[] }[] {
  const readme = Deno.readTextFileSync(`${NOTEBOOKS}/README.md`);
  const plan = readme.slice(readme.indexOf("## Course plan"));
  const items = plan.split(/\n(?=\d+\. \*\*)/).slice(1);
  return items.map((item) => ({
    number: Number(item.match(/^(\d+)\./)![1]),
    notebooks: [...new Set([...item.matchAll(/\((\d\d_[a-z0-9_]+\.ipynb)\)/g)].map((m) => m[1]))],
  }));
}

Deno.test("every lecture of the course plan fits: code lines and exercises", () => {
  const planned = lectures();
  assert.ok(planned.length >= 2, "the plan has lectures");
  assert.deepEqual(planned.map((l) => l.number), planned.map((_, i) => i + 1), "numbered 1, 2, …");
  for (const lecture of planned) {
    assert.ok(lecture.notebooks.length > 0, `lecture ${lecture.number} names a notebook`);
    const sizes = lecture.notebooks.map(size);
    const codeLines = sizes.reduce((sum, s) => sum + s.codeLines, 0);
    const exercises = sizes.reduce((sum, s) => sum + s.exercises, 0);
    assert.ok(
      codeLines <= MAX_CODE_LINES,
      `lecture ${lecture.number} (${lecture.notebooks.join(", ")}): ${codeLines} lines of code`,
    );
    assert.ok(
      exercises <= MAX_EXERCISES,
      `lecture ${lecture.number} (${lecture.notebooks.join(", ")}): ${exercises} exercises`,
    );
  }
});

Deno.test("every notebook belongs to exactly one lecture", () => {
  const files = [...Deno.readDirSync(NOTEBOOKS)]
    .map((e) => e.name).filter((name) => /^\d\d_.*\.ipynb$/.test(name)).sort();
  const named = lectures().flatMap((l) => l.notebooks);
  assert.deepEqual([...named].sort(), files);
});
