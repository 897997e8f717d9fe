/**
 * deno task course --student DIR [--site DIR]
 *
 * Writes what a teacher hands out (tools/runner/student.ts): the course site that
 * `deno task reproduce` built (default out/; answer cells blank, every link inside the site)
 * with index.html at the top of DIR, and under DIR/lab/ the project without the exercises'
 * solutions, ready for `deno task lab`. DIR must be new or empty. Exit 2 with one line naming
 * the flag, its value and the limit for bad input; nothing is written then.
 */
import { parseFlags, rejectPositionals, rejectUnknownFlags, runTool } from "./cli/flags.ts";
import { InputError } from "../lib/util/errors.ts";
import { pathFromUrl } from "../lib/util/system.ts";
import { STUDENT_LAB_DIR, writeStudentBundle } from "./runner/student.ts";

const USAGE = `usage: deno task course --student DIR [--site DIR]
  --student DIR  a new (or empty) folder for the student bundle: the site, and the project
                 without the solutions under DIR/${STUDENT_LAB_DIR}/
  --site DIR     the site deno task reproduce wrote (default out; not one built with --solutions)`;

await runTool("course", async () => {
  const parsed = parseFlags(Deno.args, ["help"]);
  rejectUnknownFlags(parsed, ["student", "site", "help"]);
  rejectPositionals(parsed);
  if (parsed.flags.has("help")) return void console.log(USAGE);
  const value = (name: string, fallback?: string) => {
    const given = parsed.flags.get(name) ?? fallback;
    if (given === undefined) {
      throw new InputError(`--${name}`, undefined, "expected a folder (see --help)");
    }
    if (given === true || given === "") {
      throw new InputError(`--${name}`, given, "expected a value");
    }
    return given;
  };
  const destination = value("student");
  const siteDir = value("site", "out");
  const bundle = await writeStudentBundle({
    siteDir,
    destination,
    projectRoot: pathFromUrl(new URL("..", import.meta.url)),
  });
  console.log(
    `course: wrote ${destination}: the site (${bundle.siteFiles} files; open index.html) and ` +
      `${destination}/${STUDENT_LAB_DIR}/ (${bundle.labFiles} files, no solutions)`,
  );
});
