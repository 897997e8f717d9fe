/**
 * The lab's size limits, named in one place. Every tool checks its input against these before
 * it allocates anything, and refuses what exceeds them with one line naming the flag, the
 * value and the limit (exit 2). Each limit says what it protects.
 */

/** Largest file the explorer server sends (the largest vendored file, ONNX Runtime's wasm, is about 28 MB). */
export const SERVED_FILE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * Largest sequence length the attention benchmark times (twice its default largest length): the
 * sparse layer's arrays grow with the connections, O(n^1.5) for the strided pattern.
 */
export const BENCH_MAX_TOKENS = 32768;

/**
 * Largest length at which the benchmark runs the dense-masked layer (`--dense-max-n`): its
 * scores, weights and their gradients are n² floats per head, over 4 GB together at n = 8192.
 */
export const BENCH_DENSE_MAX_TOKENS = 8192;
