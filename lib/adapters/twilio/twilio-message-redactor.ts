import {
  ForeignAccountError,
  MessageNotRedactableYetError,
  TwilioAuthError,
  TwilioUnavailableError,
} from '../../domain/errors.ts';
import { isAccountSid, isMessageSid } from '../../domain/sids.ts';
import type { MessageRedactor } from '../../ports/pipeline.ts';
import {
  describeRequestFailure,
  Retryable,
  type RetryPolicy,
  retrying,
  type TwilioHttpOptions,
  throttled,
  twilioErrorCode,
  twilioHttpSettings,
} from './twilio-http.ts';

const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 5_000 };
const TIMEOUT_MS = 10_000;

export interface TwilioMessageRedactorOptions extends TwilioHttpOptions {
  /**
   * TWILIO_SUBACCOUNTS: the accounts whose messages may be redacted (the main account's
   * credentials reach its subaccounts' paths). Default: only `accountSid`.
   */
  isAllowedAccount?: (accountSid: string) => boolean;
}

/**
 * Redaction over Twilio's REST API: GET the Message (`.json`) to read the body Twilio holds, and
 * POST it with an empty `Body`, which Twilio accepts once a message is final. Only the served
 * accounts' messages are ever addressed.
 */
export const createTwilioMessageRedactor = (
  options: TwilioMessageRedactorOptions,
): MessageRedactor => {
  const http = twilioHttpSettings(options, DEFAULT_RETRY);
  const isAllowedAccount =
    options.isAllowedAccount ?? ((sid: string) => sid === options.accountSid);

  const messageUrl = (accountSid: string, messageSid: string) =>
    new URL(
      `${http.basePath}/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}.json`,
      http.base,
    );

  const send = async (url: URL, init: RequestInit, what: string): Promise<Response> => {
    try {
      return await http.fetch(url, {
        ...init,
        headers: { Authorization: http.authorization, ...init.headers },
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new Retryable(
        new TwilioUnavailableError(`${what} request failed: ${describeRequestFailure(error)}`),
      );
    }
  };

  /** Throws for every answer but 200 and 404 (which the caller has already handled). */
  const refuse = async (response: Response, what: string): Promise<never> => {
    const { status } = response;
    if (status === 429) throw throttled(`Twilio throttled the ${what} (429)`, response);
    if (status >= 500) throw new Retryable(new TwilioUnavailableError(`Twilio answered ${status}`));
    if (status === 401 || status === 403) {
      throw new TwilioAuthError(`Twilio refused the credentials (${status}): check the API key`);
    }
    const code = await twilioErrorCode(response);
    if (code === 20009) {
      throw new MessageNotRedactableYetError('Twilio 20009: the message is not final yet');
    }
    throw new TwilioUnavailableError(
      `Twilio refused the ${what} (${status}, code ${code ?? 'none'})`,
    );
  };

  const redactOnce = async (
    accountSid: string,
    messageSid: string,
  ): Promise<'redacted' | 'already-gone'> => {
    const response = await send(
      messageUrl(accountSid, messageSid),
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'Body=',
      },
      'redaction',
    );
    if (response.status === 200 || response.status === 404) {
      await response.body?.cancel();
      return response.status === 200 ? 'redacted' : 'already-gone';
    }
    return refuse(response, 'redaction');
  };

  const readOnce = async (accountSid: string, messageSid: string) => {
    const response = await send(
      messageUrl(accountSid, messageSid),
      { method: 'GET', headers: { Accept: 'application/json' } },
      'message read',
    );
    if (response.status === 404) {
      await response.body?.cancel();
      return { status: 'gone' as const };
    }
    if (response.status !== 200) return refuse(response, 'message read');
    let message: { sid?: unknown; body?: unknown };
    try {
      message = (await response.json()) as typeof message;
    } catch {
      throw new Retryable(
        new TwilioUnavailableError('Twilio answered the message read with no JSON'),
      );
    }
    // A body Twilio did not name as this message's is no evidence of what it holds.
    if (message?.sid !== messageSid || typeof message.body !== 'string') {
      throw new TwilioUnavailableError('Twilio answered the message read without its sid and body');
    }
    return { status: 'found' as const, body: message.body };
  };

  const checked = (accountSid: string, messageSid: string) => {
    if (!isAccountSid(accountSid) || !isAllowedAccount(accountSid) || !isMessageSid(messageSid)) {
      throw new ForeignAccountError('refusing to address a message outside the served accounts');
    }
  };

  return {
    readBody: async ({ accountSid, messageSid }) => {
      checked(accountSid, messageSid);
      return retrying(() => readOnce(accountSid, messageSid), http.retrying);
    },
    redactBody: async ({ accountSid, messageSid }) => {
      checked(accountSid, messageSid);
      return retrying(() => redactOnce(accountSid, messageSid), http.retrying);
    },
  };
};
