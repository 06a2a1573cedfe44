import type { AccountScope } from '../../domain/account-scope.ts';
import type { AccountDirectory, TwilioAccount } from '../../ports/pipeline.ts';

/** Twilio deletes a closed subaccount, media included, this many days after it was closed. */
export const CLOSED_ACCOUNT_RETENTION_DAYS = 30;

export interface ServedAccount {
  sid: string;
  main: boolean;
  /** `active`, `suspended`, `closed` (the main account: `active`). */
  status: string;
  /** ISO-8601; absent for the main account (not read). */
  dateCreated?: string;
  /** Closed: when Twilio is expected to delete it (date_updated + 30 days), ISO day. */
  deletionDeadline?: string;
}

/** Asked for an account this deployment does not serve (`--account`). */
export class AccountNotServedError extends Error {
  constructor(sid: string) {
    super(`account ${sid} is not served here (TWILIO_ACCOUNT_SID / TWILIO_SUBACCOUNTS)`);
    this.name = new.target.name;
  }
}

const served = (account: TwilioAccount): ServedAccount => {
  const entry: ServedAccount = { sid: account.sid, main: false, status: account.status };
  if (account.dateCreated) entry.dateCreated = account.dateCreated;
  const closedAt = Date.parse(account.dateUpdated);
  if (account.status === 'closed' && !Number.isNaN(closedAt)) {
    entry.deletionDeadline = new Date(closedAt + CLOSED_ACCOUNT_RETENTION_DAYS * 86_400_000)
      .toISOString()
      .slice(0, 10);
  }
  return entry;
};

const URGENCY: Record<string, number> = { closed: 0, suspended: 1 };

/**
 * Backfill order: a closed subaccount first (nearest deletion first), then suspended ones, then
 * the rest oldest first (their oldest media is nearest Twilio's 13-month expiry); the main
 * account, whose creation date is not read, leads the rest.
 */
export const orderForBackfill = (accounts: readonly ServedAccount[]): ServedAccount[] =>
  [...accounts].sort((a, b) => {
    const urgency = (URGENCY[a.status] ?? 2) - (URGENCY[b.status] ?? 2);
    if (urgency !== 0) return urgency;
    const deadline = (a.deletionDeadline ?? '').localeCompare(b.deletionDeadline ?? '');
    if (deadline !== 0) return deadline;
    if (a.main !== b.main) return a.main ? -1 : 1;
    return (a.dateCreated ?? '').localeCompare(b.dateCreated ?? '') || a.sid.localeCompare(b.sid);
  });

/**
 * The accounts a backfill/reconcile walks: the main account and the subaccounts TWILIO_SUBACCOUNTS
 * names (read from the main account's Accounts list), narrowed to `only` when given.
 */
export const servedAccounts = async (
  config: { accountSid: string; subaccounts?: AccountScope | undefined },
  directory: AccountDirectory | undefined,
  only?: string,
): Promise<ServedAccount[]> => {
  const main: ServedAccount = { sid: config.accountSid, main: true, status: 'active' };
  const scope = config.subaccounts ?? { kind: 'none' };
  if (only === config.accountSid) return [main];
  if (scope.kind === 'none' || !directory) {
    if (only !== undefined) throw new AccountNotServedError(only);
    return [main];
  }
  const listed = (await directory.listSubaccounts()).map(served);
  const subs =
    scope.kind === 'all' ? listed : listed.filter((account) => scope.sids.includes(account.sid));
  if (only !== undefined) {
    const one = subs.find((account) => account.sid === only);
    if (!one) throw new AccountNotServedError(only);
    return [one];
  }
  return orderForBackfill([main, ...subs]);
};

/** The archiver's settings for one served account: same credentials, the account's paths. */
export const configForAccount = <T extends { accountSid: string }>(config: T, sid: string): T => ({
  ...config,
  accountSid: sid,
});
