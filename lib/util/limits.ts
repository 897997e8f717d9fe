/**
 * The lab's size limits, named in one place. Every tool checks its input against these before
 * it allocates anything, and refuses what exceeds them with one line naming the flag, the
 * value and the limit (exit 2). Each limit says what it protects.
 */

/** Largest file the explorer server sends (the largest vendored file, ONNX Runtime's wasm, is about 28 MB). */
export const SERVED_FILE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Largest n `deno task pattern` analyses. Reach sets are kept as runs of intervals, so O(n)
 * patterns up to this n are decided in seconds; a pattern whose sets fragment falls back to
 * n²-bit sets only up to n = 4,096 and is bounded (undecided) above.
 */
export const MAX_PATTERN_N = 65_536;

/**
 * Most connections (summed over a schedule's patterns) a pattern may have: bounds the key
 * lists built row by row and the CSR arrays (a pattern at the limit peaks at 0.2 to 0.75 GB
 * while it is built, 64 MiB after). Dense patterns are refused above n = 4,096 (4,096² = 2^24);
 * O(n) patterns fit far beyond n = 65,536, strided with its default c = ⌈√n⌉ up to n = 31,418.
 */
export const MAX_PATTERN_CONNECTIONS = 16_777_216;

/**
 * Largest pattern file read: bounds the text and its parsed arrays. Every key index takes at
 * least two bytes (a digit and a separator), so no file within it exceeds the connection limit.
 */
export const MAX_PATTERN_FILE_BYTES = 2 * MAX_PATTERN_CONNECTIONS;

/**
 * The largest grid the construction enumerates, |G_δ| = (1/δ)^(n·d) inputs: bounds the time and
 * memory of running every grid input through every layer in exact BigInt arithmetic.
 */
export const MAX_EXHAUSTIVE_INPUTS = 65_536;

/**
 * Largest n `deno task construct` takes: with d ≥ 1 and δ ≤ 1/2 the grid holds at least 2^n
 * inputs, so no larger n fits MAX_EXHAUSTIVE_INPUTS; checked before the pattern is built.
 */
export const MAX_CONSTRUCT_N = Math.log2(MAX_EXHAUSTIVE_INPUTS);

/**
 * Most layers a layer count may plan, p(n−1)δ^(−d) + s: the counts are read off the built
 * layer plans, one object per layer, so this bounds their memory and time.
 */
export const MAX_PLANNED_LAYERS = 1_048_576;

/**
 * Largest n `deno task export` writes: the pattern is stored as a constant n×n float32 mask per
 * distinct pattern (16 MiB at 2,048), and --check runs dense attention over it.
 */
export const MAX_EXPORT_N = 2_048;

/**
 * Largest sequence length the attention benchmark times (twice its default largest length): the
 * sparse layer's arrays grow with the connections, O(n^1.5) for the strided pattern.
 */
export const BENCH_MAX_TOKENS = 32_768;

/**
 * Largest length at which the benchmark runs the dense-masked layer (`--dense-max-n`): its
 * scores, weights and their gradients are n² floats per head, over 4 GB together at n = 8192.
 */
export const BENCH_DENSE_MAX_TOKENS = 8_192;
