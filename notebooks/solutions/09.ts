// Solutions to the exercises of notebook 09 (step 3: ρ[t·] and ReLU ramps). Each block after a
// `// @exercise k` line replaces answer cell k when the notebook runs with solutions.
// @exercise 1
// sparsemax is one-hot once t·ζ ≥ 1, and ζ = δ²/2 = 1/8 at δ = 1/2
const answer1 = 1 / ((delta * delta) / 2);
// @exercise 2
// ids grow layer by layer and the all-max shifts come last, on the largest ids
const answer2 = "allMaxShift";
// @exercise 3
const answer3 = scaleFactors.find((_, i) => softmaxWorst[i] < 1e-6);
