import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import {
  createTwilioMediaSource,
  filenameFromContentDisposition,
  parseRetryAfter,
} from '../../../../lib/adapters/twilio/twilio-media-source.ts';
import {
  ForeignAccountError,
  MediaNotDeletableYetError,
  MediaNotYetAvailableError,
  TwilioAuthError,
  TwilioThrottledError,
  TwilioUnavailableError,
  UnsafeRedirectError,
  UnsupportedEncodingError,
} from '../../../../lib/domain/errors.ts';
import { mediaResourcePath } from '../../../../lib/domain/sids.ts';
import type { MediaDownload } from '../../../../lib/ports/pipeline.ts';

const ACCOUNT = `AC${'1'.repeat(32)}`;
const REF = {
  accountSid: ACCOUNT,
  messageSid: `MM${'2'.repeat(32)}`,
  mediaSid: `ME${'3'.repeat(32)}`,
};
const API = 'https://api.example.test';
const CDN = 'https://cdn.example.test';
const MEDIA_URL = `${API}${mediaResourcePath(REF.accountSid, REF.messageSid, REF.mediaSid)}`;
const CREDENTIALS = { username: `SK${'4'.repeat(32)}`, password: 'secret-value' };

interface SeenRequest {
  url: string;
  method: string;
  authorization: string | null;
  ifNoneMatch: string | null;
  acceptEncoding: string | null;
}

/** A fetch that answers from a script per URL and records every request it saw. */
const scriptedFetch = (routes: Record<string, (() => Response)[]>) => {
  const seen: SeenRequest[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    seen.push({
      url,
      method: init?.method ?? 'GET',
      authorization: headers.get('authorization'),
      ifNoneMatch: headers.get('if-none-match'),
      acceptEncoding: headers.get('accept-encoding'),
    });
    expect(init?.redirect).toBe('manual');
    const key = Object.keys(routes).find((prefix) => url.startsWith(prefix));
    const answers = key ? routes[key] : undefined;
    const answer = answers && answers.length > 1 ? answers.shift() : answers?.[0];
    if (!answer) throw new TypeError('fetch failed');
    return answer();
  };
  return { fetch: fetch as typeof globalThis.fetch, seen };
};

const redirect =
  (location: string, status = 307) =>
  () =>
    new Response(null, { status, headers: { location } });
const content =
  (body: string, headers: Record<string, string> = {}) =>
  () =>
    new Response(body, {
      status: 200,
      headers: { 'content-type': 'image/png', 'content-length': String(body.length), ...headers },
    });
const status =
  (code: number, json?: object, headers: Record<string, string> = {}) =>
  () =>
    new Response(json ? JSON.stringify(json) : null, { status: code, headers });
const networkError = () => {
  throw new TypeError('fetch failed');
};

const sourceWith = (fetch: typeof globalThis.fetch, sleeps: number[] = []) =>
  createTwilioMediaSource({
    apiBaseUrl: API,
    accountSid: ACCOUNT,
    credentials: CREDENTIALS,
    mediaOrigins: [CDN],
    fetch,
    retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 2_000 },
    notFoundRetryDelaysMs: [10, 20],
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });

const basic = `Basic ${Buffer.from(`${CREDENTIALS.username}:${CREDENTIALS.password}`).toString('base64')}`;

describe('createTwilioMediaSource', () => {
  describe('fetchMedia', () => {
    it('sends credentials to the API only, never to the CDN it redirects to', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect(`${CDN}/v1/abc/${REF.mediaSid}?Signature=x`)],
        [CDN]: [
          content('hello', {
            etag: '"e1"',
            'last-modified': 'Tue, 04 Mar 2025 05:06:07 GMT',
            'content-disposition': 'inline; filename="../../etc/passwd"',
          }),
        ],
      });

      // Act
      const result = (await sourceWith(fetch).fetchMedia(REF)) as MediaDownload;

      // Assess
      expect(seen.map((request) => request.authorization)).toEqual([basic, null]);
      expect(result).toMatchObject({
        status: 'ok',
        contentType: 'image/png',
        contentLength: 5,
        etag: '"e1"',
        lastModified: 'Tue, 04 Mar 2025 05:06:07 GMT',
        filename: 'passwd',
      });
      expect((await buffer(result.body)).toString()).toBe('hello');
    });

    it('refuses a redirect back to the API origin, with or without the account path', async () => {
      // Prepare: issue 12: a redirect back to the API origin is refused (it used to be followed,
      // with credentials when under the account).
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect(`${API}/2010-04-01/Accounts/${ACCOUNT}/Elsewhere?Signature=x`)],
      });

      // Act
      const result = sourceWith(fetch).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toThrow(
        new UnsafeRedirectError(
          `redirect back to the Twilio API origin refused (api.example.test/2010-04-01/Accounts/${ACCOUNT}/Elsewhere)`,
        ),
      );
      expect(seen.map((request) => request.authorization)).toEqual([basic]);
    });

    it.each([
      ['another host', 'https://cdn.evil.test/v1/x?Signature=s', 'a host', 'cdn.evil.test/v1/x'],
      [
        'a subdomain of the CDN',
        'https://x.cdn.example.test/v1/x',
        'a host',
        'x.cdn.example.test/v1/x',
      ],
      [
        'the CDN on another port',
        'https://cdn.example.test:8443/v1/x',
        'a host',
        'cdn.example.test:8443/v1/x',
      ],
      [
        'the metadata service',
        'https://169.254.169.254/latest/meta-data/',
        'a link-local address',
        '169.254.169.254/latest/meta-data/',
      ],
      [
        'a private address',
        'https://10.0.0.7/v1/x?Signature=s',
        'a private address',
        '10.0.0.7/v1/x',
      ],
      ['loopback', 'https://127.0.0.1:9/v1/x', 'a loopback address', '127.0.0.1:9/v1/x'],
    ])('refuses a redirect to %s before requesting it', async (_what, location, kind, where) => {
      // Prepare
      const { fetch, seen } = scriptedFetch({ [MEDIA_URL]: [redirect(location)] });

      // Act
      const result = sourceWith(fetch).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toThrow(
        new UnsafeRedirectError(
          `redirect to ${kind} outside TWILIO_MEDIA_ORIGINS refused (${where})`,
        ),
      );
      expect(seen).toHaveLength(1);
    });

    it('refuses a Location with userinfo, even on an allowed host, and never names it', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect(`https://user:hunter2@cdn.example.test/v1/x?Signature=s3cr3t`)],
      });

      // Act
      const error = await sourceWith(fetch)
        .fetchMedia(REF)
        .catch((caught: Error) => caught);

      // Assess
      expect(error).toBeInstanceOf(UnsafeRedirectError);
      expect((error as Error).message).toBe(
        'redirect to a URL with userinfo refused (cdn.example.test/v1/x)',
      );
      expect(seen).toHaveLength(1);
    });

    it('keeps URLs out of the reason of a failed request', async () => {
      // Prepare: fetch names the URL it refused, signed query included.
      const { fetch } = scriptedFetch({
        [MEDIA_URL]: [redirect(`${CDN}/v1/x?Signature=s3cr3t`)],
        [CDN]: [
          () => {
            throw new TypeError(`cannot fetch ${CDN}/v1/x?Signature=s3cr3t`, {
              cause: { code: 'ECONNRESET' },
            });
          },
        ],
      });

      // Act
      const error = await sourceWith(fetch)
        .fetchMedia(REF)
        .catch((caught: Error) => caught);

      // Assess
      expect(error).toBeInstanceOf(TwilioUnavailableError);
      expect((error as Error).message).toBe(
        'Twilio request failed: cannot fetch cdn.example.test/v1/x (ECONNRESET)',
      );
    });

    it('refuses a fourth redirect', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect(`${CDN}/1`)],
        [`${CDN}/1`]: [redirect(`${CDN}/2`)],
        [`${CDN}/2`]: [redirect(`${CDN}/3`)],
        [`${CDN}/3`]: [redirect(`${CDN}/4`)],
        [`${CDN}/4`]: [content('x')],
      });

      // Act
      const result = sourceWith(fetch).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toBeInstanceOf(UnsafeRedirectError);
      expect(seen).toHaveLength(4);
    });

    it('refuses a redirect from https to plain http', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect('http://cdn.example.test/v1/abc')],
      });

      // Act
      const result = sourceWith(fetch).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toBeInstanceOf(UnsafeRedirectError);
      expect(seen).toHaveLength(1);
    });

    it('refuses media of another account before any request', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({});

      // Act
      const result = sourceWith(fetch).fetchMedia({ ...REF, accountSid: `AC${'8'.repeat(32)}` });

      // Assess
      await expect(result).rejects.toBeInstanceOf(ForeignAccountError);
      expect(seen).toEqual([]);
    });

    it('retries a 429 honouring Retry-After, then succeeds', async () => {
      // Prepare
      const sleeps: number[] = [];
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [
          status(429, { code: 20429 }, { 'retry-after': '1' }),
          redirect(`${CDN}/v1/ok`),
        ],
        [CDN]: [content('ok')],
      });

      // Act
      const result = await sourceWith(fetch, sleeps).fetchMedia(REF);

      // Assess
      expect(result.status).toBe('ok');
      expect(sleeps).toEqual([1_000]);
      expect(seen).toHaveLength(3);
    });

    it('gives up on persistent throttling with TwilioThrottledError and its Retry-After', async () => {
      // Prepare
      const sleeps: number[] = [];
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [status(429, { code: 20429 }, { 'retry-after': '30' })],
      });

      // Act
      const result = sourceWith(fetch, sleeps).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toMatchObject({
        name: 'TwilioThrottledError',
        retryAfterSeconds: 30,
      });
      await expect(result).rejects.toBeInstanceOf(TwilioThrottledError);
      expect(seen).toHaveLength(4);
      expect(sleeps).toEqual([2_000, 2_000, 2_000]);
    });

    it('retries a throttled or failing media host at the signed URL, without asking the API again', async () => {
      // Prepare
      const signed = `${CDN}/v1/abc/${REF.mediaSid}?Signature=x`;
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect(signed)],
        [CDN]: [status(429), status(503), networkError, content('hello')],
      });

      // Act
      const result = (await sourceWith(fetch).fetchMedia(REF)) as MediaDownload;

      // Assess
      expect(seen.map((request) => request.url)).toEqual([
        MEDIA_URL,
        signed,
        signed,
        signed,
        signed,
      ]);
      expect(seen.slice(1).every((request) => request.authorization === null)).toBe(true);
      expect((await buffer(result.body)).toString()).toBe('hello');
    });

    it('goes back to the API for a fresh URL when the media host refuses the signed one', async () => {
      // Prepare
      const expired = `${CDN}/v1/old/${REF.mediaSid}?Signature=x`;
      const fresh = `${CDN}/v1/new/${REF.mediaSid}?Signature=y`;
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect(expired), redirect(fresh)],
        [`${CDN}/v1/old`]: [status(403)],
        [`${CDN}/v1/new`]: [content('hello')],
      });

      // Act
      const result = (await sourceWith(fetch).fetchMedia(REF)) as MediaDownload;

      // Assess
      expect(seen.map((request) => request.url)).toEqual([MEDIA_URL, expired, MEDIA_URL, fresh]);
      expect((await buffer(result.body)).toString()).toBe('hello');
    });

    it('retries 5xx and network errors with growing delays, then reports TwilioUnavailableError', async () => {
      // Prepare
      const sleeps: number[] = [];
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [status(503), networkError, status(500), status(502)],
      });

      // Act
      const result = sourceWith(fetch, sleeps).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toBeInstanceOf(TwilioUnavailableError);
      expect(seen).toHaveLength(4);
      expect(sleeps).toEqual([75, 150, 300]);
    });

    it('retries a 404 with the short delays, then reports MediaNotYetAvailableError', async () => {
      // Prepare
      const sleeps: number[] = [];
      const { fetch, seen } = scriptedFetch({ [MEDIA_URL]: [status(404, { code: 20404 })] });

      // Act
      const result = sourceWith(fetch, sleeps).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toBeInstanceOf(MediaNotYetAvailableError);
      expect(sleeps).toEqual([10, 20]);
      expect(seen).toHaveLength(3);
    });

    it('succeeds when the media appears during the 404 retries', async () => {
      // Prepare
      const { fetch } = scriptedFetch({
        [MEDIA_URL]: [status(404, { code: 20404 }), redirect(`${CDN}/v1/ok`)],
        [CDN]: [content('late')],
      });

      // Act
      const result = await sourceWith(fetch).fetchMedia(REF);

      // Assess
      expect(result.status).toBe('ok');
    });

    it('reports 401 as TwilioAuthError without retrying', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({ [MEDIA_URL]: [status(401, { code: 20003 })] });

      // Act
      const result = sourceWith(fetch).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toBeInstanceOf(TwilioAuthError);
      expect(seen).toHaveLength(1);
    });

    it('asks for identity encoding and drops the length of an encoded body', async () => {
      // Prepare: a Response built with content-encoding is not decoded here; the header is what
      // the adapter judges (Node's fetch decodes gzip/br/deflate on the wire).
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect(`${CDN}/v1/x`)],
        [CDN]: [content('abc', { 'content-encoding': 'gzip' }), content('abcd')],
      });
      const source = sourceWith(fetch);

      // Act
      const encoded = (await source.fetchMedia(REF)) as MediaDownload;
      const identity = (await source.fetchMedia(REF)) as MediaDownload;

      // Assess
      expect(seen.map((request) => request.acceptEncoding)).toEqual([
        'identity',
        'identity',
        'identity',
        'identity',
      ]);
      expect(encoded.contentLength).toBeUndefined();
      expect(encoded.contentEncoding).toBe('gzip');
      expect(identity.contentLength).toBe(4);
      expect(identity.contentEncoding).toBeUndefined();
    });

    it('refuses a Content-Encoding fetch does not decode, permanently', async () => {
      // Prepare
      const { fetch } = scriptedFetch({
        [MEDIA_URL]: [redirect(`${CDN}/v1/x`)],
        [CDN]: [content('abc', { 'content-encoding': 'compress' })],
      });

      // Act
      const result = sourceWith(fetch).fetchMedia(REF);

      // Assess
      await expect(result).rejects.toBeInstanceOf(UnsupportedEncodingError);
    });

    it('sends validators and reports 304 as not-modified', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({
        [MEDIA_URL]: [redirect(`${CDN}/v1/x`)],
        [CDN]: [status(304)],
      });

      // Act
      const result = await sourceWith(fetch).fetchMedia(REF, { validators: { etag: '"e1"' } });

      // Assess
      expect(result).toEqual({ status: 'not-modified' });
      expect(seen.map((request) => request.ifNoneMatch)).toEqual(['"e1"', '"e1"']);
      expect(seen[1]?.authorization).toBeNull();
    });
  });

  describe('deleteMedia', () => {
    it('answers deleted on 204 and already-gone on 404, with credentials', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({ [`${MEDIA_URL}.json`]: [status(204), status(404)] });
      const source = sourceWith(fetch);

      // Act
      const first = await source.deleteMedia(REF);
      const second = await source.deleteMedia(REF);

      // Assess
      expect([first, second]).toEqual(['deleted', 'already-gone']);
      expect(seen.map((request) => [request.method, request.authorization])).toEqual([
        ['DELETE', basic],
        ['DELETE', basic],
      ]);
    });

    it('reports 20009 as MediaNotDeletableYetError, its code read from the .json answer', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({
        [`${MEDIA_URL}.json`]: [status(400, { code: 20009 })],
      });

      // Act
      const result = sourceWith(fetch).deleteMedia(REF);

      // Assess
      await expect(result).rejects.toBeInstanceOf(MediaNotDeletableYetError);
      await expect(result).rejects.toThrow('Twilio 20009');
      expect(seen.map((request) => request.url)).toEqual([`${MEDIA_URL}.json`]);
    });

    it('names the code of any other 400 refusal', async () => {
      // Prepare
      const { fetch } = scriptedFetch({ [`${MEDIA_URL}.json`]: [status(400, { code: 21610 })] });

      // Act
      const result = sourceWith(fetch).deleteMedia(REF);

      // Assess
      await expect(result).rejects.toThrow('Twilio refused the DELETE (400, code 21610)');
    });

    it('retries a throttled DELETE', async () => {
      // Prepare
      const { fetch, seen } = scriptedFetch({
        [`${MEDIA_URL}.json`]: [status(429, { code: 20429 }), status(204)],
      });

      // Act
      const result = await sourceWith(fetch).deleteMedia(REF);

      // Assess
      expect(result).toBe('deleted');
      expect(seen).toHaveLength(2);
    });
  });
});

describe('filenameFromContentDisposition', () => {
  it.each([
    ['inline; filename="photo.jpg"', 'photo.jpg'],
    ["attachment; filename*=UTF-8''caf%C3%A9.png", 'café.png'],
    ['inline; filename="C:\\\\Users\\\\x\\\\doc.pdf"', 'doc.pdf'],
    ['inline; filename="a/b/.."', undefined],
    ['inline', undefined],
  ])('reads %s as %s', (header, expected) => {
    // Act
    const name = filenameFromContentDisposition(header);

    // Assess
    expect(name).toBe(expected);
  });

  it('caps the name at 200 characters', () => {
    // Act
    const name = filenameFromContentDisposition(`inline; filename="${'x'.repeat(500)}.jpg"`);

    // Assess
    expect(name).toHaveLength(200);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    // Act
    const seconds = parseRetryAfter('3');
    const date = parseRetryAfter(new Date(10_000).toUTCString(), 4_000);

    // Assess
    expect(seconds).toBe(3_000);
    expect(date).toBe(6_000);
  });
});
