import { type AccountScope, scopeMayInclude } from '../domain/account-scope.ts';
import { TwilioUnavailableError } from '../domain/errors.ts';
import {
  acceptedTokens,
  afterLookup,
  DEFAULT_TOKEN_CACHE_POLICY,
  freshness,
  mayForceRefresh,
  type TokenCachePolicy,
  type TokenEntry,
} from '../domain/token-cache-policy.ts';
import type { AccountDirectory, AccountTokens } from '../ports/pipeline.ts';
import { createSubaccountListing } from './subaccount-listing.ts';

export interface AccountTokensOptions {
  mainAccountSid: string;
  /** TWILIO_AUTH_TOKEN, then TWILIO_AUTH_TOKEN_PREVIOUS: the main account is never looked up. */
  mainTokens: readonly string[];
  scope: AccountScope;
  /** Needed unless the scope is `none`. */
  directory?: AccountDirectory;
  policy?: Partial<TokenCachePolicy>;
  now?: () => number;
}

/** What a lookup can tell: a token, "not ours", or nothing (Twilio unreachable). */
const unavailable = (error: unknown) =>
  error instanceof TwilioUnavailableError
    ? error
    : new TwilioUnavailableError('subaccount lookup failed', { cause: error });

/**
 * The webhook's tokens per account, learned from the main account's API and cached per
 * `lib/domain/token-cache-policy.ts`. Concurrent requests for one account share one lookup
 * (single-flight), so a burst for a new subaccount costs Twilio one call per warm Lambda.
 */
export const createAccountTokens = (options: AccountTokensOptions): AccountTokens => {
  const policy = { ...DEFAULT_TOKEN_CACHE_POLICY, ...options.policy };
  const now = options.now ?? Date.now;
  const { mainAccountSid, scope, directory } = options;
  const mainTokens = [...options.mainTokens];
  if (scope.kind !== 'none' && !directory) {
    throw new Error('a subaccount scope needs an AccountDirectory');
  }
  const entries = new Map<string, TokenEntry>();
  // The answers that came straight from a lookup: a signature failing with one of them needs no
  // forced lookup, so a forged webhook naming a served subaccount costs one lookup, not two in a
  // row (which made its refusal measurably slower than one naming an unserved SID). A rotation
  // mid-burst still forces one: the next request gets the cached answer, not this one.
  const justLearned = new WeakSet<readonly string[]>();
  const lookups = new Map<string, Promise<TokenEntry>>();
  const isListed =
    directory && createSubaccountListing({ directory, policy, now, failure: unavailable });

  const isMember = async (sid: string): Promise<boolean> => {
    if (scope.kind === 'list') return scope.sids.includes(sid);
    return isListed ? isListed(sid) : false;
  };

  const lookup = (sid: string, forced: boolean): Promise<TokenEntry> => {
    const running = lookups.get(sid);
    if (running) return running;
    const started = (async () => {
      try {
        const account = await (directory as AccountDirectory).getSubaccount(sid);
        const entry = afterLookup(entries.get(sid), account?.authToken, now(), policy, forced);
        entries.set(sid, entry);
        return entry;
      } catch (error) {
        const cached = entries.get(sid);
        if (cached && forced) {
          // The forced attempt counts against the rate limit even when it failed.
          const limited = { ...cached, forcedAt: now() };
          entries.set(sid, limited);
        }
        if (cached && freshness(cached, now(), policy) !== 'expired')
          return entries.get(sid) as TokenEntry;
        throw unavailable(error);
      } finally {
        lookups.delete(sid);
      }
    })();
    lookups.set(sid, started);
    return started;
  };

  return {
    async tokensFor(sid, request = {}) {
      if (sid === mainAccountSid) return mainTokens;
      if (!scopeMayInclude(scope, mainAccountSid, sid)) return undefined;
      let entry = entries.get(sid);
      if (entry?.kind !== 'known' && !(await isMember(sid))) return undefined;
      const state = freshness(entry, now(), policy);
      let learned = false;
      if (request.afterMismatch) {
        if (request.tried !== undefined && justLearned.has(request.tried)) {
          // The lookup just made counts as this interval's forced one (rate limit unchanged).
          if (entry) entries.set(sid, { ...entry, forcedAt: now() });
        } else if (lookups.has(sid) || mayForceRefresh(entry, now(), policy)) {
          entry = await lookup(sid, true);
        }
      } else if (state !== 'fresh') {
        entry = await lookup(sid, false);
        learned = true;
      }
      if (entry?.kind !== 'known') return undefined;
      const accepted = acceptedTokens(entry, now());
      if (learned) justLearned.add(accepted);
      return accepted;
    },
  };
};
