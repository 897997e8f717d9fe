/**
 * The lab's size limits, named in one place. Every tool checks its input against these before
 * it allocates anything, and refuses what exceeds them with one line naming the flag, the
 * value and the limit (exit 2). Each limit says what it protects.
 */

/** Largest file the explorer server sends (the largest vendored file, ONNX Runtime's wasm, is about 28 MB). */
export const SERVED_FILE_MAX_BYTES = 64 * 1024 * 1024;
