/**
 * When the webhook may trust a subaccount's auth token it learned from Twilio, and when it must
 * ask again. Pure: times are numbers (ms) handed in, so tests drive a fake clock.
 *
 * - A learned token is used for `maxAgeMs`, then looked up again (a rotation is picked up without
 *   a redeploy). If Twilio cannot be reached, the old token keeps serving up to `maxStaleMs`.
 * - A token that a lookup replaced stays accepted for `previousTokenMs`: webhooks Twilio signed
 *   just before the rotation (or retries of them) still validate, as TWILIO_AUTH_TOKEN_PREVIOUS
 *   does for the main account.
 * - A signature that fails with a cached token may force one lookup, at most once per
 *   `forcedRefreshIntervalMs` per account: a burst of forged webhooks costs Twilio one call.
 * - "Not one of ours" (unknown SID, another owner) is remembered for `negativeMaxAgeMs`; under
 *   TWILIO_SUBACCOUNTS=all the list of subaccounts is read again at most every
 *   `relistIntervalMs`, so random forged SIDs cannot make one lookup each.
 */
export interface TokenCachePolicy {
  maxAgeMs: number;
  maxStaleMs: number;
  previousTokenMs: number;
  forcedRefreshIntervalMs: number;
  negativeMaxAgeMs: number;
  relistIntervalMs: number;
}

export const DEFAULT_TOKEN_CACHE_POLICY: TokenCachePolicy = {
  maxAgeMs: 5 * 60_000,
  maxStaleMs: 60 * 60_000,
  previousTokenMs: 60 * 60_000,
  forcedRefreshIntervalMs: 60_000,
  negativeMaxAgeMs: 5 * 60_000,
  relistIntervalMs: 60_000,
};

export type TokenEntry =
  | {
      kind: 'known';
      token: string;
      /** The token this one replaced, accepted until `until`. */
      previous?: { token: string; until: number };
      fetchedAt: number;
      /** Last lookup a signature mismatch forced (rate limit); absent = never. */
      forcedAt?: number;
    }
  | { kind: 'unknown'; fetchedAt: number; forcedAt?: number };

export type Freshness = 'missing' | 'fresh' | 'stale' | 'expired';

/** fresh: use it; stale: look up, but serve it if the lookup fails; expired/missing: look up. */
export const freshness = (
  entry: TokenEntry | undefined,
  now: number,
  policy: TokenCachePolicy,
): Freshness => {
  if (!entry) return 'missing';
  const age = now - entry.fetchedAt;
  const maxAge = entry.kind === 'known' ? policy.maxAgeMs : policy.negativeMaxAgeMs;
  if (age < maxAge) return 'fresh';
  if (entry.kind === 'known' && age < maxAge + policy.maxStaleMs) return 'stale';
  return 'expired';
};

/** The tokens a signature may match now: the current one, then the previous during rotation. */
export const acceptedTokens = (entry: TokenEntry | undefined, now: number): string[] => {
  if (entry?.kind !== 'known') return [];
  return entry.previous && now < entry.previous.until
    ? [entry.token, entry.previous.token]
    : [entry.token];
};

/** The entry after a lookup answered `found` (a token) or `undefined` (not one of ours). */
export const afterLookup = (
  entry: TokenEntry | undefined,
  found: string | undefined,
  now: number,
  policy: TokenCachePolicy,
  forced: boolean,
): TokenEntry => {
  const forcedAt = forced ? now : entry?.forcedAt;
  const rate = forcedAt === undefined ? {} : { forcedAt };
  if (found === undefined) return { kind: 'unknown', fetchedAt: now, ...rate };
  if (entry?.kind !== 'known' || entry.token === found) {
    const previous = entry?.kind === 'known' ? entry.previous : undefined;
    return {
      kind: 'known',
      token: found,
      fetchedAt: now,
      ...(previous && now < previous.until ? { previous } : {}),
      ...rate,
    };
  }
  return {
    kind: 'known',
    token: found,
    previous: { token: entry.token, until: now + policy.previousTokenMs },
    fetchedAt: now,
    ...rate,
  };
};

/** A signature failed against `entry`: may this request force a lookup? */
export const mayForceRefresh = (
  entry: TokenEntry | undefined,
  now: number,
  policy: TokenCachePolicy,
): boolean =>
  entry?.kind === 'known' &&
  (entry.forcedAt === undefined || now - entry.forcedAt >= policy.forcedRefreshIntervalMs);

/** TWILIO_SUBACCOUNTS=all: an SID missing from the last list may trigger a new list when due. */
export const mayRelist = (
  listedAt: number | undefined,
  now: number,
  policy: TokenCachePolicy,
): boolean => listedAt === undefined || now - listedAt >= policy.relistIntervalMs;
