/** Which tokens may talk: patterns, schedules, the zoo and Assumption 1. */
export * from "./pattern.ts";
export * from "./zoo.ts";
export * from "./assumption1.ts";
