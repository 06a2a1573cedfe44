import { describe, expect, it } from 'vitest';
import {
  AccountScopeSyntaxError,
  formatAccountScope,
  parseAccountScope,
  scopeMayInclude,
} from '../../../lib/domain/account-scope.ts';

const MAIN = `AC${'a'.repeat(32)}`;
const SUB1 = `AC${'b'.repeat(32)}`;
const SUB2 = `AC${'c'.repeat(32)}`;

describe('parseAccountScope', () => {
  it('reads unset, blank and `none` (any case) as the main account only', () => {
    // Assess
    for (const value of [undefined, '', '  ', 'none', 'NONE']) {
      expect(parseAccountScope(value)).toEqual({ kind: 'none' });
    }
  });

  it('reads `all` in any case', () => {
    // Assess
    expect(parseAccountScope(' All ')).toEqual({ kind: 'all' });
  });

  it('reads a list, trimming, dropping empties and duplicates', () => {
    // Act
    const scope = parseAccountScope(` ${SUB1} ,,${SUB2},${SUB1},`);

    // Assess
    expect(scope).toEqual({ kind: 'list', sids: [SUB1, SUB2] });
    expect(formatAccountScope(scope)).toBe(`${SUB1},${SUB2}`);
  });

  it('refuses a bad entry by its position, without echoing it', () => {
    // Prepare
    const typo = `AC${'d'.repeat(31)}`;

    // Act
    const parse = () => parseAccountScope(`${SUB1},${typo}`);

    // Assess
    expect(parse).toThrow(AccountScopeSyntaxError);
    expect(parse).toThrow(/entry 2 /);
    try {
      parse();
    } catch (error) {
      expect((error as Error).message).not.toContain(typo);
      expect((error as Error).name).toBe('AccountScopeSyntaxError');
    }
  });
});

describe('scopeMayInclude', () => {
  it('always includes the main account, never a malformed SID', () => {
    // Assess
    expect(scopeMayInclude({ kind: 'none' }, MAIN, MAIN)).toBe(true);
    expect(scopeMayInclude({ kind: 'all' }, MAIN, 'AC-not-a-sid')).toBe(false);
  });

  it('includes a subaccount per the scope kind', () => {
    // Assess
    expect(scopeMayInclude({ kind: 'none' }, MAIN, SUB1)).toBe(false);
    expect(scopeMayInclude({ kind: 'all' }, MAIN, SUB1)).toBe(true);
    expect(scopeMayInclude({ kind: 'list', sids: [SUB1] }, MAIN, SUB1)).toBe(true);
    expect(scopeMayInclude({ kind: 'list', sids: [SUB1] }, MAIN, SUB2)).toBe(false);
    expect(formatAccountScope({ kind: 'all' })).toBe('all');
  });
});
