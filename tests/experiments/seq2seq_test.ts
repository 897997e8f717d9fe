/**
 * Greedy decoding of the seq2seq experiment: decoding on prefixes of the unfinished sentences gives
 * the hypotheses that decoding the whole padded batch at every position gives.
 */
import assert from "node:assert/strict";
import { initTf, tf } from "../../lib/attention/tf/backend.ts";
import { EncoderDecoder } from "../../lib/attention/tf/models.ts";
import { decodeGreedily } from "../../lib/experiments/seq2seq.ts";
import { int2d } from "../../lib/train/tasks.ts";
import { BOS, EOS, padTo } from "../../lib/train/vocab.ts";
import { dense, strided } from "../../lib/pattern/zoo.ts";
import { randomizeParameters } from "../attention/support.ts";

await initTf();

const n = 24;
const vocabSize = 9;
const EOS_BIAS = 4.5;

/** The plain decoder: the whole padded batch through the decoder at every position. */
function decodeWholeSequences(model: EncoderDecoder, sources: number[][]): number[][] {
  const memory = model.encoder.apply(int2d(sources));
  const decoded = sources.map(() => [BOS]);
  for (let position = 0; position < n - 1; position++) {
    const ids = tf.tidy(() => {
      const input = int2d(decoded.map((row) => padTo(row, n)));
      const logits = model.head.apply(model.decoder.apply(input, memory));
      return tf.argMax(tf.slice(logits, [0, position, 0], [-1, 1, -1]), -1).dataSync();
    });
    decoded.forEach((row, b) => row.push(ids[b]));
  }
  memory.dispose();
  return decoded;
}

/** A hypothesis as scoring reads it: up to and including its first EOS. */
const upToEos = (row: number[]) => (row.includes(EOS) ? row.slice(0, row.indexOf(EOS) + 1) : row);

Deno.test("greedy decoding on prefixes of the open sentences gives the whole-batch hypotheses", () => {
  for (const pattern of [strided({ n, c: 5 }), dense({ n })]) {
    const model = new EncoderDecoder({
      width: 16,
      heads: 2,
      ffHidden: 32,
      layers: 2,
      pattern,
      impl: "sparse",
      norm: "pre",
      maxLength: n,
      input: { kind: "tokens", vocabSize },
      fused: true,
    });
    randomizeParameters(model.params, 11, 2);
    // EOS made about as likely as any other token, so sentences end at different positions
    const bias = model.head.b.arraySync() as number[];
    bias[EOS] = EOS_BIAS;
    model.head.b.assign(tf.tensor1d(bias));
    const sources = Array.from(
      { length: 12 },
      (_, b) =>
        Array.from({ length: n }, (_, i) => 3 + ((b * 7 + i * i + b * i) % (vocabSize - 3))),
    );
    const before = tf.memory().numTensors;
    const fast = decodeGreedily(model, sources, n);
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
    const plain = decodeWholeSequences(model, sources);
    assert.deepEqual(fast.map(upToEos), plain.map(upToEos), pattern.name);
    const lengths = new Set(fast.map((row) => row.length));
    assert.ok(lengths.size >= 2, `${pattern.name}: every sentence ended at ${[...lengths]}`);
    assert.ok(fast.some((row) => row.at(-1) === EOS), `${pattern.name}: no sentence ended`);
    model.dispose();
  }
});
