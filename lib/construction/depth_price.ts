/**
 * The price of sparsity in depth (notebooks/paper.md §2.9): contextual-mapping layers of the
 * sparse construction with E beside the ICLR predecessor's dense Lemma 6, over a grid of
 * (n, d, δ), with the bounds each row must meet. Counted from the layer plans (counts.ts).
 */
import { dense, longformer, slidingWindow, star, strided } from "../pattern/zoo.ts";
import type { Schedule } from "../pattern/pattern.ts";
import { type LayerCountRow, layerCounts } from "./counts.ts";
import { denseLayerCounts } from "./dense.ts";

/** The schedules compared at length n: the dense pattern run through E, and four sparse ones. */
export function depthPriceSchedules(n: number): Schedule[] {
  return [
    dense({ n }),
    slidingWindow({ n, w: 1 }),
    strided({ n, c: Math.ceil(Math.sqrt(n)) }),
    star({ n }),
    longformer({ n, w: 1, g: 1 }),
  ];
}

export interface DepthPriceRow {
  /** "dense Lemma 6 (built, no E)" or the schedule's name with "(with E)". */
  construction: string;
  n: number;
  d: number;
  delta: number;
  p: number;
  /** Mixing depth (null for dense Lemma 6, which has no all-max shifts). */
  s: number | null;
  quantization: number;
  contextualMapping: number;
  /** contextualMapping divided by dense Lemma 6's at the same (n, d, δ). */
  timesDenseLemma6: number;
  valueMapping: number;
  /** The bounds this row breaks, in words (empty when it meets all of them). */
  broken: string[];
}

/**
 * The bounds a sparse row must meet against dense Lemma 6's count `lemma6` at the same size:
 * at least one shift per path edge and id value, (n−1)δ^{−d}; at most p per edge and value
 * plus s, the plan's `predicted`; value mapping deeper still; and counts.ts's dense count equal
 * to the built dense plan's.
 */
export function depthPriceViolations(row: LayerCountRow, lemma6: number): string[] {
  const D = Math.round(row.delta ** -row.d);
  const lower = (row.n - 1) * D;
  const broken: string[] = [];
  if (row.denseContextualMapping !== lemma6) {
    broken.push(`dense count ${row.denseContextualMapping} ≠ built plan's ${lemma6}`);
  }
  if (row.contextualMapping < lower) {
    broken.push(`${row.contextualMapping} layers < (n−1)δ^(−d) = ${lower}`);
  }
  if (row.contextualMapping > row.predicted) {
    broken.push(`${row.contextualMapping} layers > p(n−1)δ^(−d) + s = ${row.predicted}`);
  }
  if (!(row.valueMapping > row.contextualMapping)) {
    broken.push(`value mapping ${row.valueMapping} ≤ contextual ${row.contextualMapping}`);
  }
  return broken;
}

/** One dense Lemma 6 row and one row per schedule, for every n, d and δ given. */
export function depthPriceTable(
  opts: { sizes: readonly number[]; ds: readonly number[]; deltas: readonly number[] },
  schedules: (n: number) => Schedule[] = depthPriceSchedules,
): DepthPriceRow[] {
  const rows: DepthPriceRow[] = [];
  for (const d of opts.ds) {
    for (const delta of opts.deltas) {
      for (const n of opts.sizes) {
        const lemma6 = denseLayerCounts({ n, d, delta });
        const formula = Math.round(delta ** -d) + 1;
        rows.push({
          construction: "dense Lemma 6 (built, no E)",
          n,
          d,
          delta,
          p: 1,
          s: null,
          quantization: lemma6.quantization,
          contextualMapping: lemma6.contextualMapping,
          timesDenseLemma6: 1,
          valueMapping: lemma6.valueMapping,
          broken: lemma6.contextualMapping === formula
            ? []
            : [`${lemma6.contextualMapping} layers ≠ δ^(−d) + 1 = ${formula}`],
        });
        for (const schedule of schedules(n)) {
          const row = layerCounts(schedule, { d, delta });
          rows.push({
            construction: `${row.pattern} (with E)`,
            n,
            d,
            delta,
            p: row.p,
            s: row.s,
            quantization: row.quantization,
            contextualMapping: row.contextualMapping,
            timesDenseLemma6: row.contextualMapping / lemma6.contextualMapping,
            valueMapping: row.valueMapping,
            broken: depthPriceViolations(row, lemma6.contextualMapping),
          });
        }
      }
    }
  }
  return rows;
}
