import { describe, expect, it } from 'vitest';
import {
  AccountScopeSyntaxError,
  parseAccountScope,
  scopeMayInclude,
} from '../../../lib/domain/account-scope.ts';
import {
  acceptedTokens,
  afterLookup,
  freshness,
  mayForceRefresh,
  mayRelist,
  DEFAULT_TOKEN_CACHE_POLICY as POLICY,
} from '../../../lib/domain/token-cache-policy.ts';

const MAIN = `AC${'a'.repeat(32)}`;
const SUB = `AC${'b'.repeat(32)}`;
const OTHER = `AC${'c'.repeat(32)}`;

describe('parseAccountScope', () => {
  it('reads none (and empty), all and a de-duplicated list', () => {
    // Act & Assess
    expect(parseAccountScope(undefined)).toEqual({ kind: 'none' });
    expect(parseAccountScope(' NONE ')).toEqual({ kind: 'none' });
    expect(parseAccountScope('all')).toEqual({ kind: 'all' });
    expect(parseAccountScope(`${SUB}, ${OTHER},${SUB}`)).toEqual({
      kind: 'list',
      sids: [SUB, OTHER],
    });
  });

  it('refuses an entry that is not an AC SID without echoing it', () => {
    // Act
    const read = () => parseAccountScope(`${SUB},ACsecretish`);

    // Assess
    expect(read).toThrow(AccountScopeSyntaxError);
    expect(read).toThrow(/entry 2/);
    expect(read).not.toThrow(/secretish/);
  });
});

describe('scopeMayInclude', () => {
  it('always includes the main account, never a non-SID, and follows the scope otherwise', () => {
    // Act & Assess
    expect(scopeMayInclude({ kind: 'none' }, MAIN, MAIN)).toBe(true);
    expect(scopeMayInclude({ kind: 'none' }, MAIN, SUB)).toBe(false);
    expect(scopeMayInclude({ kind: 'all' }, MAIN, SUB)).toBe(true);
    expect(scopeMayInclude({ kind: 'all' }, MAIN, 'ACnot')).toBe(false);
    expect(scopeMayInclude({ kind: 'list', sids: [SUB] }, MAIN, SUB)).toBe(true);
    expect(scopeMayInclude({ kind: 'list', sids: [SUB] }, MAIN, OTHER)).toBe(false);
  });
});

describe('token cache policy', () => {
  it('serves a token fresh for maxAge, stale (usable if Twilio is down) for maxStale, then expires', () => {
    // Prepare
    const entry = afterLookup(undefined, 'tok1', 1_000, POLICY, false);

    // Act & Assess
    expect(freshness(undefined, 1_000, POLICY)).toBe('missing');
    expect(freshness(entry, 1_000 + POLICY.maxAgeMs - 1, POLICY)).toBe('fresh');
    expect(freshness(entry, 1_000 + POLICY.maxAgeMs, POLICY)).toBe('stale');
    expect(freshness(entry, 1_000 + POLICY.maxAgeMs + POLICY.maxStaleMs, POLICY)).toBe('expired');
  });

  it('remembers "not ours" for negativeMaxAge only, never as stale', () => {
    // Prepare
    const entry = afterLookup(undefined, undefined, 0, POLICY, false);

    // Act & Assess
    expect(entry.kind).toBe('unknown');
    expect(acceptedTokens(entry, 0)).toEqual([]);
    expect(freshness(entry, POLICY.negativeMaxAgeMs - 1, POLICY)).toBe('fresh');
    expect(freshness(entry, POLICY.negativeMaxAgeMs, POLICY)).toBe('expired');
  });

  it('keeps the replaced token during the rotation window, then drops it', () => {
    // Prepare
    const first = afterLookup(undefined, 'old', 0, POLICY, false);

    // Act
    const rotated = afterLookup(first, 'new', 10_000, POLICY, true);
    const again = afterLookup(rotated, 'new', 20_000, POLICY, false);

    // Assess
    expect(acceptedTokens(rotated, 10_000)).toEqual(['new', 'old']);
    expect(acceptedTokens(again, 20_000)).toEqual(['new', 'old']);
    expect(acceptedTokens(again, 10_000 + POLICY.previousTokenMs)).toEqual(['new']);
  });

  it('lets a mismatch force one lookup per interval per account', () => {
    // Prepare
    const cached = afterLookup(undefined, 'tok', 0, POLICY, false);
    const forced = afterLookup(cached, 'tok', 5_000, POLICY, true);

    // Act & Assess
    expect(mayForceRefresh(undefined, 0, POLICY)).toBe(false);
    expect(mayForceRefresh(cached, 1, POLICY)).toBe(true);
    expect(mayForceRefresh(forced, 5_000 + POLICY.forcedRefreshIntervalMs - 1, POLICY)).toBe(false);
    expect(mayForceRefresh(forced, 5_000 + POLICY.forcedRefreshIntervalMs, POLICY)).toBe(true);
    // An ordinary refresh keeps the forced time: it does not reopen the rate limit.
    const refreshed = afterLookup(forced, 'tok', 6_000, POLICY, false);
    expect(mayForceRefresh(refreshed, 6_001, POLICY)).toBe(false);
  });

  it('re-lists subaccounts for an unknown SID at most once per relist interval', () => {
    // Act & Assess
    expect(mayRelist(undefined, 0, POLICY)).toBe(true);
    expect(mayRelist(100, 100 + POLICY.relistIntervalMs - 1, POLICY)).toBe(false);
    expect(mayRelist(100, 100 + POLICY.relistIntervalMs, POLICY)).toBe(true);
  });
});
