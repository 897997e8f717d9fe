/**
 * The public face of the lab: notebooks import everything from here (`../lib/mod.ts`).
 */
export { quickMode } from "./env.ts";
export { InputError } from "./util/errors.ts";
export { seededRng } from "./util/random.ts";
export { claim, claimClose, ClaimError } from "./util/claim.ts";
export { logLogSlope } from "./util/fit.ts";
export * from "./pattern/mod.ts";
export * from "./plot/mod.ts";
export * from "./attention/mod.ts";
export * from "./construction/mod.ts";
export * from "./export/mod.ts";
export * from "./train/mod.ts";
