import { isAccountSid } from './sids.ts';

/**
 * Which Twilio accounts one deployment serves (TWILIO_SUBACCOUNTS): the main account always;
 * `none` = only it (the default), `all` = every subaccount the main account owns, discovered at
 * run time, or an explicit list of subaccount SIDs.
 */
export type AccountScope =
  | { kind: 'none' }
  | { kind: 'all' }
  | { kind: 'list'; sids: readonly string[] };

export class AccountScopeSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export const parseAccountScope = (value: string | undefined): AccountScope => {
  const text = value?.trim() ?? '';
  if (text === '' || text.toLowerCase() === 'none') return { kind: 'none' };
  if (text.toLowerCase() === 'all') return { kind: 'all' };
  const sids = [...new Set(text.split(',').map((part) => part.trim()))].filter(Boolean);
  const bad = sids.find((sid) => !isAccountSid(sid));
  // A typo'd SID is not echoed whole: only its position matters to whoever fixes it.
  if (bad !== undefined) {
    throw new AccountScopeSyntaxError(
      `entry ${sids.indexOf(bad) + 1} is not an AC… SID (none, all, or AC…,AC…)`,
    );
  }
  return { kind: 'list', sids };
};

export const formatAccountScope = (scope: AccountScope): string =>
  scope.kind === 'list' ? scope.sids.join(',') : scope.kind;

/**
 * Whether the scope, as configured, may contain `sid`. For `all` this is only "may": membership
 * is decided by the main account's Accounts list.
 */
export const scopeMayInclude = (scope: AccountScope, mainSid: string, sid: string): boolean => {
  if (sid === mainSid) return true;
  if (!isAccountSid(sid)) return false;
  if (scope.kind === 'none') return false;
  if (scope.kind === 'all') return true;
  return scope.sids.includes(sid);
};
