// Solutions to the exercises of notebook 14 (classification). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// fewer words lose some evidence; train it and compare with the interval above
const smallModel = trainBagOfWords(emails.train, { vocabulary: 200 });
const smallAccuracy = bagOfWordsAccuracy(smallModel, emails.test);
const answer1 = simpleInterval.lower <= smallAccuracy && smallAccuracy <= simpleInterval.upper;
// @exercise 2
// Wilson: centre (p + z²/2N)/(1 + z²/N), half-width z·√(p(1−p)/N + z²/4N²)/(1 + z²/N)
const z = 1.959964;
const trials = 1000;
const share = 950 / trials;
const answer2 = (z * Math.sqrt(share * (1 - share) / trials + z ** 2 / (4 * trials ** 2))) /
  (1 + z ** 2 / trials);
// @exercise 3
// half-width z·√(p(1−p)/N + z²/4N²)/(1 + z²/N) at p = 0.95, searched over N = 100, 200, …
const halfWidthAt = (emails: number) =>
  (z * Math.sqrt(0.95 * 0.05 / emails + z ** 2 / (4 * emails ** 2))) / (1 + z ** 2 / emails);
let answer3 = 100;
while (halfWidthAt(answer3) > 0.01) answer3 += 100;
