/** Edit distance (insertions, deletions, substitutions), for "did you mean" hints. */
export const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(
        substitution,
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
};

/** The closest candidate within 2 edits (or a prefix match), as ` (did you mean "x"?)`, else ''. */
export const didYouMean = (word: string, candidates: readonly string[]): string => {
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = candidate.startsWith(word) && word.length >= 2 ? 1 : distance(word, candidate);
    if (score <= 2 && (!best || score < best.score)) best = { candidate, score };
  }
  return best ? ` (did you mean "${best.candidate}"?)` : '';
};
