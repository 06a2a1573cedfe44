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
 * Redaction over Twilio's REST API: POST the Message resource with an empty `Body`, which Twilio
 * accepts once a message is final. Only the served accounts' messages are ever addressed.
 */
export const createTwilioMessageRedactor = (
  options: TwilioMessageRedactorOptions,
): MessageRedactor => {
  const http = twilioHttpSettings(options, DEFAULT_RETRY);
  const isAllowedAccount =
    options.isAllowedAccount ?? ((sid: string) => sid === options.accountSid);

  const once = async (
    accountSid: string,
    messageSid: string,
  ): Promise<'redacted' | 'already-gone'> => {
    const url = new URL(
      `${http.basePath}/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}.json`,
      http.base,
    );
    let response: Response;
    try {
      response = await http.fetch(url, {
        method: 'POST',
        headers: {
          Authorization: http.authorization,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'Body=',
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw new Retryable(
        new TwilioUnavailableError(`redaction request failed: ${describeRequestFailure(error)}`),
      );
    }
    const { status } = response;
    if (status === 200) {
      await response.body?.cancel();
      return 'redacted';
    }
    if (status === 404) {
      await response.body?.cancel();
      return 'already-gone';
    }
    if (status === 429) throw throttled('Twilio throttled the redaction (429)', response);
    if (status >= 500) throw new Retryable(new TwilioUnavailableError(`Twilio answered ${status}`));
    if (status === 401 || status === 403) {
      throw new TwilioAuthError(`Twilio refused the credentials (${status}): check the API key`);
    }
    const code = await twilioErrorCode(response);
    if (code === 20009) {
      throw new MessageNotRedactableYetError('Twilio 20009: the message is not final yet');
    }
    throw new TwilioUnavailableError(
      `Twilio refused the redaction (${status}, code ${code ?? 'none'})`,
    );
  };

  return {
    redactBody: async ({ accountSid, messageSid }) => {
      if (!isAccountSid(accountSid) || !isAllowedAccount(accountSid) || !isMessageSid(messageSid)) {
        throw new ForeignAccountError('refusing to redact outside the served accounts');
      }
      return retrying(() => once(accountSid, messageSid), http.retrying);
    },
  };
};
