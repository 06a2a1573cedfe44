import { describe, expect, it } from 'vitest';
import { countOf } from '../../../lib/domain/count.ts';

describe('countOf', () => {
  it.each([
    [0, 'message', undefined, '0 messages'],
    [1, 'message', undefined, '1 message'],
    [2, 'file', undefined, '2 files'],
    [1, 'dead-lettered job', undefined, '1 dead-lettered job'],
    [3, 'entry', 'entries', '3 entries'],
  ])('counts %i %s', (count, singular, plural, expected) => {
    // Act
    const text = countOf(count, singular, plural);

    // Assess
    expect(text).toBe(expected);
  });
});
