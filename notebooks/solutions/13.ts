// Solutions to the exercises of notebook 13 (grapheme → phoneme). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// K = K, AE → AH (one substitution), T = T, S inserted: 2 edits over 3 reference phonemes
const answer1 = 2 / 3;
// @exercise 2
// FIXED UNION's curve points, exact from the plan table's connections (1 − connections/n²); two
// of them bracket the level, the last at or below it and the first above it, and the sparser
// one's weight is the share of the distance between them that the level has covered
const unionPoints = plan.rows
  .filter((row) => String(row.pattern).startsWith("fixed union"))
  .map((row) => 1 - Number(row["connections per layer"]) / full.n ** 2);
const denser = Math.max(...unionPoints.filter((s) => s <= 0.7));
const sparser = Math.min(...unionPoints.filter((s) => s > 0.7));
const answer2 = (0.7 - denser) / (sparser - denser);
