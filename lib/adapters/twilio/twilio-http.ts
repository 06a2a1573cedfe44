import { setTimeout as delay } from 'node:timers/promises';
import { TwilioThrottledError, TwilioUnavailableError } from '../../domain/errors.ts';
import { redactUrls } from '../../domain/media-origins.ts';
import type { TwilioCredentials } from '../../domain/twilio-credentials.ts';

/** What the Twilio adapters share about talking to Twilio's REST API: auth, backoff, retries. */

export interface RetryPolicy {
  /** Retries after the first try (not counting 404 retries). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** What both Twilio adapters are built from; tests replace fetch, sleep and random. */
export interface TwilioHttpOptions {
  /** e.g. `https://api.twilio.com`: the only origin that ever receives credentials. */
  apiBaseUrl: string;
  /** The configured account: credentials go only to paths of this account. */
  accountSid: string;
  credentials: TwilioCredentials;
  fetch?: typeof globalThis.fetch;
  retry?: Partial<RetryPolicy>;
  sleep?: Sleep;
  random?: () => number;
}

export const sleep: Sleep = (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined);

export const basicAuthorization = (credentials: TwilioCredentials): string =>
  `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | null, now = Date.now()): number | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

/** Jittered exponential backoff, never shorter than `Retry-After` asks, never above the cap. */
export const backoffDelayMs = (
  policy: RetryPolicy,
  retryIndex: number,
  random: () => number,
  retryAfterMs?: number,
): number => {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
};

/**
 * Why a request failed, without the URL: fetch puts a refused URL (userinfo and signed query
 * included) into its messages, and this text ends in logs and the dead-letter reason.
 */
export const describeRequestFailure = (error: unknown): string => {
  const message = redactUrls(error instanceof Error ? error.message : String(error));
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof code === 'string' ? `${message} (${code})` : message;
};

/** Twilio's numeric error `code` from an error answer's body; undefined when absent or unreadable. */
export const twilioErrorCode = async (response: Response): Promise<number | undefined> => {
  try {
    const body = (await response.json()) as { code?: unknown };
    return typeof body.code === 'number' ? body.code : undefined;
  } catch {
    return undefined;
  }
};

/** The caller's signal, if any, joined with a per-request timeout. */
export const withTimeout = (timeoutMs: number, signal?: AbortSignal): AbortSignal => {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
};

/** A GET of a JSON resource with the credentials: a redirect is never followed with them. */
export const jsonGetInit = (authorization: string, signal: AbortSignal): RequestInit => ({
  headers: { Authorization: authorization, Accept: 'application/json' },
  redirect: 'manual',
  signal,
});

/**
 * A 200's JSON body. An unreadable one (a connection cut mid-body) is worth another try, unless
 * `signal` says the caller stopped: then its own abort escapes.
 */
export const readJsonBody = async (
  response: Response,
  unreadable: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> => {
  try {
    return (await response.json()) as Record<string, unknown>;
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Retryable(new TwilioUnavailableError(unreadable));
  }
};

/** A failure the retry loop may repeat in-process; `error` is what escapes once retries run out. */
export class Retryable extends Error {
  constructor(
    readonly error: TwilioThrottledError | TwilioUnavailableError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

/** A 429, carrying the wait Twilio asked for (to the backoff and to the SQS consumer). */
export const throttled = (message: string, response: Response): Retryable => {
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const seconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
  return new Retryable(
    new TwilioThrottledError(message, {
      ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
    }),
    retryAfterMs,
  );
};

/** The options with their defaults filled in, the API origin parsed and the header built. */
export const twilioHttpSettings = (options: TwilioHttpOptions, defaultRetry: RetryPolicy) => {
  const base = new URL(options.apiBaseUrl);
  return {
    fetch: options.fetch ?? globalThis.fetch,
    retrying: {
      policy: { ...defaultRetry, ...options.retry },
      sleep: options.sleep ?? sleep,
      random: options.random ?? Math.random,
    },
    base,
    /** The API base URL's path without a trailing slash (a proxy may mount the API below `/`). */
    basePath: base.pathname.replace(/\/+$/, ''),
    authorization: basicAuthorization(options.credentials),
  };
};

export interface RetryingOptions {
  policy: RetryPolicy;
  sleep: Sleep;
  random: () => number;
  signal?: AbortSignal | undefined;
  /** Sees every failure that is not `Retryable`: resolving tries again, throwing gives up. */
  onOtherError?: (error: unknown) => Promise<void>;
}

/** Repeats `once` on `Retryable` failures, with backoff, up to `policy.attempts` retries. */
export const retrying = async <T>(once: () => Promise<T>, options: RetryingOptions): Promise<T> => {
  const { policy, signal } = options;
  for (let retries = 0; ; ) {
    try {
      return await once();
    } catch (error) {
      if (!(error instanceof Retryable)) {
        if (!options.onOtherError) throw error;
        await options.onOtherError(error);
        continue;
      }
      if (retries >= policy.attempts) throw error.error;
      await options.sleep(
        backoffDelayMs(policy, retries, options.random, error.retryAfterMs),
        signal,
      );
      retries += 1;
    }
  }
};
