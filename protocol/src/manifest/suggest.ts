/** The closest allowed key to a misspelt one, or undefined when nothing is near. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  let best: { key: string; score: number } | undefined;
  for (const a of allowed) {
    const al = a.toLowerCase();
    const score = al.startsWith(k) || k.startsWith(al) ? 0.5 : levenshtein(k, al);
    if (score <= Math.max(1, Math.floor(a.length / 3)) && (best === undefined || score < best.score)) best = { key: a, score };
  }
  return best?.key;
}

// Optimal string alignment distance: a swapped pair of letters ("nmae") costs 1, as typos do.
function levenshtein(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      row[j] = v;
    }
  }
  return at(a.length, b.length);
}
