/**
 * The registry of named patterns: the names used by command-line flags, notebooks, the sweeps
 * and files, each mapped to its family's entry (one family a file under families/: its
 * definition, constructor, entry and parameter space) or to a composition of a two-pattern
 * family, SEQUENTIAL or UNION. Names are looked up as own properties only, so `constructor` or
 * `__proto__` is an unknown name, never a built-in of Object.prototype. The constructors are
 * re-exported here, so code imports every pattern from one place.
 */
import { InputError, requireInteger } from "../util/errors.ts";
import { MAX_PATTERN_CONNECTIONS } from "../util/limits.ts";
import { Schedule, unionOf } from "./pattern.ts";
import { bigbirdEntry } from "./families/bigbird.ts";
import { denseEntry } from "./families/dense.ts";
import { C, N, type ParamSpec, type PatternParams, type ZooEntry } from "./families/family.ts";
import { fixedCausalEntry, fixedEntry, SUMMARY } from "./families/fixed.ts";
import { longformerEntry } from "./families/longformer.ts";
import { randomEntry } from "./families/random.ts";
import { causalStarEntry, starEntry } from "./families/star.ts";
import { stridedCausalEntry, stridedEntry } from "./families/strided.ts";
import { selfOnlyEntry, windowEntry } from "./families/window.ts";
import { windowRelayEntry } from "./families/window_relay.ts";

export { bigbird } from "./families/bigbird.ts";
export { dense } from "./families/dense.ts";
export type { ParameterSpace, ParamSpec, ZooEntry } from "./families/family.ts";
export { fixed, fixedCausal } from "./families/fixed.ts";
export { longformer } from "./families/longformer.ts";
export { random } from "./families/random.ts";
export { star } from "./families/star.ts";
export { strided, stridedCausal } from "./families/strided.ts";
export { slidingWindow } from "./families/window.ts";
export { windowRelay } from "./families/window_relay.ts";

/** Every family's entry, in the order the registry lists them. */
const FAMILIES: readonly ZooEntry[] = [
  denseEntry,
  windowEntry,
  stridedEntry,
  stridedCausalEntry,
  fixedEntry,
  fixedCausalEntry,
  starEntry,
  causalStarEntry,
  windowRelayEntry,
  longformerEntry,
  bigbirdEntry,
  randomEntry,
  selfOnlyEntry,
];

/** The two-pattern families whose combinations the paper compares. */
const TWO_PATTERN_FAMILIES: readonly string[] = FAMILIES
  .filter((entry) => entry.numPatterns === 2)
  .map((entry) => entry.name);

/** SEQUENTIAL configuration: the family's two patterns cycled over layers (p = 2). */
export function sequential(family: Schedule): Schedule {
  return new Schedule(`sequential ${family.name}`, family.patterns);
}

/** UNION configuration: one pattern holding both of the family's patterns (p = 1). */
export function union(family: Schedule): Schedule {
  const name = `union ${family.name}`;
  return new Schedule(name, [unionOf(family.patterns, name)]);
}

const OF: ParamSpec = {
  name: "of",
  kind: "string",
  description: `two-pattern family: ${TWO_PATTERN_FAMILIES.join(", ")}`,
  default: "strided",
};

function familyBound(params: PatternParams): number {
  const family = params.of as string;
  return TWO_PATTERN_FAMILIES.includes(family) ? ZOO[family].maxConnections(params) : 0;
}

function familyOf(params: PatternParams): Schedule {
  const family = params.of as string;
  if (!TWO_PATTERN_FAMILIES.includes(family)) {
    throw new InputError("of", family, `expected one of ${TWO_PATTERN_FAMILIES.join(", ")}`);
  }
  return ZOO[family].build(params);
}

/** The compositions of a two-pattern family, named by its `of` parameter. */
const COMPOSITIONS: readonly ZooEntry[] = [
  {
    name: "sequential",
    description: "a two-pattern family cycled over layers (p = 2)",
    params: [N, OF, C, SUMMARY],
    numPatterns: 2,
    build: (p) => sequential(familyOf(p)),
    maxConnections: familyBound,
  },
  {
    name: "union",
    description: "a two-pattern family merged into one pattern (p = 1)",
    params: [N, OF, C, SUMMARY],
    numPatterns: 1,
    build: (p) => union(familyOf(p)),
    maxConnections: familyBound,
  },
];

/**
 * Every named pattern: the names used by flags (`--name`), notebooks and files. A frozen
 * object without prototype, so `ZOO[name]` and `name in ZOO` see only the patterns; look names
 * up with {@link zooEntry}.
 */
export const ZOO: Readonly<Record<string, ZooEntry>> = Object.freeze(Object.assign(
  Object.create(null) as Record<string, ZooEntry>,
  Object.fromEntries([...FAMILIES, ...COMPOSITIONS].map((entry) => [entry.name, entry])),
));

/** The registry entry named `name` (own entries only), or undefined. */
export function zooEntry(name: string): ZooEntry | undefined {
  return typeof name === "string" && Object.hasOwn(ZOO, name) ? ZOO[name] : undefined;
}

/** The registry entry named `name`; an unknown name throws naming `parameter` and every known name. */
export function requireZooEntry(name: string, parameter = "name"): ZooEntry {
  const entry = zooEntry(name);
  if (!entry) {
    throw new InputError(parameter, name, `unknown pattern; known: ${Object.keys(ZOO).join(", ")}`);
  }
  return entry;
}

/**
 * A named pattern's parameters from loosely typed input (flags, JSON): fills defaults, checks
 * that every value has its kind and rejects parameters the pattern does not take. Ranges
 * (w ≥ 0, c ≥ 1, …) are checked by the constructor.
 */
export function resolvePatternParams(
  name: string,
  params: Record<string, unknown>,
): Record<string, number | string> {
  const entry = requireZooEntry(name);
  const known = new Set(entry.params.map((p) => p.name));
  for (const key of Object.keys(params)) {
    if (!known.has(key)) {
      throw new InputError(
        key,
        params[key],
        `pattern "${name}" takes no parameter "${key}" (it takes ${[...known].join(", ")})`,
      );
    }
  }
  const n = requireInteger("n", params.n, 1);
  const resolved: PatternParams = {};
  for (const spec of entry.params) {
    let value = Object.hasOwn(params, spec.name) ? params[spec.name] : undefined;
    if (value === undefined) {
      if (spec.default === undefined) {
        throw new InputError(spec.name, undefined, `pattern "${name}" needs ${spec.description}`);
      }
      value = typeof spec.default === "function" ? spec.default(n) : spec.default;
    }
    if (spec.kind === "string") {
      if (typeof value !== "string") throw new InputError(spec.name, value, "expected a name");
    } else if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new InputError(
        spec.name,
        value,
        `expected ${spec.kind === "integer" ? "an integer" : "a number"}`,
      );
    }
    resolved[spec.name] = value as number | string;
  }
  return resolved;
}

/** An upper bound on the connections of the named pattern with these resolved parameters. */
export function patternConnectionBound(name: string, resolved: Record<string, number | string>) {
  return requireZooEntry(name).maxConnections(resolved);
}

/**
 * Builds a named pattern from loosely typed parameters (flags, JSON): fills defaults, checks
 * every value and rejects parameters the pattern does not take. A pattern whose connections
 * could exceed `maxConnections` (default MAX_PATTERN_CONNECTIONS) is refused before it is built.
 */
export function buildPattern(
  name: string,
  params: Record<string, unknown>,
  options: { maxConnections?: number } = {},
): Schedule {
  const entry = requireZooEntry(name);
  const resolved = resolvePatternParams(name, params);
  const limit = options.maxConnections ?? MAX_PATTERN_CONNECTIONS;
  const bound = entry.maxConnections(resolved);
  if (!(bound <= limit)) {
    throw new InputError(
      "n",
      resolved.n,
      `pattern "${name}" would have up to ${bound} connections; the limit is ${limit}`,
    );
  }
  return entry.build(resolved);
}
