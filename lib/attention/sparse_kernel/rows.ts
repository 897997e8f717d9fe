/** The row walk shared by the head-by-head forward and backward passes. */
import { maxRowSize } from "./graph.ts";
import { type CoreLayout, type CoreSpec, validateCoreSpec } from "./spec.ts";

/**
 * Walks every (batch item, query, head) row in that order, heads innermost so a key's values
 * are still in cache when the next head reads them; `next()` moves to the next row and sets
 * where its data lives. A class, not a callback per row, so the hot loops stay in the caller.
 */
export class RowCursor {
  /** Length for scratch arrays that hold one row's scores (at least 16). */
  readonly longest: number;
  /** Keys of the row: keys[start … start + count − 1]; probabilities from po on. */
  keys: Int32Array;
  start = 0;
  count = 0;
  po = 0;
  /** Offsets of the query's values (layout) and of its compact output / upstream row. */
  qo = 0;
  go = 0;
  /** Token 0's key and value offsets for this head; token j adds j · stride. */
  kBase = 0;
  vBase = 0;
  /** Token 0's offset in compact batch × numKeys × width sums of key gradients. */
  sumBase = 0;
  private readonly headOffset: Int32Array;
  private b = 0;
  private i = 0;
  private h = -1;

  /** The head of the current row. */
  get head(): number {
    return this.h;
  }

  constructor(private readonly spec: CoreSpec, private readonly layout: CoreLayout) {
    this.headOffset = validateCoreSpec(spec);
    this.longest = Math.max(16, ...spec.graphs.map(maxRowSize));
    this.keys = spec.graphs[0].keys;
  }

  next(): boolean {
    const { heads, headSize: m, batch, graphs } = this.spec;
    if (++this.h === heads) {
      this.h = 0;
      if (++this.i === graphs[0].numQueries) {
        this.i = 0;
        this.b++;
      }
    }
    if (this.b === batch) return false;
    const { b, i, h } = this;
    const { numQueries, numKeys } = graphs[0];
    const { rowStart, keys } = graphs[h];
    const layout = this.layout;
    const row = b * numQueries + i;
    const width = heads * m;
    this.keys = keys;
    this.start = rowStart[i];
    this.count = rowStart[i + 1] - this.start;
    this.po = b * this.headOffset[heads] + this.headOffset[h] + this.start;
    this.qo = layout.qOffset + row * layout.qStride + h * m;
    this.go = row * width + h * m;
    this.kBase = layout.kOffset + b * numKeys * layout.kStride + h * m;
    this.vBase = layout.vOffset + b * numKeys * layout.vStride + h * m;
    this.sumBase = b * numKeys * width + h * m;
    return true;
  }
}
