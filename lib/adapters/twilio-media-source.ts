import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as delay } from 'node:timers/promises';
import type { TwilioCredentials } from '../config.ts';
import {
  ForeignAccountError,
  InvalidJobError,
  MediaNotDeletableYetError,
  MediaNotYetAvailableError,
  TwilioAuthError,
  TwilioThrottledError,
  TwilioUnavailableError,
  UnsafeRedirectError,
} from '../domain/errors.ts';
import { isAccountSid, isMediaSid, isMessageSid, mediaResourcePath } from '../domain/sids.ts';
import type {
  MediaDownload,
  MediaNotModified,
  MediaRef,
  MediaSource,
  SourceValidators,
} from '../ports.ts';

export interface RetryPolicy {
  /** Retries after the first try (not counting 404 retries). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface TwilioMediaSourceOptions {
  /** e.g. `https://api.twilio.com`: the only origin that ever receives credentials. */
  apiBaseUrl: string;
  /** The configured account: credentials go only to paths of this account. */
  accountSid: string;
  credentials: TwilioCredentials;
  fetch?: typeof globalThis.fetch;
  retry?: Partial<RetryPolicy>;
  /** Waits before re-asking after a 404 on the content (Twilio's propagation delay). */
  notFoundRetryDelaysMs?: readonly number[];
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Time allowed until the response headers arrive, per request. */
  headersTimeoutMs?: number;
}

export const MAX_REDIRECTS = 3;
const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 5_000 };
const MAX_FILENAME = 200;

/** A failure the retry loop may repeat in-process. */
class Retryable extends Error {
  constructor(
    readonly error: TwilioThrottledError | TwilioUnavailableError,
    readonly retryAfterMs?: number,
  ) {
    super(error.message);
  }
}

class NotFound extends Error {}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  delay(ms, undefined, signal ? { signal } : undefined);

/** `Retry-After` as delta-seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | null, now = Date.now()): number | undefined => {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

/** The file name of a `Content-Disposition`, reduced to a plain base name, or undefined. */
export const filenameFromContentDisposition = (header: string | null): string | undefined => {
  if (!header) return undefined;
  let raw: string | undefined;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (extended?.[2]) {
    try {
      raw = decodeURIComponent(extended[2].trim());
    } catch {
      raw = undefined;
    }
  }
  if (raw === undefined) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header);
    raw = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2]?.trim();
  }
  if (raw === undefined) return undefined;
  const base = raw.split(/[/\\]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we strip
  const clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '').trim();
  if (clean === '' || clean === '.' || clean === '..') return undefined;
  return Array.from(clean).slice(0, MAX_FILENAME).join('');
};

const twilioErrorCode = async (response: Response): Promise<number | undefined> => {
  try {
    const body = (await response.json()) as { code?: unknown };
    return typeof body.code === 'number' ? body.code : undefined;
  } catch {
    return undefined;
  }
};

const discard = async (response: Response) => {
  try {
    await response.body?.cancel();
  } catch {
    // The connection is being dropped anyway.
  }
};

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

/**
 * Twilio's Media resource over HTTP. Credentials are attached per request, only when the URL is on
 * the configured API origin and under the configured account; redirects are followed by hand so a
 * CDN (or a forged URL) never sees them.
 */
export const createTwilioMediaSource = (options: TwilioMediaSourceOptions): MediaSource => {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const notFoundDelays = options.notFoundRetryDelaysMs ?? [1_000, 2_000];
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const headersTimeoutMs = options.headersTimeoutMs ?? 30_000;
  const base = new URL(options.apiBaseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const accountPrefix = `${basePath}/2010-04-01/Accounts/${options.accountSid}/`;
  const authorization = `Basic ${Buffer.from(
    `${options.credentials.username}:${options.credentials.password}`,
  ).toString('base64')}`;

  const mayAuthorize = (url: URL) =>
    url.origin === base.origin && url.pathname.startsWith(accountPrefix);

  const resourceUrl = (ref: MediaRef): URL => {
    if (
      !isAccountSid(ref.accountSid) ||
      !isMessageSid(ref.messageSid) ||
      !isMediaSid(ref.mediaSid)
    ) {
      throw new InvalidJobError('malformed media reference');
    }
    if (ref.accountSid !== options.accountSid) {
      throw new ForeignAccountError('media belongs to another account');
    }
    return new URL(
      `${basePath}${mediaResourcePath(ref.accountSid, ref.messageSid, ref.mediaSid)}`,
      base.origin,
    );
  };

  /** One request with a headers timeout; network failures become retryable. */
  const send = async (url: URL, init: RequestInit, signal?: AbortSignal): Promise<Response> => {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(
      () => controller.abort(new Error('headers timeout')),
      headersTimeoutMs,
    );
    try {
      const headers = new Headers(init.headers);
      if (mayAuthorize(url)) headers.set('Authorization', authorization);
      else headers.delete('Authorization');
      return await fetchImpl(url, {
        ...init,
        headers,
        redirect: 'manual',
        signal: controller.signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new Retryable(
        new TwilioUnavailableError(`Twilio request failed: ${(error as Error).message}`, {
          cause: error,
        }),
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };

  /** Turns an error status into the matching typed failure. */
  const fail = async (response: Response, url: URL): Promise<never> => {
    const { status } = response;
    const where = mayAuthorize(url) ? 'Twilio API' : 'media host';
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
      await discard(response);
      const seconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000);
      throw new Retryable(
        new TwilioThrottledError(`${where} throttled the request (429)`, {
          ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
        }),
        retryAfterMs,
      );
    }
    if (status >= 500) {
      await discard(response);
      throw new Retryable(new TwilioUnavailableError(`${where} answered ${status}`));
    }
    if ((status === 401 || status === 403) && mayAuthorize(url)) {
      await discard(response);
      throw new TwilioAuthError(`Twilio refused the credentials (${status}): check the API key`);
    }
    if (status === 403 || status === 400) {
      // An expired or refused signed URL: a fresh redirect from the API brings a new one.
      await discard(response);
      throw new Retryable(new TwilioUnavailableError(`${where} answered ${status}`));
    }
    await discard(response);
    throw new TwilioUnavailableError(`${where} answered unexpected ${status}`);
  };

  const backoffMs = (retryIndex: number, retryAfterMs?: number) => {
    const exponential = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** retryIndex);
    const jittered = exponential / 2 + (random() * exponential) / 2;
    return Math.min(retry.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
  };

  /** Repeats `once` on retryable failures and, for content, on 404s. */
  const withRetries = async <T>(
    once: () => Promise<T>,
    signal: AbortSignal | undefined,
    notFound: () => Error,
  ): Promise<T> => {
    let retries = 0;
    let notFounds = 0;
    for (;;) {
      try {
        return await once();
      } catch (error) {
        if (error instanceof Retryable) {
          if (retries >= retry.attempts) throw error.error;
          await sleep(backoffMs(retries, error.retryAfterMs), signal);
          retries += 1;
        } else if (error instanceof NotFound) {
          const wait = notFoundDelays[notFounds];
          if (wait === undefined) throw notFound();
          await sleep(wait, signal);
          notFounds += 1;
        } else {
          throw error;
        }
      }
    }
  };

  const fetchOnce = async (
    ref: MediaRef,
    validators: SourceValidators | undefined,
    signal: AbortSignal | undefined,
  ): Promise<MediaDownload | MediaNotModified> => {
    let url = resourceUrl(ref);
    const headers: Record<string, string> = {};
    if (validators?.etag) headers['If-None-Match'] = validators.etag;
    if (validators?.lastModified) headers['If-Modified-Since'] = validators.lastModified;
    for (let hops = 0; ; hops += 1) {
      const response = await send(url, { method: 'GET', headers }, signal);
      if (isRedirect(response.status)) {
        const location = response.headers.get('location');
        await discard(response);
        if (!location) throw new TwilioUnavailableError('redirect without a Location');
        if (hops >= MAX_REDIRECTS) {
          throw new UnsafeRedirectError(`more than ${MAX_REDIRECTS} redirects`);
        }
        const next = new URL(location, url);
        if (next.protocol !== 'https:' && next.protocol !== 'http:') {
          throw new UnsafeRedirectError(`redirect to a ${next.protocol} URL refused`);
        }
        if (url.protocol === 'https:' && next.protocol === 'http:') {
          throw new UnsafeRedirectError('redirect from https to plain http refused');
        }
        url = next;
        continue;
      }
      if (response.status === 304) {
        await discard(response);
        return { status: 'not-modified' };
      }
      if (response.status === 404) {
        await discard(response);
        throw new NotFound();
      }
      if (response.status !== 200) return fail(response, url);
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      const filename = filenameFromContentDisposition(response.headers.get('content-disposition'));
      const etag = response.headers.get('etag');
      const lastModified = response.headers.get('last-modified');
      const download: MediaDownload = {
        status: 'ok',
        body: response.body
          ? Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
          : Readable.from([]),
        contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      };
      if (Number.isSafeInteger(length) && length >= 0) download.contentLength = length;
      if (etag) download.etag = etag;
      if (lastModified) download.lastModified = lastModified;
      if (filename) download.filename = filename;
      return download;
    }
  };

  const deleteOnce = async (
    ref: MediaRef,
    signal: AbortSignal | undefined,
  ): Promise<'deleted' | 'already-gone'> => {
    const url = resourceUrl(ref);
    const response = await send(url, { method: 'DELETE' }, signal);
    if (response.status === 204 || response.status === 200) {
      await discard(response);
      return 'deleted';
    }
    if (response.status === 404) {
      await discard(response);
      return 'already-gone';
    }
    if (response.status === 400) {
      const code = await twilioErrorCode(response);
      if (code === 20009) {
        throw new MediaNotDeletableYetError('Twilio 20009: the message is not final yet');
      }
      throw new TwilioUnavailableError(`Twilio refused the DELETE (400, code ${code ?? 'none'})`);
    }
    return fail(response, url);
  };

  return {
    fetchMedia: (ref, fetchOptions) =>
      withRetries(
        () => fetchOnce(ref, fetchOptions?.validators, fetchOptions?.signal),
        fetchOptions?.signal,
        () => new MediaNotYetAvailableError('Twilio answered 404 for the media content'),
      ),
    deleteMedia: (ref) =>
      withRetries(
        () => deleteOnce(ref, undefined),
        undefined,
        () => new TwilioUnavailableError('unexpected 404'),
      ),
  };
};
