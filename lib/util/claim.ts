/**
 * Notebooks assert every claim they state. `claim` throws a ClaimError (one line: the claim)
 * when the condition is false, which fails `deno task reproduce`; when it holds it prints a
 * check mark so the reader sees what was verified.
 */
export class ClaimError extends Error {
  constructor(statement: string, detail?: string) {
    super(`claim failed: ${statement}${detail ? ` (${detail})` : ""}`);
    this.name = "ClaimError";
  }
}

export function claim(condition: boolean, statement: string, detail?: string): void {
  if (!condition) throw new ClaimError(statement, detail);
  console.log(`✓ ${statement}`);
}

/** Claims |actual − expected| ≤ tolerance, showing both numbers. */
export function claimClose(
  actual: number,
  expected: number,
  tolerance: number,
  statement: string,
): void {
  const gap = Math.abs(actual - expected);
  claim(gap <= tolerance, statement, `got ${actual}, expected ${expected} ± ${tolerance}`);
}
