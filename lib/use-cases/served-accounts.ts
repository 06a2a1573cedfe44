import { type AccountScope, scopeMayInclude } from '../domain/account-scope.ts';
import { DEFAULT_TOKEN_CACHE_POLICY } from '../domain/token-cache-policy.ts';
import type { AccountDirectory } from '../ports/pipeline.ts';
import { createSubaccountListing } from './subaccount-listing.ts';

export interface ServedAccountsOptions {
  mainAccountSid: string;
  scope: AccountScope;
  /** Needed for `all`: membership is the main account's Accounts list. */
  directory?: AccountDirectory;
  /** At most one list call per this many ms, however many unknown SIDs arrive. */
  relistIntervalMs?: number;
  now?: () => number;
}

/**
 * Whether this deployment serves an account: the main account, a listed subaccount, or under
 * `all` a subaccount the main account's Accounts list names (read at most once a minute, so a
 * stream of foreign SIDs costs Twilio one call a minute, never one per event).
 */
export const createServedAccounts = (
  options: ServedAccountsOptions,
): ((accountSid: string) => Promise<boolean>) => {
  const { mainAccountSid, scope, directory } = options;
  const now = options.now ?? Date.now;
  const policy = {
    ...DEFAULT_TOKEN_CACHE_POLICY,
    ...(options.relistIntervalMs === undefined
      ? {}
      : { relistIntervalMs: options.relistIntervalMs }),
  };
  const isListed = directory && createSubaccountListing({ directory, policy, now });

  return async (sid) => {
    if (!scopeMayInclude(scope, mainAccountSid, sid)) return false;
    if (sid === mainAccountSid || scope.kind !== 'all') return true;
    return isListed ? isListed(sid) : false;
  };
};
