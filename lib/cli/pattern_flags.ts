/**
 * The pattern every tool reads the same way: `--<nameFlag> NAME [pattern flags] --n N` for a
 * named pattern of the zoo (its parameters are flags of the same names), or `--file FILE` for
 * a pattern file. Bad input throws an InputError naming the flag and value.
 */
import { buildPattern, type Schedule, scheduleFromJson, ZOO } from "../pattern/mod.ts";
import { InputError } from "../util/errors.ts";
import { numberFlag, type ParsedFlags, rejectUnknownFlags } from "./flags.ts";

/**
 * Rejects flags that neither the tool (`toolFlags`) nor the chosen pattern takes, then builds
 * the schedule. `nameFlag` is "name" for `deno task pattern`, "pattern" elsewhere.
 */
export async function scheduleFromFlags(
  parsed: ParsedFlags,
  options: { nameFlag: string; toolFlags: readonly string[] },
): Promise<Schedule> {
  const { flags } = parsed;
  const { nameFlag, toolFlags } = options;
  const allowed = [nameFlag, "file", ...toolFlags];
  if (flags.has("file")) {
    rejectUnknownFlags(parsed, allowed);
    const path = String(flags.get("file"));
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch {
      throw new InputError("--file", path, "cannot be read");
    }
    return scheduleFromJson(text, path.replace(/^.*\//, "").replace(/\.json$/, ""), path);
  }
  const name = flags.get(nameFlag);
  if (typeof name !== "string") {
    throw new InputError(`--${nameFlag} or --file`, undefined, "one is required (see --help)");
  }
  const entry = ZOO[name];
  if (!entry) {
    throw new InputError(
      `--${nameFlag}`,
      name,
      `unknown pattern; known: ${Object.keys(ZOO).join(", ")}`,
    );
  }
  rejectUnknownFlags(parsed, [...allowed, ...entry.params.map((p) => p.name)]);
  const params: Record<string, number | string> = {};
  for (const spec of entry.params) {
    const value = flags.get(spec.name);
    if (value === undefined) continue;
    params[spec.name] = spec.kind === "string" ? String(value) : numberFlag(spec.name, value);
  }
  if (params.n === undefined) {
    throw new InputError("--n", undefined, "the sequence length is required");
  }
  return buildPattern(name, params);
}
