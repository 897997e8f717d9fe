/**
 * Metrics of the experiments: corpus BLEU-4 (Papineni et al. 2002, the standard definition:
 * clipped n-gram counts summed over the corpus, uniform geometric mean of p_1…p_4, brevity
 * penalty against the closest reference length, no smoothing), phoneme error rate (edit
 * distance over reference length, summed over the corpus), perplexity and bits per character.
 */
import { InputError } from "../util/errors.ts";

export type Tokens = readonly string[];

function ngramCounts(tokens: Tokens, order: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + order <= tokens.length; i++) {
    // \u0001 cannot occur inside a token, so the joined key is unambiguous
    const key = tokens.slice(i, i + order).join("\u0001");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The reference length closest to the hypothesis length (the shorter one on a tie). */
function closestReferenceLength(hypothesisLength: number, references: readonly Tokens[]): number {
  let best = references[0].length;
  for (const reference of references) {
    const gap = Math.abs(reference.length - hypothesisLength);
    const bestGap = Math.abs(best - hypothesisLength);
    if (gap < bestGap || (gap === bestGap && reference.length < best)) best = reference.length;
  }
  return best;
}

export interface BleuReport {
  /** BLEU in [0, 1] (multiply by 100 for the usual scale). */
  bleu: number;
  /** Modified n-gram precisions p_1 … p_maxOrder. */
  precisions: number[];
  brevityPenalty: number;
  hypothesisLength: number;
  referenceLength: number;
}

/**
 * Corpus BLEU: `references[i]` holds one or more references for `hypotheses[i]`. An n-gram
 * precision of zero makes BLEU zero (no smoothing), as in the original definition.
 */
export function corpusBleu(
  references: readonly (readonly Tokens[])[],
  hypotheses: readonly Tokens[],
  maxOrder = 4,
): BleuReport {
  if (references.length !== hypotheses.length) {
    throw new InputError(
      "references",
      references.length,
      `expected one reference set per hypothesis (${hypotheses.length})`,
    );
  }
  const matches = new Array(maxOrder).fill(0);
  const totals = new Array(maxOrder).fill(0);
  let hypothesisLength = 0;
  let referenceLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const refs = references[i];
    if (refs.length === 0) throw new InputError(`references[${i}]`, refs, "expected a reference");
    hypothesisLength += hypothesis.length;
    referenceLength += closestReferenceLength(hypothesis.length, refs);
    for (let order = 1; order <= maxOrder; order++) {
      const maxReferenceCounts = new Map<string, number>();
      for (const reference of refs) {
        for (const [gram, count] of ngramCounts(reference, order)) {
          maxReferenceCounts.set(gram, Math.max(maxReferenceCounts.get(gram) ?? 0, count));
        }
      }
      for (const [gram, count] of ngramCounts(hypothesis, order)) {
        matches[order - 1] += Math.min(count, maxReferenceCounts.get(gram) ?? 0);
        totals[order - 1] += count;
      }
    }
  });
  const precisions = matches.map((m, i) => (totals[i] === 0 ? 0 : m / totals[i]));
  const brevityPenalty = hypothesisLength === 0
    ? 0
    : hypothesisLength >= referenceLength
    ? 1
    : Math.exp(1 - referenceLength / hypothesisLength);
  const bleu = precisions.some((p) => p === 0)
    ? 0
    : brevityPenalty * Math.exp(precisions.reduce((sum, p) => sum + Math.log(p), 0) / maxOrder);
  return { bleu, precisions, brevityPenalty, hypothesisLength, referenceLength };
}

/** Levenshtein distance between token sequences (substitution, insertion, deletion cost 1). */
export function editDistance(a: Tokens, b: Tokens): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, previous[j] + 1, current[j - 1] + 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** Σ edit distance / Σ reference length over the corpus (can exceed 1). */
export function phonemeErrorRate(references: readonly Tokens[], hypotheses: readonly Tokens[]) {
  if (references.length !== hypotheses.length) {
    throw new InputError("references", references.length, `expected ${hypotheses.length}`);
  }
  let errors = 0;
  let length = 0;
  references.forEach((reference, i) => {
    errors += editDistance(reference, hypotheses[i]);
    length += reference.length;
  });
  if (length === 0) throw new InputError("references", "empty", "expected some reference tokens");
  return errors / length;
}

/** Perplexity from the mean negative log-likelihood per token (natural log). */
export function perplexity(meanNll: number): number {
  return Math.exp(meanNll);
}

/** Bits per character from the mean negative log-likelihood per character (natural log). */
export function bitsPerCharacter(meanNll: number): number {
  return meanNll / Math.LN2;
}

/** Mean and sample standard deviation (0 for a single value). */
export function meanAndSpread(values: readonly number[]): { mean: number; std: number } {
  if (values.length === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (values.length === 1) return { mean, std: 0 };
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}
