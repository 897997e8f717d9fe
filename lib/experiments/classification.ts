/**
 * Masked-LM pretraining, then spam / ham fine-tuning on SpamAssassin, the lab's stand-in for
 * BERT on MNLI / XNLI: an encoder classifier per pattern at matched sparsity levels, scored by
 * test accuracy on at least 1,000 held-out e-mails. The paper finds RANDOM worst and STAR
 * struggling (notebook 14).
 */
import type { ExperimentDefinition } from "../train/experiment_definition.ts";
import {
  int2d,
  maskedCrossEntropy,
  maskedTokenLoss,
  stackConfig,
  type TaskOutcome,
  type TaskRun,
  taskSize,
  tokenHead,
  type TrainingBatch,
  trainLoop,
  usesFusedOps,
} from "../train/tasks.ts";
import { loadSpamAssassin, tokensOf } from "../train/datasets.ts";
import { MASK, mostFrequent, PAD, padTo, Vocabulary } from "../train/vocab.ts";
import { denseBar, testSetBar } from "../train/competence.ts";
import type { SummarySeries } from "../train/summary.ts";
import type { CurvePoint } from "../train/results.ts";
import { EncoderClassifier, tf } from "../attention/mod.ts";
import { type Rng, seededRng } from "../util/random.ts";
import {
  FIVE_SEEDS,
  PAPER_PATTERNS,
  randomIsWorst,
  sparseSeries,
  starStruggles,
} from "./paper_comparison.ts";

/**
 * The e-mail vocabulary: the most frequent tokens of the pretraining e-mails, seen at least
 * three times; rarer tokens become <unk>.
 */
export const EMAIL_VOCABULARY = 4000;
const EMAIL_VOCABULARY_MIN_COUNT = 3;

type Emails = ReturnType<typeof loadSpamAssassin>["data"];

/** The model, its vocabulary and its masked-LM head, for one run. */
function classifierSetup(run: TaskRun, pretrainingTexts: string[]) {
  const vocab = new Vocabulary(
    mostFrequent(pretrainingTexts.flatMap(tokensOf), EMAIL_VOCABULARY, EMAIL_VOCABULARY_MIN_COUNT),
  );
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
    usesFusedOps(run),
  );
  const encode = (text: string) => padTo(vocab.encode(tokensOf(text)), run.size.n);
  return { model, mlmHead, encode };
}

type Classifier = ReturnType<typeof classifierSetup>;

/** MLM: 15% of the non-padding tokens become <mask>; the loss is on those only. */
function pretrainingBatch(run: TaskRun, c: Classifier, texts: string[], rng: Rng): TrainingBatch {
  const ids = Array.from(
    { length: run.size.batch },
    () => c.encode(texts[rng.int(texts.length)]),
  );
  const masked = ids.map((row) => row.map((id) => (id !== PAD && rng.next() < 0.15 ? MASK : id)));
  if (!masked.flat().includes(MASK)) masked[0][0] = MASK; // never a batch with nothing to predict
  const input = int2d(masked);
  const fused = usesFusedOps(run);
  return {
    loss: () =>
      tf.tidy(() => maskedTokenLoss(c.model.stack.apply(input), c.mlmHead, masked, ids, fused)),
    inputs: [input],
  };
}

/** A batch of labelled training e-mails and the classifier's loss on them. */
function fineTuningBatch(run: TaskRun, c: Classifier, emails: Emails, rng: Rng): TrainingBatch {
  const items = Array.from(
    { length: run.size.batch },
    () => emails.train[rng.int(emails.train.length)],
  );
  const labels = items.map(([, label]) => [label]);
  const ones = labels.map(() => [1]);
  const input = int2d(items.map(([text]) => c.encode(text)));
  const logits = () => tf.expandDims(c.model.logits(input), 1);
  return {
    loss: () => tf.tidy(() => maskedCrossEntropy(logits(), labels, ones, usesFusedOps(run))),
    inputs: [input],
  };
}

/** The fraction of `items` the classifier labels right. */
function accuracyOn(c: Classifier, items: readonly [string, number][]): number {
  const predicted = tf.tidy(() =>
    tf.argMax(c.model.logits(int2d(items.map(([text]) => c.encode(text)))), -1).dataSync()
  );
  return items.filter(([, label], i) => predicted[i] === label).length / items.length;
}

/** `extra` masked-LM steps (no validation metric), then `steps` fine-tuning steps. */
export async function runClassification(run: TaskRun): Promise<TaskOutcome> {
  const slice = loadSpamAssassin();
  const emails = slice.data;
  // pretraining reads every e-mail outside the valid and test splits, labelled or not
  const pretrainingTexts = [...emails.train.map(([text]) => text), ...emails.unlabelled];
  const classifier = classifierSetup(run, pretrainingTexts);
  const { params } = classifier.model;
  const pretrainSteps = run.size.extra;
  const rng = seededRng(run.seed);
  const pretrainCurve: CurvePoint[] = pretrainSteps > 0
    ? await trainLoop(
      run,
      params,
      () => pretrainingBatch(run, classifier, pretrainingTexts, rng),
      () => NaN,
      0,
      pretrainSteps,
    )
    : [];
  for (const point of pretrainCurve) delete point.metric; // no accuracy before fine-tuning
  const fineTuneCurve = await trainLoop(
    run,
    params,
    () => fineTuningBatch(run, classifier, emails, rng),
    () => accuracyOn(classifier, emails.valid),
    pretrainSteps,
  );
  const final: Record<string, number> = {
    accuracy: accuracyOn(classifier, emails.test),
    testExamples: emails.test.length,
  };
  // the last pretraining loss, when there was pretraining
  if (pretrainCurve.length > 0 && Number.isFinite(pretrainCurve.at(-1)!.loss)) {
    final.mlmLoss = pretrainCurve.at(-1)!.loss;
  }
  classifier.model.dispose();
  return {
    metricName: "valid accuracy",
    curve: [...pretrainCurve, ...fineTuneCurve],
    final,
    dataChecksum: slice.checksum,
  };
}

const METRIC = { key: "accuracy", label: "test accuracy (spam vs ham)", higherIsBetter: true };

/** The paper's findings on classification. */
function classificationFindings(series: readonly SummarySeries[]) {
  const sparse = sparseSeries(series);
  return [
    randomIsWorst(sparse, METRIC.higherIsBetter),
    starStruggles(sparse, METRIC.higherIsBetter),
  ];
}

export const classification: ExperimentDefinition = {
  name: "classification",
  title: "Masked-LM pretraining, then spam vs ham on SpamAssassin (for MNLI / XNLI)",
  axis: "sparsity",
  metric: METRIC,
  patterns: PAPER_PATTERNS,
  budgets: {
    quick: {
      size: taskSize({ n: 32, width: 16, heads: 2, ffHidden: 32, batch: 8, steps: 8, extra: 4 }),
      layers: [1],
      seeds: [0],
      levels: [0.7],
    },
    full: {
      // dense, one seed, on 128 word tokens: 0.957 test accuracy (validation 0.96–0.97 from
      // fine-tuning step 400); 2,000 masked-LM steps instead of 800 gave the same 0.957
      size: taskSize({
        n: 128,
        width: 64,
        heads: 4,
        ffHidden: 128,
        batch: 16,
        steps: 800,
        extra: 800,
      }),
      layers: [2],
      seeds: FIVE_SEEDS,
      levels: [0.6, 0.9],
      parametersPerLevel: 3,
    },
  },
  steps: (s) => s.steps + s.extra,
  run: runClassification,
  benchSeries: { pattern: "strided", configuration: "sequential" },
  competence: [denseBar("accuracy", "test accuracy", 0.95, false), testSetBar(1000)],
  findings: classificationFindings,
};
