// Solutions to the exercises of notebook 16 (ONNX export and the browser). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// n² float32 entries of 4 bytes: 128 · 128 · 4
const answer1 = 128 * 128 * Float32Array.BYTES_PER_ELEMENT;
// @exercise 2
// layer 0 uses the schedule's first pattern; a causal row holds only keys ≤ k < used
const spec = saved.patternSpec!;
const charPattern = buildPattern(spec.name, { n: charN, ...spec.params });
const answer2 = charPattern.patterns[0].rowSize(used - 1);
