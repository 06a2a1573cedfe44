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

describe('token cache policy with every age told apart', () => {
  // Distinct values, so that a rule reading the wrong one shows.
  const policy = {
    maxAgeMs: 100,
    maxStaleMs: 50,
    previousTokenMs: 1_000,
    forcedRefreshIntervalMs: 30,
    negativeMaxAgeMs: 10,
    relistIntervalMs: 20,
  };

  it('ages a known token by maxAge and maxStale, "not ours" by negativeMaxAge alone', () => {
    // Prepare
    const known = afterLookup(undefined, 'tok', 0, policy, false);
    const unknown = afterLookup(undefined, undefined, 0, policy, false);

    // Act
    const knownAt = [9, 10, 99, 100, 149, 150].map((now) => freshness(known, now, policy));
    const unknownAt = [9, 10, 99, 149].map((now) => freshness(unknown, now, policy));

    // Assess
    expect(knownAt).toEqual(['fresh', 'fresh', 'fresh', 'stale', 'stale', 'expired']);
    expect(unknownAt).toEqual(['fresh', 'expired', 'expired', 'expired']);
  });

  it('records a lookup as exactly the entry it describes', () => {
    // Act / Assess
    expect(afterLookup(undefined, 'tok', 5, policy, false)).toStrictEqual({
      kind: 'known',
      token: 'tok',
      fetchedAt: 5,
    });
    expect(afterLookup(undefined, undefined, 5, policy, true)).toStrictEqual({
      kind: 'unknown',
      fetchedAt: 5,
      forcedAt: 5,
    });
    expect(
      afterLookup({ kind: 'unknown', fetchedAt: 0, forcedAt: 2 }, 'tok', 5, policy, false),
    ).toStrictEqual({ kind: 'known', token: 'tok', fetchedAt: 5, forcedAt: 2 });
  });

  it('starts the rotation window at the lookup that saw the new token', () => {
    // Prepare
    const first = afterLookup(undefined, 'old', 0, policy, false);

    // Act
    const rotated = afterLookup(first, 'new', 40, policy, false);

    // Assess
    expect(rotated).toStrictEqual({
      kind: 'known',
      token: 'new',
      previous: { token: 'old', until: 1_040 },
      fetchedAt: 40,
    });
  });

  it('forgets the replaced token at a lookup after its window, keeps it before', () => {
    // Prepare
    const rotated = afterLookup(
      afterLookup(undefined, 'old', 0, policy, false),
      'new',
      0,
      policy,
      false,
    );

    // Act
    const before = afterLookup(rotated, 'new', 999, policy, false);
    const after = afterLookup(rotated, 'new', 1_000, policy, false);

    // Assess
    expect(before).toHaveProperty('previous', { token: 'old', until: 1_000 });
    expect(after).not.toHaveProperty('previous');
  });

  it('accepts no token for an account it holds nothing for', () => {
    // Act / Assess
    expect(acceptedTokens(undefined, 0)).toEqual([]);
  });

  it('serves the documented defaults: 5 min fresh, 1 h stale and rotation, 1 min rate limits', () => {
    // Act / Assess: the README's "Token cache" section states these
    expect(POLICY).toEqual({
      maxAgeMs: 300_000,
      maxStaleMs: 3_600_000,
      previousTokenMs: 3_600_000,
      forcedRefreshIntervalMs: 60_000,
      negativeMaxAgeMs: 300_000,
      relistIntervalMs: 60_000,
    });
  });

  it('never lets "not ours" force a lookup, and rate-limits a known token by its own interval', () => {
    // Prepare
    const unknown = afterLookup(undefined, undefined, 0, policy, true);
    const forced = afterLookup(undefined, 'tok', 0, policy, true);

    // Act / Assess
    expect(mayForceRefresh(unknown, 1_000, policy)).toBe(false);
    expect(mayForceRefresh(forced, 29, policy)).toBe(false);
    expect(mayForceRefresh(forced, 30, policy)).toBe(true);
    expect(mayRelist(0, 19, policy)).toBe(false);
    expect(mayRelist(0, 20, policy)).toBe(true);
  });
});
