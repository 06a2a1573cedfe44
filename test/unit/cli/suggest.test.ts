import { describe, expect, it } from 'vitest';
import { didYouMean, distance } from '../../../lib/cli/suggest.ts';

describe('suggest', () => {
  it('counts insertions, deletions and substitutions', () => {
    // Assess
    expect(distance('', '')).toBe(0);
    expect(distance('ls', 'ls')).toBe(0);
    expect(distance('kitten', 'sitting')).toBe(3);
    expect(distance('', 'get')).toBe(3);
    expect(distance('stat', 'stats')).toBe(1);
  });

  it('suggests the closest candidate within two edits, or by prefix', () => {
    // Prepare
    const commands = ['ls', 'get', 'stats', 'reconcile', 'redrive'];

    // Assess
    expect(didYouMean('stast', commands)).toBe(' (did you mean "stats"?)');
    expect(didYouMean('recon', commands)).toBe(' (did you mean "reconcile"?)');
    expect(didYouMean('deploy', commands)).toBe('');
  });
});
