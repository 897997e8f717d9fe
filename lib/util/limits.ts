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
 * Most patterns a pattern file may list (the p of its schedule): a schedule cycles its patterns
 * over layers, and no construction or experiment uses more than a handful.
 */
export const MAX_PATTERNS_PER_FILE = 1_024;

/**
 * Most arrays a pattern file may hold in all (one per pattern and one per A_k of each, Σ p·n):
 * counted on the text before it is parsed, so a file of millions of tiny patterns is refused
 * before its parsed arrays (about 60 bytes each) are allocated; 2^22 arrays parse within 0.3 GB.
 */
export const MAX_PATTERN_FILE_ARRAYS = 4_194_304;

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

/** Most blocks a model (or an experiment's `--layers`) may stack: 16 times the deepest run of the lab. */
export const MAX_MODEL_LAYERS = 64;

/** The most seeds `experiment --seeds K` trains (a verdict needs five; a hundred is a study). */
export const MAX_SWEEP_SEEDS = 100;

/** Largest model width (the paper's d) a model file may declare. */
export const MAX_MODEL_WIDTH = 4_096;

/** Largest feed-forward width a model file may declare. */
export const MAX_MODEL_FF_WIDTH = 16_384;

/** Longest sequence a model file's positional table may cover. */
export const MAX_MODEL_LENGTH = MAX_PATTERN_N;

/** Largest vocabulary or class count a model file may declare. */
export const MAX_MODEL_OUTPUTS = 1_048_576;

/**
 * Most float32 parameters a model file may hold, and a model built from its config may
 * allocate (estimated before it is built): 64 MiB of weights, over a hundred times the lab's
 * largest trained model, so loading one stays far below a gigabyte.
 */
export const MAX_MODEL_PARAMETERS = 16_777_216;

/** Largest model weights file (`<stem>.bin`): exactly its parameters as float32. */
export const MAX_MODEL_FILE_BYTES = 4 * MAX_MODEL_PARAMETERS;

/** Largest model manifest (`<stem>.json`): names, shapes and offsets, the config, a vocabulary. */
export const MAX_MODEL_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Largest result file a sweep reads: a run's fields and its curve (the lab's are under 50 kB). */
export const MAX_RESULT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Largest notebook the runner reads: committed notebooks have no outputs and are under 100 kB;
 * an executed copy carries its figures' data, a few megabytes at most.
 */
export const MAX_NOTEBOOK_FILE_BYTES = 64 * 1024 * 1024;

/** Longest name from a file (a pattern's, a run's) that a message prints; the rest is cut. */
export const MAX_PRINTED_NAME_CHARS = 200;
