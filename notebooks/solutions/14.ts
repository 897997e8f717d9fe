// Solutions to the exercises of notebook 14 (classification). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// each word on its own says nothing of the label, and half the test pairs rhyme: giving every
// pair one label is right on half of them, and nothing a model without mixing sees does better
const answer1 = 0.5;
// @exercise 2
// RELAY R IY1 L EY2: its last primary stress is IY1, so its rhyme is IY L EY (EY2 has secondary
// stress and does not start it); DISPLAY D IH0 S P L EY1 rhymes as EY: they do not rhyme
const answer2 = { rhyme: "IY L EY", rhymes: false };
// @exercise 3
// Wilson: half-width z·√(p(1−p)/N + z²/4N²)/(1 + z²/N) at p = 1/2, N the test pairs
const z = 1.959964;
const trials = testPairs.length;
const answer3 = (z * Math.sqrt(0.25 / trials + z ** 2 / (4 * trials ** 2))) /
  (1 + z ** 2 / trials);
