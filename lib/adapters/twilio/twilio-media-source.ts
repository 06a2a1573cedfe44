import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  ForeignAccountError,
  InvalidJobError,
  MediaNotDeletableYetError,
  MediaNotYetAvailableError,
  TwilioAuthError,
  TwilioUnavailableError,
  UnsafeRedirectError,
  UnsupportedEncodingError,
} from '../../domain/errors.ts';
import {
  describeUrlSafely,
  hostKind,
  isAllowedMediaOrigin,
  parseMediaOrigins,
} from '../../domain/media-origins.ts';
import { isAccountSid, isMediaSid, isMessageSid, mediaResourcePath } from '../../domain/sids.ts';
import type {
  MediaDownload,
  MediaNotModified,
  MediaRef,
  MediaSource,
  SourceValidators,
} from '../../ports/pipeline.ts';
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

export { parseRetryAfter } from './twilio-http.ts';

export interface TwilioMediaSourceOptions extends TwilioHttpOptions {
  /**
   * TWILIO_MEDIA_ORIGINS: the origins a content redirect may lead to (`*.` wildcards). Anything
   * else, the API origin included, is refused before a request is made.
   */
  mediaOrigins: readonly string[];
  /** Waits before re-asking after a 404 on the content (Twilio's propagation delay). */
  notFoundRetryDelaysMs?: readonly number[];
  /** Time allowed until the response headers arrive, per request. */
  headersTimeoutMs?: number;
  /**
   * Accounts whose paths get the (main account's) credentials: TWILIO_SUBACCOUNTS. Default: only
   * `accountSid`.
   */
  isAllowedAccount?: (accountSid: string) => boolean;
}

export const MAX_REDIRECTS = 3;
const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 5_000 };
const MAX_FILENAME = 200;

class NotFound extends Error {}

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

const discard = async (response: Response) => {
  try {
    await response.body?.cancel();
  } catch {
    // The connection is being dropped anyway.
  }
};

/** The codings Node's fetch decodes by itself; any other would hand us encoded bytes. */
const DECODED_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/**
 * The coding(s) of a body, `undefined` for identity. We ask for `identity`; a host that encodes
 * anyway gets its body decoded by fetch, but its Content-Length then counts the encoded bytes, so
 * the download is treated as having no announced length (and needs a second, matching download).
 */
export const contentCodingOf = (header: string | null): string | undefined => {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return undefined;
  const unknown = codings.find((coding) => !DECODED_CODINGS.has(coding));
  if (unknown !== undefined) {
    throw new UnsupportedEncodingError(
      `media host sent Content-Encoding ${unknown.slice(0, 40)}, which cannot be decoded`,
    );
  }
  return codings.join(', ');
};

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

/**
 * Twilio's Media resource over HTTP. Credentials are attached per request, only when the URL is on
 * the configured API origin and under the configured account; redirects are followed by hand so a
 * CDN (or a forged URL) never sees them.
 */
export const createTwilioMediaSource = (options: TwilioMediaSourceOptions): MediaSource => {
  const http = twilioHttpSettings(options, DEFAULT_RETRY);
  const { fetch: fetchImpl, base, basePath, authorization } = http;
  const notFoundDelays = options.notFoundRetryDelaysMs ?? [1_000, 2_000];
  const headersTimeoutMs = options.headersTimeoutMs ?? 30_000;
  const accountsPrefix = `${basePath}/2010-04-01/Accounts/`;
  const mediaOrigins = parseMediaOrigins(options.mediaOrigins);
  const isAllowedAccount =
    options.isAllowedAccount ?? ((sid: string) => sid === options.accountSid);

  const mayAuthorize = (url: URL) => {
    if (url.origin !== base.origin || !url.pathname.startsWith(accountsPrefix)) return false;
    const sid = url.pathname.slice(accountsPrefix.length).split('/', 1)[0];
    return (
      isAccountSid(sid) &&
      isAllowedAccount(sid) &&
      url.pathname.startsWith(`${accountsPrefix}${sid}/`)
    );
  };

  const resourceUrl = (ref: MediaRef): URL => {
    if (
      !isAccountSid(ref.accountSid) ||
      !isMessageSid(ref.messageSid) ||
      !isMediaSid(ref.mediaSid)
    ) {
      throw new InvalidJobError('malformed media reference');
    }
    if (!isAllowedAccount(ref.accountSid)) {
      throw new ForeignAccountError('media belongs to an account this deployment does not serve');
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
        new TwilioUnavailableError(`Twilio request failed: ${describeRequestFailure(error)}`, {
          cause: error,
        }),
      );
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };

  /**
   * The next hop of a content redirect, or an UnsafeRedirectError: only an allowed media origin
   * is ever requested, so a Location pointing at a loopback, link-local or private address, at
   * any other host, or back at the API origin (where credentials would go) never gets a request.
   * Reasons name the host and path only: userinfo and the signed query stay out of logs and DLQ.
   */
  const redirectTarget = (location: string, from: URL): URL => {
    let next: URL;
    try {
      next = new URL(location, from);
    } catch {
      throw new UnsafeRedirectError('redirect to an unreadable Location refused');
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw new UnsafeRedirectError(`redirect to a ${next.protocol} URL refused`);
    }
    const where = describeUrlSafely(next);
    if (next.username !== '' || next.password !== '') {
      throw new UnsafeRedirectError(`redirect to a URL with userinfo refused (${where})`);
    }
    if (from.protocol === 'https:' && next.protocol === 'http:') {
      throw new UnsafeRedirectError(`redirect from https to plain http refused (${where})`);
    }
    if (next.origin === base.origin) {
      throw new UnsafeRedirectError(`redirect back to the Twilio API origin refused (${where})`);
    }
    if (!isAllowedMediaOrigin(mediaOrigins, next)) {
      throw new UnsafeRedirectError(
        `redirect to ${hostKind(next)} outside TWILIO_MEDIA_ORIGINS refused (${where})`,
      );
    }
    return next;
  };

  /** Turns an error status into the matching typed failure. */
  const fail = async (response: Response, url: URL): Promise<never> => {
    const { status } = response;
    const where = mayAuthorize(url) ? 'Twilio API' : 'media host';
    if (status === 429) {
      await discard(response);
      throw throttled(`${where} throttled the request (429)`, response);
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

  /** Repeats `once` on retryable failures and, for content, on 404s. */
  const withRetries = <T>(
    once: () => Promise<T>,
    signal: AbortSignal | undefined,
    notFound: () => Error,
  ): Promise<T> => {
    let notFounds = 0;
    return retrying(once, {
      ...http.retrying,
      signal,
      onOtherError: async (error) => {
        if (!(error instanceof NotFound)) throw error;
        const wait = notFoundDelays[notFounds];
        if (wait === undefined) throw notFound();
        await http.retrying.sleep(wait, signal);
        notFounds += 1;
      },
    });
  };

  /**
   * Where the next try of one fetch starts: the signed media-host URL of the last redirect, valid
   * for hours. A throttled or failing CDN is retried there, without asking the API (and spending
   * its rate limit) again; a refused or expired URL sends the next try back to the API.
   */
  interface FetchProgress {
    resumeAt?: URL;
  }

  const fetchOnce = async (
    ref: MediaRef,
    validators: SourceValidators | undefined,
    signal: AbortSignal | undefined,
    progress: FetchProgress,
  ): Promise<MediaDownload | MediaNotModified> => {
    let url = progress.resumeAt ?? resourceUrl(ref);
    // Identity: a Content-Length of an encoded body says nothing about the decoded bytes.
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity' };
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
        url = redirectTarget(location, url);
        progress.resumeAt = url;
        continue;
      }
      if (!mayAuthorize(url) && [400, 403, 404].includes(response.status)) {
        // Expired, refused or vanished at the media host: only the API can say what is true now.
        delete progress.resumeAt;
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
      let coding: string | undefined;
      try {
        coding = contentCodingOf(response.headers.get('content-encoding'));
      } catch (error) {
        await discard(response);
        throw error;
      }
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
      if (coding) download.contentEncoding = coding;
      else if (Number.isSafeInteger(length) && length >= 0) download.contentLength = length;
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
    // The `.json` form: without an extension Twilio answers errors in XML, and 20009 would be
    // unreadable (the content itself is the only thing fetched without one).
    const url = new URL(`${resourceUrl(ref).pathname}.json`, base.origin);
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
    fetchMedia: (ref, fetchOptions) => {
      const progress: FetchProgress = {};
      return withRetries(
        () => fetchOnce(ref, fetchOptions?.validators, fetchOptions?.signal, progress),
        fetchOptions?.signal,
        () => new MediaNotYetAvailableError('Twilio answered 404 for the media content'),
      );
    },
    deleteMedia: (ref) =>
      withRetries(
        () => deleteOnce(ref, undefined),
        undefined,
        () => new TwilioUnavailableError('unexpected 404'),
      ),
  };
};
