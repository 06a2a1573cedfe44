import { TwilioAuthError, TwilioUnavailableError } from '../../domain/errors.ts';
import type {
  MessagingServiceConfig,
  PhoneNumberConfig,
  TwilioAccountReader,
} from '../../ports/doctor.ts';
import { TwilioListError, UnsafePageUriError } from './twilio-catalog.ts';
import {
  jsonGetInit,
  Retryable,
  type RetryPolicy,
  readJsonBody,
  retrying,
  type TwilioHttpOptions,
  throttled,
  twilioErrorCode,
  twilioHttpSettings,
  withTimeout,
} from './twilio-http.ts';

export interface TwilioAccountReaderOptions extends TwilioHttpOptions {
  /** Messaging v1 lives on its own origin, e.g. `https://messaging.twilio.com`. */
  messagingBaseUrl: string;
  /** Records per list page (Twilio allows up to 1000). */
  pageSize?: number;
  requestTimeoutMs?: number;
}

/** A diagnosis is interactive: a couple of quick retries, not a backfill's patience. */
const DEFAULT_RETRY: RetryPolicy = { attempts: 2, baseDelayMs: 500, maxDelayMs: 5_000 };
/** A `next_page` that keeps coming back is a loop, not an account with a million numbers. */
const MAX_PAGES = 1000;

const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;

/**
 * The account's IncomingPhoneNumbers (2010 API) and Messaging Services (messaging v1), read with
 * one credential. As in the catalog, credentials go only to the two configured origins, and a
 * next page is followed only while it stays on the same list of the same origin.
 */
export const createTwilioAccountReader = (
  options: TwilioAccountReaderOptions,
): TwilioAccountReader => {
  const http = twilioHttpSettings(options, DEFAULT_RETRY);
  const messaging = new URL(options.messagingBaseUrl);
  const messagingPath = messaging.pathname.replace(/\/+$/, '');
  const pageSize = Math.min(Math.max(options.pageSize ?? 1000, 1), 1000);
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const numbersPath = `${http.basePath}/2010-04-01/Accounts/${options.accountSid}/IncomingPhoneNumbers.json`;
  const servicesPath = `${messagingPath}/v1/Services`;

  const getOnce = async (url: URL): Promise<Record<string, unknown>> => {
    let response: Response;
    try {
      response = await http.fetch(url, jsonGetInit(http.authorization, withTimeout(timeoutMs)));
    } catch (error) {
      throw new Retryable(
        new TwilioUnavailableError(`cannot reach ${url.origin}: ${(error as Error).message}`, {
          cause: error,
        }),
      );
    }
    const { status } = response;
    if (status === 200) return readJsonBody(response, `unreadable answer from ${url.pathname}`);
    const errorCode = await twilioErrorCode(response);
    const code = errorCode === undefined ? '' : ` code ${errorCode}`;
    if (status === 429) throw throttled(`Twilio throttled ${url.pathname} (429)`, response);
    if (status >= 500) {
      throw new Retryable(
        new TwilioUnavailableError(`Twilio answered ${status}${code} to ${url.pathname}`),
      );
    }
    if (status === 401 || status === 403) {
      throw new TwilioAuthError(`Twilio refused the credential (${status}${code})`);
    }
    throw new TwilioListError(`Twilio answered ${status}${code} to ${url.pathname}`);
  };
  const get = (url: URL) => retrying(() => getOnce(url), http.retrying);

  /** Same origin, same list, no credentials sent anywhere else. */
  const follow = (next: unknown, origin: string, path: string): URL | undefined => {
    if (typeof next !== 'string' || next === '') return undefined;
    const url = new URL(next, origin);
    if (url.origin !== origin || url.pathname !== path) {
      throw new UnsafePageUriError(
        `next page ${url.origin}${url.pathname} leaves ${path}: not followed`,
      );
    }
    return url;
  };

  const walk = async <T>(
    first: URL,
    origin: string,
    path: string,
    page: (body: Record<string, unknown>) => { items: unknown[]; next: unknown },
    map: (raw: Record<string, unknown>) => T | undefined,
  ): Promise<T[]> => {
    const items: T[] = [];
    let url: URL | undefined = first;
    for (let pages = 0; url; pages += 1) {
      if (pages >= MAX_PAGES) throw new TwilioListError(`more than ${MAX_PAGES} pages of ${path}`);
      const body = await get(url);
      const { items: raw, next } = page(body);
      for (const entry of raw) {
        const item = map(entry as Record<string, unknown>);
        if (item) items.push(item);
      }
      url = follow(next, origin, path);
    }
    return items;
  };

  const numbersUrl = (size: number) => new URL(`${numbersPath}?PageSize=${size}`, http.base.origin);

  return {
    async probe() {
      await get(numbersUrl(1));
    },
    listPhoneNumbers: () =>
      walk<PhoneNumberConfig>(
        numbersUrl(pageSize),
        http.base.origin,
        numbersPath,
        (body) => ({
          items: Array.isArray(body.incoming_phone_numbers) ? body.incoming_phone_numbers : [],
          next: body.next_page_uri,
        }),
        (raw) => {
          const sid = text(raw.sid);
          if (!sid) return undefined;
          return {
            sid,
            phoneNumber: text(raw.phone_number) ?? '',
            smsUrl: text(raw.sms_url),
            smsMethod: text(raw.sms_method),
            smsApplicationSid: text(raw.sms_application_sid),
          };
        },
      ),
    listMessagingServices: () =>
      walk<MessagingServiceConfig>(
        new URL(`${servicesPath}?PageSize=${pageSize}`, messaging.origin),
        messaging.origin,
        servicesPath,
        (body) => ({
          items: Array.isArray(body.services) ? body.services : [],
          next: (body.meta as { next_page_url?: unknown } | undefined)?.next_page_url,
        }),
        (raw) => {
          const sid = text(raw.sid);
          if (!sid) return undefined;
          return {
            sid,
            friendlyName: text(raw.friendly_name) ?? '',
            inboundRequestUrl: text(raw.inbound_request_url),
            inboundMethod: text(raw.inbound_method),
            useInboundWebhookOnNumber: raw.use_inbound_webhook_on_number === true,
          };
        },
      ),
  };
};
