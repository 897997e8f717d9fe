/**
 * The four tasks, each as "build a model for this pattern, train it, evaluate it": token
 * tasks on an encoder (copying, reversal), character language modelling on a causal decoder,
 * grapheme → phoneme transduction on an encoder–decoder, and masked-LM pretraining followed by
 * spam / ham fine-tuning on an encoder classifier. Every batch is drawn from a seeded generator,
 * so a run is a pure function of its configuration and seed.
 */
import {
  adamTrainer,
  CausalDecoder,
  EncoderClassifier,
  EncoderDecoder,
  gatherRowsOp,
  linearOp,
  softmaxCrossEntropyOp,
  SparseEncoder,
  type StackConfig,
  tf,
} from "../attention/mod.ts";
import type { ParameterSet } from "../attention/tf/parameters.ts";
import { patternSpecOf, type ResolvedPattern } from "./sweep_grid.ts";
import { type BestModelKeeper, keepableAsBestSparse } from "./best_model.ts";
import type { CurvePoint } from "./results.ts";
import type { Progress } from "./progress.ts";
import {
  loadCmudict,
  loadMobyDick,
  loadSpamAssassin,
  type Pronunciation,
  tokensOf,
} from "./datasets.ts";
import { bitsPerCharacter, corpusBleu, perplexity, phonemeErrorRate } from "./metrics.ts";
import { BOS, EOS, MASK, mostFrequent, PAD, padTo, Vocabulary } from "./vocab.ts";
import { type Rng, seededRng } from "../util/random.ts";
import { InputError } from "../util/errors.ts";
import { learningRateAt } from "./schedule.ts";

/** Model and training sizes of one experiment at one budget. */
export interface TaskSize {
  n: number;
  width: number;
  heads: number;
  ffHidden: number;
  batch: number;
  steps: number;
  /** The peak learning rate (after warm-up; the schedule is lib/train/schedule.ts). */
  learningRate: number;
  /** Steps of linear warm-up before the cosine decay (0: none). */
  warmup: number;
  /** Validation every this many steps (and at the end). */
  evalEvery: number;
  /** Token tasks: distinct symbols. Seq2seq: words per sentence. Classification: MLM steps. */
  extra: number;
}

export interface TaskRun {
  pattern: ResolvedPattern;
  layers: number;
  seed: number;
  size: TaskSize;
  progress: Progress;
  /**
   * Trains through the fused ops and the flat Adam (fused_ops.ts, fused_adam.ts); default
   * true. false runs tfjs's own op chains and tf.train.adam: the same function, more kernels.
   */
  fused?: boolean;
  /** Offered the trained model with its test score; keeps the sweep's best (best_model.ts). */
  keepBest?: BestModelKeeper;
}

const fusedRun = (run: Pick<TaskRun, "fused">) => run.fused !== false;

export interface TaskOutcome {
  metricName: string;
  curve: CurvePoint[];
  final: Record<string, number>;
  dataChecksum: string | null;
}

/** The last step's learning rate as a fraction of the peak. */
export const LEARNING_RATE_FLOOR = 0.1;

/** Seed of every fixed evaluation set: the same test examples for every run. */
const EVALUATION_SEED = 987_654_321;

function stackConfig(run: TaskRun, vocabSize: number): StackConfig {
  const { size, pattern } = run;
  return {
    width: size.width,
    heads: size.heads,
    ffHidden: size.ffHidden,
    layers: run.layers,
    pattern: pattern.schedule,
    patternMode: pattern.patternMode,
    impl: "sparse",
    norm: "pre",
    maxLength: size.n,
    input: { kind: "tokens", vocabSize },
    fused: fusedRun(run),
  };
}

const int2d = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0].length], "int32");

/**
 * Mean cross-entropy over the positions whose weight is 1: one fused op (`fused`), or tfjs's
 * one-hot and softmaxCrossEntropy.
 */
function maskedCrossEntropy(
  logits: tf.Tensor,
  labels: number[][],
  weights: number[][],
  fused = true,
): tf.Scalar {
  if (fused) return softmaxCrossEntropyOp(logits, labels.flat(), weights.flat());
  return tf.tidy(() => {
    const classes = logits.shape[logits.shape.length - 1]!;
    const flatLogits = tf.reshape(logits, [-1, classes]);
    const oneHot = tf.oneHot(tf.tensor1d(labels.flat(), "int32"), classes);
    const w = tf.tensor1d(weights.flat());
    return tf.losses.softmaxCrossEntropy(oneHot, flatLogits, w) as tf.Scalar;
  });
}

/** A linear token head registered in the model's own parameters (so one optimizer trains all). */
function tokenHead(
  params: ParameterSet,
  name: string,
  width: number,
  outputs: number,
  fused: boolean,
) {
  const w = params.create(`${name}.w`, [width, outputs], "glorot");
  const b = params.create(`${name}.b`, [outputs], "zeros");
  return <T extends tf.Tensor>(states: T): T =>
    tf.tidy(() => {
      if (fused) return linearOp(states, [w], [b]) as T;
      const flat = tf.add(tf.matMul(tf.reshape(states, [-1, width]), w), b);
      return tf.reshape(flat, [...states.shape.slice(0, -1), outputs]) as T;
    });
}

/**
 * The masked-LM loss: the mean cross-entropy of the head's predictions of `targets` at the
 * positions where `masked` holds MASK. Fused, the head runs on those positions' states only
 * (`gatherRowsOp`), about a seventh of its work on every position at a 15% masking rate;
 * unfused, on every position with weight 0 elsewhere (the reference it is tested against).
 */
export function maskedTokenLoss(
  states: tf.Tensor3D,
  head: (states: tf.Tensor) => tf.Tensor,
  masked: number[][],
  targets: number[][],
  fused: boolean,
): tf.Scalar {
  const weights = masked.map((row) => row.map((id) => (id === MASK ? 1 : 0)));
  if (!fused) return maskedCrossEntropy(head(states), targets, weights, false);
  const positions = weights.flat().flatMap((w, i) => (w === 1 ? [i] : []));
  const flatTargets = targets.flat();
  return tf.tidy(() =>
    maskedCrossEntropy(
      head(gatherRowsOp(states, positions)),
      [positions.map((i) => flatTargets[i])],
      [positions.map(() => 1)],
      true,
    )
  );
}

function argmaxRows(logits: tf.Tensor): number[][] {
  return tf.tidy(() => tf.argMax(logits, -1).arraySync() as number[][]);
}

/**
 * One training batch: its input tensors live outside the loss's tf.tidy because the embedding's
 * custom gradient reads the token ids during the backward pass; the loop disposes them after.
 */
export interface TrainingBatch {
  loss: () => tf.Scalar;
  inputs: tf.Tensor[];
}

/**
 * The shared loop: `steps` Adam steps on `batchLoss`, validation every `evalEvery` steps,
 * progress after every step. Returns the curve.
 */
async function trainLoop(
  run: TaskRun,
  params: ParameterSet,
  batchLoss: (step: number) => TrainingBatch,
  validate: () => number,
  firstStep = 0,
  steps = run.size.steps,
): Promise<CurvePoint[]> {
  const trainer = adamTrainer(params, {
    learningRate: run.size.learningRate,
    fused: fusedRun(run),
  });
  const curve: CurvePoint[] = [];
  // one curve point per 1% of training (the mean loss since the last point) keeps files small
  const pointEvery = Math.max(1, Math.floor(steps / 100));
  let lossSum = 0;
  let lossCount = 0;
  const schedule = {
    peak: run.size.learningRate,
    warmup: Math.min(run.size.warmup, steps),
    steps,
    floor: LEARNING_RATE_FLOOR,
  };
  for (let step = 1; step <= steps; step++) {
    trainer.setLearningRate(learningRateAt(schedule, step));
    const batch = batchLoss(step);
    const loss = trainer.step(batch.loss);
    tf.dispose(batch.inputs);
    lossSum += loss;
    lossCount++;
    const global = firstStep + step;
    const evaluate = step % run.size.evalEvery === 0 || step === steps;
    if (evaluate || step % pointEvery === 0) {
      const point: CurvePoint = { step: global, loss: lossSum / lossCount };
      if (evaluate) point.metric = validate();
      curve.push(point);
      lossSum = 0;
      lossCount = 0;
    }
    await run.progress.update(global, loss, step === steps);
  }
  trainer.dispose();
  return curve;
}

// ---------------------------------------------------------------------------------------------
// Token tasks on an encoder: copying (the second half repeats the first) and reversal.

export type TokenTask = "copy" | "reverse";

/** Token 0 marks the positions to fill; symbols are 1 … symbols. */
const BLANK = 0;

/**
 * How far back each copied token lies: the smallest prime above n/2. Position k ≥ offset must
 * output the token at k − offset. A prime offset is divisible by no stride c ≤ n/2, so no
 * STRIDED parameter holds the source in one hop by construction (n/2 itself would be, for every
 * c dividing it). Source tokens n − offset … offset − 1 are shown but never asked for.
 */
export function copyOffset(n: number): number {
  const isPrime = (m: number) => {
    for (let d = 2; d * d <= m; d++) if (m % d === 0) return false;
    return m > 1;
  };
  let offset = Math.floor(n / 2) + 1;
  while (!isPrime(offset)) offset++;
  if (offset >= n) throw new InputError("n", n, "too short to copy at a prime offset below n");
  return offset;
}

function tokenBatch(task: TokenTask, rng: Rng, batch: number, n: number, symbols: number) {
  const input: number[][] = [];
  const target: number[][] = [];
  const weight: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const x = Array.from({ length: n }, () => 1 + rng.int(symbols));
    if (task === "copy") {
      const offset = copyOffset(n);
      input.push(x.map((v, i) => (i < offset ? v : BLANK)));
      target.push(x.map((_, i) => x[i < offset ? i : i - offset]));
      weight.push(x.map((_, i) => (i < offset ? 0 : 1)));
    } else {
      input.push(x);
      target.push(x.map((_, i) => x[n - 1 - i]));
      weight.push(x.map(() => 1));
    }
  }
  return { input, target, weight };
}

export async function runTokenTask(task: TokenTask, run: TaskRun): Promise<TaskOutcome> {
  const { n, batch, extra: symbols } = run.size;
  const model = new SparseEncoder({ ...stackConfig(run, symbols + 1), seed: run.seed });
  const head = tokenHead(model.params, "task.head", run.size.width, symbols + 1, fusedRun(run));
  const rng = seededRng(run.seed);
  const test = tokenBatch(task, seededRng(EVALUATION_SEED), 256, n, symbols);
  const testInput = int2d(test.input);
  const accuracy = () => {
    const logits = tf.tidy(() => head(model.apply(testInput)));
    const predicted = argmaxRows(logits);
    logits.dispose();
    let correct = 0;
    let total = 0;
    predicted.forEach((row, b) =>
      row.forEach((p, i) => {
        if (test.weight[b][i]) {
          total++;
          if (p === test.target[b][i]) correct++;
        }
      })
    );
    return correct / total;
  };
  const curve = await trainLoop(run, model.params, () => {
    const data = tokenBatch(task, rng, batch, n, symbols);
    const input = int2d(data.input);
    return {
      loss: () =>
        tf.tidy(() =>
          maskedCrossEntropy(head(model.apply(input)), data.target, data.weight, fusedRun(run))
        ),
      inputs: [input],
    };
  }, accuracy);
  const final = { accuracy: accuracy(), chance: 1 / symbols };
  testInput.dispose();
  model.dispose();
  return { metricName: "accuracy", curve, final, dataChecksum: null };
}

// ---------------------------------------------------------------------------------------------
// Character language modelling on Moby Dick.

/**
 * The language model of one run and its training batches: the causal decoder built from the
 * run's pattern and sizes, and `trainingBatch(rng)`, one batch of `size.batch` random windows
 * of the training text with its loss. runLanguageModel trains through this, and so does the
 * training benchmark (tools/bench/training.ts), so both time the same code.
 */
export function languageModelSetup(run: Omit<TaskRun, "progress">) {
  const slice = loadMobyDick();
  const text = slice.data;
  const vocab = new Vocabulary(text.train);
  const { n, batch } = run.size;
  const fused = fusedRun(run);
  // patternSpec and vocabulary ride along in the config: a saved model's weights file records
  // them, so it can be rebuilt, exported and served
  const config = {
    ...stackConfig(run as TaskRun, vocab.size),
    input: { kind: "tokens" as const, vocabSize: vocab.size },
    seed: run.seed,
    patternSpec: patternSpecOf(run.pattern),
    vocabulary: vocab.symbols,
  };
  const model = new CausalDecoder(config);
  const windows = (source: string, starts: number[]) => {
    const ids = starts.map((s) => vocab.encode(source.slice(s, s + n + 1)));
    return { input: ids.map((w) => w.slice(0, n)), target: ids.map((w) => w.slice(1)) };
  };
  const trainingBatch = (rng: Rng): TrainingBatch => {
    const starts = Array.from({ length: batch }, () => rng.int(text.train.length - n - 1));
    const data = windows(text.train, starts);
    const ones = data.target.map((row) => row.map(() => 1));
    const input = int2d(data.input);
    return {
      loss: () => tf.tidy(() => maskedCrossEntropy(model.logits(input), data.target, ones, fused)),
      inputs: [input],
    };
  };
  return { slice, text, vocab, model, windows, trainingBatch };
}

export async function runLanguageModel(run: TaskRun): Promise<TaskOutcome> {
  const { slice, text, model, windows, trainingBatch } = languageModelSetup(run);
  const { n } = run.size;
  /** Mean NLL per character over non-overlapping windows of `source` (at most `limit`). */
  const meanNll = (source: string, limit: number) => {
    const starts: number[] = [];
    for (let s = 0; s + n + 1 <= source.length && starts.length < limit; s += n) starts.push(s);
    let sum = 0;
    for (let i = 0; i < starts.length; i += 64) {
      const data = windows(source, starts.slice(i, i + 64));
      const loss = tf.tidy(() => {
        const logits = model.logits(int2d(data.input));
        const ones = data.target.map((row) => row.map(() => 1));
        return maskedCrossEntropy(logits, data.target, ones, fusedRun(run));
      });
      sum += loss.dataSync()[0] * data.input.length;
      loss.dispose();
    }
    return sum / starts.length;
  };
  const rng = seededRng(run.seed);
  const curve = await trainLoop(
    run,
    model.params,
    () => trainingBatch(rng),
    () => perplexity(meanNll(text.valid, 64)),
  );
  const testNll = meanNll(text.test, Infinity);
  if (run.keepBest && keepableAsBestSparse(run.pattern.pattern)) {
    const bits = bitsPerCharacter(testNll);
    await run.keepBest.offer(bits, (stem, record) =>
      model.save(stem, {
        keptAsBest: record,
        description: `character language model on Moby Dick, ${run.pattern.label}, ` +
          `L = ${run.layers}, seed ${run.seed}: ${bits.toFixed(3)} test bits per character, ` +
          "the best sparse model of the language-modelling sweep",
      }));
  }
  model.dispose();
  return {
    metricName: "valid perplexity",
    curve,
    final: { perplexity: perplexity(testNll), bitsPerCharacter: bitsPerCharacter(testNll) },
    dataChecksum: slice.checksum,
  };
}

// ---------------------------------------------------------------------------------------------
// Grapheme → phoneme "sentences" on CMUdict (the translation stand-in).

const WORD_SEPARATOR = "|";

interface Sentence {
  source: number[];
  decoderInput: number[];
  labels: number[];
  /** Reference phonemes (word separators dropped) for BLEU and PER. */
  reference: string[];
}

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

export async function runSeq2seq(run: TaskRun): Promise<TaskOutcome> {
  const slice = loadCmudict();
  const words = slice.data;
  const symbols = new Set<string>([" ", WORD_SEPARATOR]);
  for (const [letters, phonemes] of words.train) {
    for (const c of letters) symbols.add(c);
    for (const p of phonemes) symbols.add(p);
  }
  const vocab = new Vocabulary(symbols);
  const { n, batch, extra: wordsPerSentence } = run.size;
  const model = new EncoderDecoder({
    ...stackConfig(run, vocab.size),
    input: { kind: "tokens", vocabSize: vocab.size },
    seed: run.seed,
  });
  const evaluationRng = seededRng(EVALUATION_SEED);
  const valid = makeSentences(words.valid, 128, wordsPerSentence, n, vocab, evaluationRng);
  const test = makeSentences(words.test, 100, wordsPerSentence, n, vocab, evaluationRng);
  const batchOf = (data: Sentence[]): TrainingBatch => {
    const source = int2d(data.map((s) => s.source));
    const target = int2d(data.map((s) => s.decoderInput));
    const labels = data.map((s) => s.labels);
    const weights = labels.map((row) => row.map((id) => (id === PAD ? 0 : 1)));
    return {
      loss: () =>
        tf.tidy(() =>
          maskedCrossEntropy(model.logits(source, target), labels, weights, fusedRun(run))
        ),
      inputs: [source, target],
    };
  };
  const validLoss = () => {
    const batch = batchOf(valid);
    const loss = batch.loss();
    const value = loss.dataSync()[0];
    tf.dispose([loss, ...batch.inputs]);
    return value;
  };
  const rng = seededRng(run.seed);
  const curve = await trainLoop(run, model.params, () => {
    return batchOf(makeSentences(words.train, batch, wordsPerSentence, n, vocab, rng));
  }, validLoss);
  // greedy decoding: the encoder runs once, the decoder once per output position
  const source = int2d(test.map((s) => s.source));
  const memory = model.encoder.apply(source);
  const decoded = test.map(() => [BOS]);
  for (let position = 0; position < n - 1; position++) {
    const next = tf.tidy(() => {
      const input = int2d(decoded.map((row) => padTo(row, n)));
      const logits = model.head.apply(model.decoder.apply(input, memory));
      return tf.argMax(tf.slice(logits, [0, position, 0], [-1, 1, -1]), -1);
    });
    const ids = next.dataSync();
    next.dispose();
    decoded.forEach((row, b) => row.push(ids[b]));
  }
  tf.dispose([source, memory]);
  const hypotheses = decoded.map((row) =>
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

// ---------------------------------------------------------------------------------------------
// Masked-LM pretraining, then spam / ham fine-tuning (the BERT stand-in).

/**
 * The e-mail vocabulary: the most frequent tokens of the pretraining e-mails, seen at least
 * three times; rarer tokens become <unk>.
 */
export const EMAIL_VOCABULARY = 4000;
const EMAIL_VOCABULARY_MIN_COUNT = 3;

export async function runClassification(run: TaskRun): Promise<TaskOutcome> {
  const slice = loadSpamAssassin();
  const emails = slice.data;
  // pretraining reads every e-mail outside the valid and test splits, labelled or not
  const pretrainingTexts = [...emails.train.map(([text]) => text), ...emails.unlabelled];
  const vocab = new Vocabulary(
    mostFrequent(pretrainingTexts.flatMap(tokensOf), EMAIL_VOCABULARY, EMAIL_VOCABULARY_MIN_COUNT),
  );
  const { n, batch, extra: pretrainSteps } = run.size;
  const model = new EncoderClassifier({
    ...stackConfig(run, vocab.size),
    classes: 2,
    seed: run.seed,
  });
  const mlmHead = tokenHead(
    model.params,
    "mlm.head",
    run.size.width,
    vocab.size,
    fusedRun(run),
  );
  const encode = (text: string) => padTo(vocab.encode(tokensOf(text)), n);
  const rng = seededRng(run.seed);
  const pick = () => emails.train[rng.int(emails.train.length)];
  const pickPretraining = () => pretrainingTexts[rng.int(pretrainingTexts.length)];
  // MLM: 15% of the non-padding tokens become <mask>; the loss is on those only
  const pretrainLoss = () => {
    const ids = Array.from({ length: batch }, () => encode(pickPretraining()));
    const masked = ids.map((row) => row.map((id) => (id !== PAD && rng.next() < 0.15 ? MASK : id)));
    if (!masked.flat().includes(MASK)) masked[0][0] = MASK; // never a batch with nothing to predict
    const input = int2d(masked);
    return {
      loss: () =>
        tf.tidy(() =>
          maskedTokenLoss(model.stack.apply(input), mlmHead, masked, ids, fusedRun(run))
        ),
      inputs: [input],
    };
  };
  const classify = (items: readonly [string, number][]) => {
    const predicted = tf.tidy(() =>
      tf.argMax(model.logits(int2d(items.map(([text]) => encode(text)))), -1).dataSync()
    );
    return items.filter(([, label], i) => predicted[i] === label).length / items.length;
  };
  const fineTuneLoss = () => {
    const items = Array.from({ length: batch }, pick);
    const labels = items.map(([, label]) => [label]);
    const ones = labels.map(() => [1]);
    const input = int2d(items.map(([text]) => encode(text)));
    return {
      loss: () =>
        tf.tidy(() =>
          maskedCrossEntropy(
            tf.expandDims(model.logits(input), 1),
            labels,
            ones,
            fusedRun(run),
          )
        ),
      inputs: [input],
    };
  };
  const pretrainCurve = pretrainSteps > 0
    ? await trainLoop(run, model.params, pretrainLoss, () => NaN, 0, pretrainSteps)
    : [];
  for (const point of pretrainCurve) delete point.metric; // no accuracy before fine-tuning
  const fineTuneCurve = await trainLoop(
    run,
    model.params,
    fineTuneLoss,
    () => classify(emails.valid),
    pretrainSteps,
  );
  const final = {
    accuracy: classify(emails.test),
    testExamples: emails.test.length,
    mlmLoss: pretrainCurve.length > 0 ? pretrainCurve[pretrainCurve.length - 1].loss : NaN,
  };
  if (!Number.isFinite(final.mlmLoss)) delete (final as Partial<typeof final>).mlmLoss;
  model.dispose();
  return {
    metricName: "valid accuracy",
    curve: [...pretrainCurve, ...fineTuneCurve],
    final,
    dataChecksum: slice.checksum,
  };
}
