/** A count with its noun in the number it takes: `1 message`, `2 messages`, `0 files`. */
export const countOf = (count: number, singular: string, plural = `${singular}s`): string =>
  `${count} ${count === 1 ? singular : plural}`;
