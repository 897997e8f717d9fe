/**
 * The reach sets S_k^t themselves, as n × n 0/1 matrices per layer, for the explorer's slider.
 * lib/pattern's reachSets decides the mixing depth with bitsets but reports only the set
 * sizes; the page draws the sets, so it composes the schedule's patterns here the same way:
 * S_k^1 = A_k^1 and S_k^t = ∪_{j ∈ A_k^t} S_j^{t−1}, layer t using pattern (t − 1) mod p.
 * tests/web_reach_test.ts checks the row sums against reachSets's per-token sizes.
 */
import type { Schedule } from "../../lib/pattern/pattern.ts";

/** matrices[t − 1][k · n + j] = 1 when j ∈ S_k^t, for t = 1 … layers. */
export function reachMatrices(schedule: Schedule, layers: number): Uint8Array[] {
  const n = schedule.n;
  const first = new Uint8Array(n * n);
  for (let k = 0; k < n; k++) for (const j of schedule.patterns[0].row(k)) first[k * n + j] = 1;
  const matrices = [first];
  for (let t = 2; t <= layers; t++) {
    const previous = matrices[t - 2];
    const pattern = schedule.patternAt(t - 1);
    const next = new Uint8Array(n * n);
    for (let k = 0; k < n; k++) {
      for (const j of pattern.row(k)) {
        for (let i = 0; i < n; i++) next[k * n + i] |= previous[j * n + i];
      }
    }
    matrices.push(next);
  }
  return matrices;
}
