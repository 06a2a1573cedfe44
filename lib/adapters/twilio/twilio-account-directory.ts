import { TwilioAuthError, TwilioUnavailableError } from '../../domain/errors.ts';
import { isAccountSid } from '../../domain/sids.ts';
import type { AccountDirectory, TwilioAccount } from '../../ports/pipeline.ts';
import { isoFromTwilioDate, TwilioListError, UnsafePageUriError } from './twilio-catalog.ts';
import {
  jsonGetInit,
  Retryable,
  type RetryPolicy,
  readJsonBody,
  retrying,
  type TwilioHttpOptions,
  throttled,
  twilioHttpSettings,
  withTimeout,
} from './twilio-http.ts';

export interface TwilioAccountDirectoryOptions extends TwilioHttpOptions {
  requestTimeoutMs?: number;
  pageSize?: number;
}

/** A webhook (10 s Lambda timeout, Twilio waits 15 s) is waiting on this answer: retry once. */
const DEFAULT_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 200, maxDelayMs: 1_000 };
const MAX_PAGES = 100;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

const accountOf = (raw: Record<string, unknown>): TwilioAccount | undefined => {
  const sid = text(raw.sid);
  if (!isAccountSid(sid)) return undefined;
  return {
    sid,
    ownerAccountSid: text(raw.owner_account_sid),
    status: text(raw.status),
    friendlyName: text(raw.friendly_name),
    dateCreated: isoFromTwilioDate(raw.date_created) ?? '',
    dateUpdated: isoFromTwilioDate(raw.date_updated) ?? '',
  };
};

/**
 * The Accounts resource read with the main account's credentials: its subaccounts (paged) and
 * one subaccount's auth token. Credentials go to the configured API origin only, and a next page
 * is followed only while it stays on `Accounts.json`. An account another main owns is "not ours".
 */
export const createTwilioAccountDirectory = (
  options: TwilioAccountDirectoryOptions,
): AccountDirectory => {
  const http = twilioHttpSettings(options, DEFAULT_RETRY);
  const timeoutMs = options.requestTimeoutMs ?? 3_000;
  const pageSize = Math.min(Math.max(options.pageSize ?? 1000, 1), 1000);
  const listPath = `${http.basePath}/2010-04-01/Accounts.json`;
  const main = options.accountSid;

  const getOnce = async (
    url: URL,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | undefined> => {
    let response: Response;
    try {
      response = await http.fetch(
        url,
        jsonGetInit(http.authorization, withTimeout(timeoutMs, signal)),
      );
    } catch (error) {
      throw new Retryable(
        new TwilioUnavailableError(`cannot reach Twilio: ${(error as Error).name}`, {
          cause: error,
        }),
      );
    }
    const { status } = response;
    if (status === 200) return readJsonBody(response, 'unreadable answer from Accounts');
    await response.body?.cancel().catch(() => undefined);
    if (status === 404) return undefined;
    if (status === 429) throw throttled('Twilio throttled Accounts (429)', response);
    if (status >= 500)
      throw new Retryable(new TwilioUnavailableError(`Accounts answered ${status}`));
    if (status === 401 || status === 403) {
      // Twilio's Standard API keys may not read Accounts; only the auth token or a Main key can.
      throw new TwilioAuthError(
        `Twilio refused the credential on Accounts (${status}): subaccounts need the main auth token or a Main API key`,
      );
    }
    throw new TwilioListError(`Accounts answered ${status}`);
  };
  const get = (url: URL, signal?: AbortSignal) =>
    retrying(() => getOnce(url, signal), { ...http.retrying, signal });

  const nextUrl = (next: unknown): URL | undefined => {
    if (typeof next !== 'string' || next === '') return undefined;
    const url = new URL(`${http.basePath}${next}`, http.base.origin);
    if (url.origin !== http.base.origin || url.pathname !== listPath) {
      throw new UnsafePageUriError('next_page_uri leaves Accounts.json: not followed');
    }
    return url;
  };

  return {
    async listSubaccounts(signal) {
      const accounts: TwilioAccount[] = [];
      const read = new Set<string>();
      let url: URL | undefined = new URL(`${listPath}?PageSize=${pageSize}`, http.base.origin);
      while (url) {
        if (read.size >= MAX_PAGES || read.has(url.href)) {
          throw new TwilioListError('Accounts.json pages repeat or never end');
        }
        read.add(url.href);
        const body = await get(url, signal);
        if (!body) throw new TwilioListError('Accounts.json answered 404');
        const raw = Array.isArray(body.accounts) ? body.accounts : [];
        for (const entry of raw) {
          const account = accountOf(entry as Record<string, unknown>);
          if (account && account.sid !== main && account.ownerAccountSid === main) {
            accounts.push(account);
          }
        }
        url = nextUrl(body.next_page_uri);
      }
      return accounts;
    },
    async getSubaccount(sid, signal) {
      if (!isAccountSid(sid) || sid === main) return undefined;
      const body = await get(
        new URL(`${http.basePath}/2010-04-01/Accounts/${sid}.json`, http.base.origin),
        signal,
      );
      const account = body && accountOf(body);
      const authToken = text(body?.auth_token);
      if (!account || account.sid !== sid || account.ownerAccountSid !== main || !authToken) {
        return undefined;
      }
      return { ...account, authToken };
    },
  };
};
