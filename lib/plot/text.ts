/** Small text helpers shared by the figure builders. */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Numbers for people: integers as they are, others with 4 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return Number(value.toPrecision(4)).toString();
}

/**
 * Plotly markup for the TeX-style indices people type in titles: `A_k`, `A_{k+1}`, `S_k^t`,
 * `n^1.5`, `X_{A_k}` become `<sub>`/`<sup>` (nested where braces nest), so a figure reads as
 * maths rather than raw TeX. An index is a braced group, or a run of letters, digits, `.`, `*`
 * and primes after a letter, digit, bracket or symbol; text already in markup is left alone.
 */
export function typeset(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const previous = i > 0 ? text[i - 1] : "";
    if ((c === "_" || c === "^") && previous !== "" && !/\s/.test(previous)) {
      const tag = c === "_" ? "sub" : "sup";
      if (text[i + 1] === "{") {
        let depth = 0, j = i + 1;
        for (; j < text.length; j++) {
          if (text[j] === "{") depth++;
          else if (text[j] === "}" && --depth === 0) break;
        }
        if (j < text.length) {
          out += `<${tag}>${typeset(text.slice(i + 2, j))}</${tag}>`;
          i = j + 1;
          continue;
        }
      } else {
        const run = /^[\p{L}\p{N}*′]+(?:\.\p{N}+)?/u.exec(text.slice(i + 1));
        if (run !== null) {
          out += `<${tag}>${run[0]}</${tag}>`;
          i += 1 + run[0].length;
          continue;
        }
      }
    }
    out += c;
    i++;
  }
  return out;
}
