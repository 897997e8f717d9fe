/**
 * Grapheme → phoneme "sentences" on CMUdict, the lab's stand-in for WMT en–cs translation: an
 * encoder–decoder per pattern at matched sparsity levels, decoded greedily and scored by BLEU-4
 * over phonemes. The pattern under test shapes the encoder's self-attention and, made causal (keys
 * after the query dropped), the decoder's; cross-attention stays dense, every decoder position
 * attending to every encoder position. The paper finds STRIDED and FIXED best in the UNION
 * configuration, RANDOM worst, and STAR struggling (notebook 13).
 */
import { type ExperimentDefinition, trainingSteps } from "../train/experiment_definition.ts";
import {
  EVALUATION_SEED,
  int2d,
  maskedCrossEntropy,
  stackConfig,
  type TaskOutcome,
  type TaskRun,
  taskSize,
  type TrainingBatch,
  trainLoop,
  usesFusedOps,
} from "../train/tasks.ts";
import { plateauRule } from "../train/convergence.ts";
import { loadCmudict, type Pronunciation } from "../train/datasets.ts";
import { corpusBleu, phonemeErrorRate } from "../train/metrics.ts";
import { BOS, EOS, PAD, padTo, Vocabulary } from "../train/vocab.ts";
import { denseBar } from "../train/competence.ts";
import type { SummarySeries } from "../train/summary.ts";
import { bestAtMatchedSparsity } from "../train/matched_findings.ts";
import { EncoderDecoder, tf } from "../attention/mod.ts";
import { type Rng, seededRng } from "../util/random.ts";
import {
  FIVE_SEEDS,
  gapGrowsWithSparsity,
  MATCHED_LEVELS,
  PAPER_CURVE,
  PAPER_PATTERNS,
  randomIsWorst,
  sparseSeries,
  starStruggles,
} from "./paper_comparison.ts";

const WORD_SEPARATOR = "|";

interface Sentence {
  source: number[];
  decoderInput: number[];
  labels: number[];
  /** Reference phonemes (word separators dropped) for BLEU and PER. */
  reference: string[];
}

/** `count` sentences of `wordsPerSentence` random words, each fitting in n tokens both ways. */
function makeSentences(
  words: Pronunciation[],
  count: number,
  wordsPerSentence: number,
  n: number,
  vocab: Vocabulary,
  rng: Rng,
): Sentence[] {
  const out: Sentence[] = [];
  while (out.length < count) {
    const picked = Array.from({ length: wordsPerSentence }, () => words[rng.int(words.length)]);
    const letters = [...picked.map(([w]) => w).join(" ")];
    const phonemes = picked.flatMap(([, p], i) => (i === 0 ? p : [WORD_SEPARATOR, ...p]));
    if (letters.length + 1 > n || phonemes.length + 1 > n) continue;
    out.push({
      source: padTo([...vocab.encode(letters), EOS], n),
      decoderInput: padTo([BOS, ...vocab.encode(phonemes)], n),
      labels: padTo([...vocab.encode(phonemes), EOS], n),
      reference: phonemes.filter((p) => p !== WORD_SEPARATOR),
    });
  }
  return out;
}

/** Letters, the space, phonemes and the word separator of the training words. */
function sentenceVocabulary(train: readonly Pronunciation[]): Vocabulary {
  const symbols = new Set<string>([" ", WORD_SEPARATOR]);
  for (const [letters, phonemes] of train) {
    for (const c of letters) symbols.add(c);
    for (const p of phonemes) symbols.add(p);
  }
  return new Vocabulary(symbols);
}

/**
 * Greedy decoding: the encoder runs once; at output position p the decoder runs on the first p + 1
 * positions of the sentences that have not yet emitted EOS. A causal decoder's position p never
 * sees a later one, so the prefix gives the logits the whole sequence would (`applyPrefix`), and
 * dropping a finished sentence changes no hypothesis: `Vocabulary.decode` stops at EOS.
 */
export function decodeGreedily(model: EncoderDecoder, sources: number[][], n: number): number[][] {
  const source = int2d(sources);
  // the encoder states of the open sentences, narrowed when sentences finish
  let states = model.encoder.apply(source);
  const decoded = sources.map(() => [BOS]);
  let open = decoded.map((_, b) => b);
  for (let position = 0; position < n - 1 && open.length > 0; position++) {
    const next = tf.tidy(() => {
      const input = int2d(open.map((b) => decoded[b]));
      const prefix = model.decoder.applyPrefix(input, n, states);
      const last = tf.slice(prefix, [0, position, 0], [-1, 1, -1]);
      return tf.argMax(model.head.apply(last), -1);
    });
    const ids = next.dataSync();
    next.dispose();
    open.forEach((b, row) => decoded[b].push(ids[row]));
    const kept = open.flatMap((_, row) => (ids[row] === EOS ? [] : [row]));
    if (kept.length < open.length && kept.length > 0) {
      const narrowed = tf.tidy(() => tf.gather(states, tf.tensor1d(kept, "int32")));
      states.dispose();
      states = narrowed;
    }
    open = kept.map((row) => open[row]);
  }
  tf.dispose([source, states]);
  return decoded;
}

/** The teacher-forced loss of a batch of sentences (padding not scored). */
function sentenceBatch(model: EncoderDecoder, data: Sentence[], fused: boolean): TrainingBatch {
  const source = int2d(data.map((s) => s.source));
  const target = int2d(data.map((s) => s.decoderInput));
  const labels = data.map((s) => s.labels);
  const weights = labels.map((row) => row.map((id) => (id === PAD ? 0 : 1)));
  return {
    loss: () =>
      tf.tidy(() => maskedCrossEntropy(model.logits(source, target), labels, weights, fused)),
    inputs: [source, target],
  };
}

/** Trains the encoder–decoder of one run; validation loss, then test BLEU and PER. */
export async function runSeq2seq(run: TaskRun): Promise<TaskOutcome> {
  const slice = loadCmudict();
  const words = slice.data;
  const vocab = sentenceVocabulary(words.train);
  const { n, batch, extra: wordsPerSentence } = run.size;
  const model = new EncoderDecoder({
    ...stackConfig(run, vocab.size),
    input: { kind: "tokens", vocabSize: vocab.size },
    seed: run.seed,
  });
  const evaluationRng = seededRng(EVALUATION_SEED);
  const valid = makeSentences(words.valid, 128, wordsPerSentence, n, vocab, evaluationRng);
  const test = makeSentences(words.test, 100, wordsPerSentence, n, vocab, evaluationRng);
  const validLoss = () => {
    const batch = sentenceBatch(model, valid, usesFusedOps(run));
    const loss = batch.loss();
    const value = loss.dataSync()[0];
    tf.dispose([loss, ...batch.inputs]);
    return value;
  };
  const rng = seededRng(run.seed);
  const curve = await trainLoop(run, model.params, () => {
    const sentences = makeSentences(words.train, batch, wordsPerSentence, n, vocab, rng);
    return sentenceBatch(model, sentences, usesFusedOps(run));
  }, validLoss);
  const hypotheses = decodeGreedily(model, test.map((s) => s.source), n).map((row) =>
    vocab.decode(row.slice(1)).filter((p) => p !== WORD_SEPARATOR)
  );
  const references = test.map((s) => s.reference);
  const bleu = corpusBleu(references.map((r) => [r]), hypotheses).bleu;
  model.dispose();
  return {
    metricName: "valid loss",
    curve,
    final: {
      bleu: 100 * bleu,
      phonemeErrorRate: phonemeErrorRate(references, hypotheses),
      validLoss: curve[curve.length - 1].metric!,
    },
    dataChecksum: slice.checksum,
  };
}

const METRIC = { key: "bleu", label: "test BLEU-4 over phonemes", higherIsBetter: true };

/** The paper's findings on translation, at matched sparsity. */
function seq2seqFindings(series: readonly SummarySeries[]) {
  return [
    bestAtMatchedSparsity(
      "STRIDED and FIXED in the UNION configuration score best",
      sparseSeries(series),
      MATCHED_LEVELS,
      (s) => s.configuration === "union",
      METRIC.higherIsBetter,
    ),
    randomIsWorst(series, METRIC.higherIsBetter),
    starStruggles(series, METRIC.higherIsBetter),
    gapGrowsWithSparsity(series, METRIC.higherIsBetter),
  ];
}

export const seq2seq: ExperimentDefinition = {
  name: "seq2seq",
  title: "Grapheme → phoneme on CMUdict (for WMT en–cs)",
  axis: "sparsity",
  metric: METRIC,
  patterns: PAPER_PATTERNS,
  budgets: {
    quick: {
      size: taskSize({ n: 16, width: 16, heads: 2, ffHidden: 32, batch: 8, steps: 10, extra: 1 }),
      layers: [1],
      seeds: [0],
      levels: [0.65],
    },
    full: {
      // n = 128 lets every pattern family reach the levels; dense reaches 61 and 63 BLEU, PER
      // 0.225 (seeds 0 and 1) in about 3 minutes a run on one core, training and decoding. Width
      // 32 or 3,000 steps of 14-word sentences stay below 50 BLEU.
      size: taskSize({
        n: 128,
        width: 64,
        heads: 4,
        ffHidden: 128,
        batch: 8,
        steps: 3000,
        learningRate: 5e-3,
        extra: 12,
        // validation loss every 300 steps; a run stops once 3 in a row improve it by at most
        // 0.01 nats, between the budget and three times it (when a run breaks through varies
        // from seed to seed). Past the budget the loss moves by ±0.01–0.02 nats from one
        // validation to the next while its trend falls by less than 0.01 per validation: trained
        // to the cap (seed 0), dense and FIXED UNION c = 16, c′ = 4 would stop at steps 6,900 and
        // 6,000 under 0.01 (6,900 and 6,600 under 0.005, the same losses to 0.001), and under
        // 0.02 at 5,400 with dense 0.015 nats short of where it would reach.
        convergence: plateauRule(3000, 0.01, false),
      }),
      layers: [2],
      seeds: FIVE_SEEDS,
      levels: [],
      curve: PAPER_CURVE,
      randomDrawPerLayer: true,
    },
  },
  steps: trainingSteps,
  run: runSeq2seq,
  benchSeries: { pattern: "strided", configuration: "sequential" },
  competence: [
    denseBar("bleu", "test BLEU", 50, false),
    denseBar("phonemeErrorRate", "test phoneme error rate", 0.25, true),
  ],
  findings: seq2seqFindings,
};
