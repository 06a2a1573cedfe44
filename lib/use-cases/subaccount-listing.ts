import { mayRelist, type TokenCachePolicy } from '../domain/token-cache-policy.ts';
import type { AccountDirectory } from '../ports/pipeline.ts';

export interface SubaccountListingOptions {
  directory: AccountDirectory;
  policy: TokenCachePolicy;
  now: () => number;
  /** What a failed list call throws (the caller's own error type). */
  failure?: (error: unknown) => unknown;
}

/**
 * Whether the main account's Accounts list names a SID, listed at most once per
 * `relistIntervalMs` however many unknown SIDs arrive (a failed call counts too, so an outage or a
 * stream of forged SIDs costs Twilio one call per interval), and one list call at a time.
 */
export const createSubaccountListing = (
  options: SubaccountListingOptions,
): ((sid: string) => Promise<boolean>) => {
  const { directory, policy, now, failure = (error: unknown) => error } = options;
  let listed: { at: number; sids: Set<string> } | undefined;
  let listing: Promise<void> | undefined;

  const relist = (): Promise<void> => {
    listing ??= (async () => {
      try {
        const accounts = await directory.listSubaccounts();
        listed = { at: now(), sids: new Set(accounts.map((account) => account.sid)) };
      } catch (error) {
        listed = { at: now(), sids: listed?.sids ?? new Set() };
        throw failure(error);
      } finally {
        listing = undefined;
      }
    })();
    return listing;
  };

  return async (sid) => {
    if (listed?.sids.has(sid)) return true;
    if (!mayRelist(listed?.at, now(), policy)) return false;
    await relist();
    return listed?.sids.has(sid) ?? false;
  };
};
