/** The shape every named exercise check's refusal must have, asserted once for all their tests. */
import assert from "node:assert/strict";
import { WrongAnswer } from "../../lib/util/exercise.ts";

/**
 * Asserts that `check` throws one WrongAnswer line: "you gave GIVEN, expected …", matching
 * `kind`, with a hint and no stack frames.
 */
export function assertWrongAnswer(check: () => void, given: string, kind: RegExp): void {
  assert.throws(check, (error) => {
    assert.ok(error instanceof WrongAnswer, String(error));
    assert.ok(error.message.startsWith(`you gave ${given}, expected `), error.message);
    assert.match(error.message, kind);
    assert.match(error.message, /\. Hint: \S/);
    assert.ok(!error.stack!.includes("\n"), "no stack frames");
    return true;
  });
}
