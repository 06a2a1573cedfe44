import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SeededMessage,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { makeMediaBody, makeSeedMedia, sha256Hex } from '../../helpers/media-fixtures.ts';

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

const accountAuth = (emulator: TwilioEmulator) => basic(emulator.accountSid, emulator.authToken);

const apiRequest = (
  emulator: TwilioEmulator,
  path: string,
  init: { method?: string; authorization?: string | null } = {},
) => {
  const authorization =
    init.authorization === undefined ? accountAuth(emulator) : init.authorization;
  return fetch(`${emulator.apiBaseUrl}${path}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: authorization === null ? {} : { Authorization: authorization },
  });
};

/** Asks the API for the media and returns the signed CDN URL it redirects to. */
const cdnUrlOf = async (emulator: TwilioEmulator, path: string): Promise<string> => {
  const response = await apiRequest(emulator, path);
  expect(response.status).toBe(307);
  const location = response.headers.get('location');
  if (!location) throw new Error('no Location header');
  return location;
};

/** A seq-ordered sequence of numbers for `random`, repeating its last value when exhausted. */
const sequence = (values: number[]) => {
  let index = 0;
  return () => values[Math.min(index++, values.length - 1)] ?? 0.99;
};

describe('startTwilioEmulator', () => {
  let emulator: TwilioEmulator;
  let seeded: SeededMessage;
  const photo = makeSeedMedia({ size: 50_000, seed: 11, filename: 'cat photo.jpg' });

  beforeAll(async () => {
    emulator = await startTwilioEmulator();
    seeded = emulator.addMessage({
      media: [photo, makeSeedMedia({ size: 10, seed: 12, contentType: 'text/plain' })],
    });
  });
  afterAll(() => emulator.close());

  describe('API authentication', () => {
    it('answers 401 with Twilio error 20003 without or with wrong credentials', async () => {
      // Prepare
      const path = seeded.media[0]?.path ?? '';

      // Act
      const anonymous = await apiRequest(emulator, path, { authorization: null });
      const wrong = await apiRequest(emulator, path, {
        authorization: basic(emulator.accountSid, 'not-the-token'),
      });

      // Assess
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
      // Without an extension Twilio answers in XML, errors included.
      expect(anonymous.headers.get('content-type')).toBe('application/xml');
      expect(await anonymous.text()).toContain('<Code>20003</Code>');
      expect(wrong.status).toBe(401);
      expect(await wrong.text()).toContain('<Message>Authenticate</Message>');
    });

    it('accepts the account SID + auth token and an API key SID + secret', async () => {
      // Prepare
      const path = seeded.media[0]?.path ?? '';
      emulator.clearRequests();

      // Act
      const withToken = await apiRequest(emulator, path);
      const withKey = await apiRequest(emulator, path, {
        authorization: basic(emulator.apiKey.sid, emulator.apiKey.secret),
      });

      // Assess
      expect(withToken.status).toBe(307);
      expect(withKey.status).toBe(307);
      expect(emulator.requests.map((entry) => entry.authorizedAs)).toEqual([
        emulator.accountSid,
        emulator.apiKey.sid,
      ]);
    });

    it("answers 404 (20404) for another account's path", async () => {
      // Prepare
      const media = seeded.media[0];
      const otherAccount = `AC${'0'.repeat(32)}`;
      const path = media?.path.replace(emulator.accountSid, otherAccount) ?? '';

      // Act
      const response = await apiRequest(emulator, `${path}.json`);

      // Assess
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ code: 20404, status: 404 });
    });
  });

  describe('media content', () => {
    it('redirects to a signed URL on the CDN origin that serves the exact bytes and headers', async () => {
      // Prepare
      const media = seeded.media[0];
      if (!media) throw new Error('seed missing');

      // Act
      const location = await cdnUrlOf(emulator, media.path);
      const response = await fetch(location);
      const body = Buffer.from(await response.arrayBuffer());

      // Assess
      expect(new URL(location).origin).toBe(emulator.cdnBaseUrl);
      expect(location).toMatch(/\/v1\/[0-9a-f]+\/ME[0-9a-f]{32}\?Expires=\d+&Signature=/);
      expect(response.status).toBe(200);
      expect(sha256Hex(body)).toBe(media.sha256);
      expect(sha256Hex(body)).toBe(sha256Hex(photo.body));
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect(response.headers.get('content-length')).toBe('50000');
      expect(response.headers.get('etag')).toBe(`"${media.sha256.slice(0, 32)}"`);
      expect(Number.isNaN(Date.parse(response.headers.get('last-modified') ?? ''))).toBe(false);
      expect(response.headers.get('content-disposition')).toBe('inline; filename="cat photo.jpg"');
      expect(response.headers.get('cache-control')).toMatch(/max-age/);
    });

    it('serves a 16 MB WhatsApp-sized media intact', async () => {
      // Prepare
      const body = makeMediaBody(16 * 1024 * 1024, 99);
      const big = emulator.addMessage({ media: [{ contentType: 'video/mp4', body }] }).media[0];
      if (!big) throw new Error('seed missing');

      // Act
      const response = await fetch(await cdnUrlOf(emulator, big.path));
      const received = Buffer.from(await response.arrayBuffer());

      // Assess
      expect(received.length).toBe(body.length);
      expect(sha256Hex(received)).toBe(sha256Hex(body));
    });

    it('rejects a CDN request carrying Authorization with 400', async () => {
      // Prepare
      const location = await cdnUrlOf(emulator, seeded.media[0]?.path ?? '');

      // Act
      const response = await fetch(location, { headers: { Authorization: accountAuth(emulator) } });

      // Assess
      expect(response.status).toBe(400);
      expect(await response.text()).toContain('InvalidArgument');
    });

    it('rejects a tampered signature, a retargeted path and a tampered expiry with 403', async () => {
      // Prepare
      const [first, second] = seeded.media;
      const location = new URL(await cdnUrlOf(emulator, first?.path ?? ''));
      const tamperedSignature = new URL(location);
      tamperedSignature.searchParams.set('Signature', 'A'.repeat(43));
      const retargeted = new URL(location);
      retargeted.pathname = retargeted.pathname.replace(first?.sid ?? '', second?.sid ?? '');
      const extended = new URL(location);
      extended.searchParams.set(
        'Expires',
        String(Number(location.searchParams.get('Expires')) + 1),
      );
      const unsigned = new URL(location.pathname, location.origin);

      // Act
      const statuses = await Promise.all(
        [tamperedSignature, retargeted, extended, unsigned].map(
          async (url) => (await fetch(url)).status,
        ),
      );

      // Assess
      expect(statuses).toEqual([403, 403, 403, 403]);
    });

    it('rejects an expired signed URL with 403', async () => {
      // Prepare
      const shortLived = await startTwilioEmulator({ cdnUrlTtlSeconds: 0 });
      try {
        const media = shortLived.addMessage({ media: [makeSeedMedia()] }).media[0];
        const location = await cdnUrlOf(shortLived, media?.path ?? '');

        // Act
        const response = await fetch(location);

        // Assess
        expect(response.status).toBe(403);
        expect(await response.text()).toContain('expired');
      } finally {
        await shortLived.close();
      }
    });

    it('answers 304 when If-None-Match carries the ETag', async () => {
      // Prepare
      const location = await cdnUrlOf(emulator, seeded.media[0]?.path ?? '');
      const etag = (await fetch(location)).headers.get('etag') ?? '';

      // Act
      const response = await fetch(location, { headers: { 'If-None-Match': etag } });
      const other = await fetch(location, { headers: { 'If-None-Match': '"something-else"' } });

      // Assess
      expect(response.status).toBe(304);
      expect(response.headers.get('etag')).toBe(etag);
      expect(other.status).toBe(200);
    });

    it('returns metadata at .json', async () => {
      // Prepare
      const media = seeded.media[0];

      // Act
      const response = await apiRequest(emulator, `${media?.path}.json`);
      const json = (await response.json()) as Record<string, string>;

      // Assess
      expect(response.status).toBe(200);
      expect(json).toMatchObject({
        sid: media?.sid,
        parent_sid: seeded.sid,
        account_sid: emulator.accountSid,
        content_type: 'image/jpeg',
        uri: `${media?.path}.json`,
      });
      expect(json.date_created).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    });
  });

  describe('DELETE', () => {
    it('answers 204 once, then 404 with code 20404 on the API and 404 on the CDN', async () => {
      // Prepare
      const media = emulator.addMessage({ media: [makeSeedMedia({ seed: 3 })] }).media[0];
      if (!media) throw new Error('seed missing');
      const location = await cdnUrlOf(emulator, media.path);

      // Act
      const deleted = await apiRequest(emulator, media.path, { method: 'DELETE' });
      const fetchedAfter = await apiRequest(emulator, `${media.path}.json`);
      const deletedAgain = await apiRequest(emulator, `${media.path}.json`, { method: 'DELETE' });
      const cdnAfter = await fetch(location);

      // Assess
      expect(deleted.status).toBe(204);
      expect(fetchedAfter.status).toBe(404);
      expect(await fetchedAfter.json()).toMatchObject({
        code: 20404,
        status: 404,
        more_info: 'https://www.twilio.com/docs/errors/20404',
      });
      expect(deletedAgain.status).toBe(404);
      expect(cdnAfter.status).toBe(404);
      expect(emulator.hasMedia(media.sid)).toBe(false);
      const deleteEntry = emulator.requests.find(
        (entry) =>
          entry.method === 'DELETE' && entry.mediaSid === media.sid && entry.status === 204,
      );
      expect(emulator.deletion(media.sid)).toEqual({ at: deleteEntry?.at, seq: deleteEntry?.seq });
    });

    it('refuses with 20009 while an outbound message is in flight, and deletes once delivered', async () => {
      // Prepare
      const message = emulator.addMessage({
        direction: 'outbound-api',
        status: 'sending',
        media: [makeSeedMedia({ seed: 4 })],
      });
      const path = message.media[0]?.path ?? '';

      // Act
      const refused = await apiRequest(emulator, `${path}.json`, { method: 'DELETE' });
      emulator.setMessageStatus(message.sid, 'delivered');
      const accepted = await apiRequest(emulator, `${path}.json`, { method: 'DELETE' });

      // Assess
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ code: 20009, status: 400 });
      expect(accepted.status).toBe(204);
    });
  });

  describe('request log', () => {
    it('numbers entries strictly increasing across origins and never records secrets', async () => {
      // Prepare
      emulator.clearRequests();
      const media = seeded.media[0];

      // Act
      const location = await cdnUrlOf(emulator, media?.path ?? '');
      await (await fetch(location)).arrayBuffer();
      await apiRequest(emulator, `${media?.path}.json`, {
        authorization: basic(emulator.apiKey.sid, emulator.apiKey.secret),
      });

      // Assess
      const log = emulator.requests;
      expect(log.map((entry) => entry.origin)).toEqual(['api', 'cdn', 'api']);
      expect(log.map((entry) => entry.status)).toEqual([307, 200, 200]);
      expect(log.every((entry, i) => i === 0 || entry.seq > (log[i - 1]?.seq ?? 0))).toBe(true);
      expect(log[1]).toMatchObject({ hadAuthorization: false, mediaSid: media?.sid });
      expect(log[1]?.path).not.toContain('?');
      const serialized = JSON.stringify(log);
      expect(serialized).not.toContain(emulator.authToken);
      expect(serialized).not.toContain(emulator.apiKey.secret);
      expect(serialized).not.toContain('Signature');
    });
  });
});

describe('startTwilioEmulator lists', () => {
  let emulator: TwilioEmulator;
  const base = Date.UTC(2024, 0, 1);
  const hour = 3_600_000;

  beforeAll(async () => {
    emulator = await startTwilioEmulator();
    // 120 messages, one per hour from 2024-01-01T00:00Z; every third one goes to another number.
    for (let i = 0; i < 120; i += 1) {
      emulator.addMessage({
        dateCreated: new Date(base + i * hour),
        to: i % 3 === 0 ? '+15005550002' : '+15005550001',
        media: i === 0 ? Array.from({ length: 7 }, (_, n) => makeSeedMedia({ seed: n })) : [],
      });
    }
  });
  afterAll(() => emulator.close());

  const listPath = (emulator: TwilioEmulator, query: string) =>
    `/2010-04-01/Accounts/${emulator.accountSid}/Messages.json?${query}`;

  const collect = async (firstPath: string) => {
    const pages: { sid: string; date_sent: string }[][] = [];
    let next: string | null = firstPath;
    while (next) {
      const response = await apiRequest(emulator, next);
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        messages: { sid: string; date_sent: string }[];
        next_page_uri: string | null;
      };
      pages.push(page.messages);
      next = page.next_page_uri;
    }
    return pages;
  };

  it('pages 120 messages with PageSize 50 into 50 + 50 + 20, newest first, no duplicates', async () => {
    // Prepare
    const first = listPath(emulator, 'PageSize=50');

    // Act
    const pages = await collect(first);

    // Assess
    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    const all = pages.flat();
    expect(new Set(all.map((m) => m.sid)).size).toBe(120);
    const times = all.map((m) => Date.parse(m.date_sent));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('answers the Twilio page envelope with PA page tokens', async () => {
    // Act
    const response = await apiRequest(emulator, listPath(emulator, 'PageSize=50'));
    const page = (await response.json()) as Record<string, unknown>;

    // Assess
    expect(page).toMatchObject({ page: 0, page_size: 50, previous_page_uri: null });
    expect(page.next_page_uri).toMatch(/PageToken=PAMM[0-9a-f]{32}/);
    expect(page.first_page_uri).toMatch(/Page=0/);
    expect(typeof page.uri).toBe('string');
  });

  it('filters by DateSent bounds (inclusive, whole GMT days) and To, carrying filters into next_page_uri', async () => {
    // Prepare: date-times name their days (Twilio's spec filters by date): hours 10 and 29 are on
    // 01-01 and 01-02, so hours 0..47 = 48 messages; those with i % 3 === 0 go to +15005550002
    const after = new Date(base + 10 * hour).toISOString();
    const before = new Date(base + 29 * hour).toISOString();
    const query = `DateSent>=${after}&DateSent<=${before}&PageSize=8`;

    // Act
    const pages = await collect(listPath(emulator, query));
    const toSecond = await collect(
      listPath(emulator, `${query}&To=${encodeURIComponent('+15005550002')}`),
    );

    // Assess
    expect(pages.map((page) => page.length)).toEqual([8, 8, 8, 8, 8, 8]);
    const expectedToSecond = Array.from({ length: 48 }, (_, k) => k).filter((i) => i % 3 === 0);
    expect(toSecond.flat().length).toBe(expectedToSecond.length);
  });

  it('filters by a whole day with DateSent=YYYY-MM-DD', async () => {
    // Act
    const pages = await collect(listPath(emulator, 'DateSent=2024-01-02&PageSize=1000'));

    // Assess
    expect(pages.flat().length).toBe(24);
  });

  it('lists media of a message with paging and DateCreated filters', async () => {
    // Prepare
    const sidResponse = await apiRequest(emulator, listPath(emulator, 'DateSent=2024-01-01'));
    // Newest first: the day's oldest message (hour 0, the one with media) comes last.
    const message = ((await sidResponse.json()) as { messages: { sid: string }[] }).messages.at(-1);
    const mediaPath = `/2010-04-01/Accounts/${emulator.accountSid}/Messages/${message?.sid}/Media.json`;

    // Act
    const firstPage = (await (await apiRequest(emulator, `${mediaPath}?PageSize=5`)).json()) as {
      media_list: { sid: string; parent_sid: string }[];
      next_page_uri: string;
    };
    const secondPage = (await (await apiRequest(emulator, firstPage.next_page_uri)).json()) as {
      media_list: { sid: string }[];
      next_page_uri: string | null;
    };
    const tooLate = (await (
      await apiRequest(emulator, `${mediaPath}?${encodeURIComponent('DateCreated>')}=2024-02-01`)
    ).json()) as { media_list: unknown[] };

    // Assess
    expect(firstPage.media_list).toHaveLength(5);
    expect(firstPage.media_list.every((m) => m.parent_sid === message?.sid)).toBe(true);
    expect(secondPage.media_list).toHaveLength(2);
    expect(secondPage.next_page_uri).toBeNull();
    expect(tooLate.media_list).toHaveLength(0);
  });

  it('answers 400 for an unparsable date filter', async () => {
    // Act
    const response = await apiRequest(emulator, listPath(emulator, 'DateSent=yesterday'));

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: 400 });
  });

  it('is readable by the official twilio-node client', async () => {
    // Prepare: twilio-node always targets https://api.twilio.com, so rewrite the origin.
    const apiBaseUrl = emulator.apiBaseUrl;
    class EmulatorRequestClient extends twilio.RequestClient {
      override request<T>(opts: RequestClient.RequestOptions<T>) {
        return super.request<T>({
          ...opts,
          uri: opts.uri.replace('https://api.twilio.com', apiBaseUrl),
        });
      }
    }
    const client = twilio(emulator.accountSid, emulator.authToken, {
      httpClient: new EmulatorRequestClient(),
    });

    // Act
    const messages = await client.messages.list({
      dateSentAfter: new Date(base + 100 * hour),
      pageSize: 7,
    });
    // twilio-node sends the date-time, which names its day: the day's oldest comes last.
    const oldest = (await client.messages.list({ dateSent: new Date(base) })).slice(-1);
    const media = await client.messages(oldest[0]?.sid ?? '').media.list({ pageSize: 3 });
    const removed = await client
      .messages(oldest[0]?.sid ?? '')
      .media(media[0]?.sid ?? '')
      .remove();
    const remaining = await client.messages(oldest[0]?.sid ?? '').media.list();

    // Assess
    // DateSent>= names a day: hour 100 is on 01-05, whose first message is hour 96.
    expect(messages).toHaveLength(24);
    expect(messages[0]?.dateSent.getTime()).toBe(base + 119 * hour);
    expect(media).toHaveLength(7);
    expect(removed).toBe(true);
    expect(remaining).toHaveLength(6);
  });
});

describe('startTwilioEmulator faults', () => {
  it('injects throttling, server errors, resets and truncation from the random draw', async () => {
    // Prepare: bands throttle [0,.1) server error [.1,.3) reset [.3,.4) truncate [.4,.5)
    const emulator = await startTwilioEmulator({
      faults: { throttleRate: 0.1, serverErrorRate: 0.2, resetRate: 0.1, truncateRate: 0.1 },
      random: sequence([0.05, 0.15, 0.25, 0.35, 0.9, 0.45, 0.9]),
    });
    try {
      const media = emulator.addMessage({
        media: [makeSeedMedia({ size: 100_000, seed: 5 })],
      }).media[0];
      const path = media?.path ?? '';

      // Act
      const throttled = await apiRequest(emulator, path);
      const internal = await apiRequest(emulator, path);
      const unavailable = await apiRequest(emulator, path);
      const reset = await apiRequest(emulator, path).then(
        () => 'answered',
        () => 'failed',
      );
      const location = await cdnUrlOf(emulator, path);
      const truncated = await fetch(location)
        .then((response) => response.arrayBuffer())
        .then(
          () => 'complete',
          () => 'failed',
        );
      const healthy = await fetch(location);
      const healthyBody = Buffer.from(await healthy.arrayBuffer());

      // Assess
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('1');
      expect(await throttled.text()).toContain('<Code>20429</Code>');
      expect(internal.status).toBe(500);
      expect(await internal.text()).toContain('<Status>500</Status>');
      expect(unavailable.status).toBe(503);
      expect(reset).toBe('failed');
      expect(truncated).toBe('failed');
      expect(sha256Hex(healthyBody)).toBe(media?.sha256);
      expect(emulator.requests.map((entry) => entry.fault)).toEqual([
        'throttle',
        'server-error',
        'server-error',
        'reset',
        undefined,
        'truncate',
        undefined,
      ]);
      expect(emulator.requests.find((entry) => entry.fault === 'reset')?.status).toBe(0);
    } finally {
      await emulator.close();
    }
  });

  it('throttles on the CDN too, and draws nothing once faults are cleared', async () => {
    // Prepare
    let draws = 0;
    const emulator = await startTwilioEmulator({
      random: () => {
        draws += 1;
        return 0;
      },
    });
    try {
      const path = emulator.addMessage({ media: [makeSeedMedia()] }).media[0]?.path ?? '';
      const location = await cdnUrlOf(emulator, path);

      // Act
      emulator.setFaults({ throttleRate: 0.5 });
      const cdnThrottled = await fetch(location);
      emulator.setFaults({ throttleRate: 0 });
      const drawsBefore = draws;
      const cdnServed = await fetch(location);

      // Assess
      expect(cdnThrottled.status).toBe(429);
      expect(cdnThrottled.headers.get('retry-after')).toBe('1');
      expect(cdnServed.status).toBe(200);
      expect(draws).toBe(drawsBefore);
    } finally {
      await emulator.close();
    }
  });

  it('answers 404 (20404) during the transient window after creation, then redirects', async () => {
    // Prepare
    const emulator = await startTwilioEmulator({ faults: { transientNotFoundMs: 600_000 } });
    try {
      const path = emulator.addMessage({ media: [makeSeedMedia()] }).media[0]?.path ?? '';

      // Act
      const early = await apiRequest(emulator, path);
      const earlyJson = await apiRequest(emulator, `${path}.json`);
      emulator.setFaults({ transientNotFoundMs: 0 });
      const later = await apiRequest(emulator, path);

      // Assess
      expect(early.status).toBe(404);
      expect(await early.text()).toContain('<Code>20404</Code>');
      expect(earlyJson.status).toBe(404);
      expect(await earlyJson.json()).toMatchObject({ code: 20404 });
      expect(later.status).toBe(307);
      expect(emulator.requests.map((entry) => entry.fault)).toEqual([
        'transient-404',
        'transient-404',
        undefined,
      ]);
    } finally {
      await emulator.close();
    }
  });

  it('answers 429 (20429) to API requests beyond the per-account concurrency limit', async () => {
    // Prepare: requests held in flight by latency, so all four overlap.
    const emulator = await startTwilioEmulator({
      faults: { concurrencyLimit: 2 },
      latency: { apiMs: 300 },
    });
    try {
      const media = emulator.addMessage({
        media: Array.from({ length: 4 }, () => makeSeedMedia()),
      }).media;
      const auth = `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`;

      // Act
      const statuses = await Promise.all(
        media.map(async (item) => {
          const response = await fetch(item.url, {
            headers: { Authorization: auth },
            redirect: 'manual',
          });
          await response.body?.cancel();
          return response.status;
        }),
      );
      const after = await fetch(media[0]?.url ?? '', {
        headers: { Authorization: auth },
        redirect: 'manual',
      });
      await after.body?.cancel();

      // Assess
      expect(statuses.filter((status) => status === 307)).toHaveLength(2);
      expect(statuses.filter((status) => status === 429)).toHaveLength(2);
      expect(after.status).toBe(307);
    } finally {
      await emulator.close();
    }
  });

  it('adds latency before the API answer and before the CDN first byte', async () => {
    // Prepare: lower bounds only; a slow machine can only make these larger.
    const emulator = await startTwilioEmulator({ latency: { apiMs: 120, cdnFirstByteMs: 120 } });
    try {
      const path = emulator.addMessage({ media: [makeSeedMedia()] }).media[0]?.path ?? '';

      // Act
      const apiStart = performance.now();
      const location = await cdnUrlOf(emulator, path);
      const apiElapsed = performance.now() - apiStart;
      const cdnStart = performance.now();
      const response = await fetch(location);
      const cdnElapsed = performance.now() - cdnStart;

      // Assess
      expect(response.status).toBe(200);
      expect(apiElapsed).toBeGreaterThanOrEqual(100);
      expect(cdnElapsed).toBeGreaterThanOrEqual(100);
    } finally {
      await emulator.close();
    }
  });
});

describe('emulator seeding endpoint (POST /emulator/Messages)', () => {
  it('adds a message with the demo credentials only', async () => {
    // Prepare
    const emulator = await startTwilioEmulator();
    const seed = (user: string, password: string) =>
      fetch(`${emulator.apiBaseUrl}/emulator/Messages`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          media: [{ contentType: 'image/gif', base64: Buffer.from('GIF89a').toString('base64') }],
        }),
      });
    try {
      // Act
      const refused = await seed(emulator.accountSid, 'f'.repeat(32));
      const accepted = await seed(emulator.accountSid, emulator.authToken);
      const message = (await accepted.json()) as { sid: string; media: { sid: string }[] };

      // Assess
      expect(refused.status).toBe(401);
      expect(accepted.status).toBe(201);
      expect(message.media).toHaveLength(1);
      expect(emulator.hasMedia(message.media[0]?.sid as string)).toBe(true);
    } finally {
      await emulator.close();
    }
  });

  it("seeds into the main account, and a subaccount's token may not seed", async () => {
    // Prepare
    const emulator = await startTwilioEmulator({ subaccounts: [{}] });
    const sub = emulator.subaccounts[0] as { sid: string; authToken: string };
    const seed = (user: string, password: string) =>
      fetch(`${emulator.apiBaseUrl}/emulator/Messages`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          media: [{ contentType: 'image/gif', base64: Buffer.from('GIF89a').toString('base64') }],
        }),
      });
    try {
      // Act
      const bySubaccount = await seed(sub.sid, sub.authToken);
      const accepted = await seed(emulator.apiKey.sid, emulator.apiKey.secret);
      const message = (await accepted.json()) as { sid: string; media: { path: string }[] };

      // Assess
      expect(bySubaccount.status).toBe(401);
      expect(accepted.status).toBe(201);
      expect(message.media[0]?.path).toMatch(
        new RegExp(`^/2010-04-01/Accounts/${emulator.accountSid}/Messages/${message.sid}/Media/ME`),
      );
    } finally {
      await emulator.close();
    }
  });
});

describe('startTwilioEmulator inbound configuration', () => {
  let emulator: TwilioEmulator;
  const webhookUrl = 'https://example.execute-api.us-east-1.amazonaws.com/twilio/messages';

  beforeAll(async () => {
    emulator = await startTwilioEmulator({
      phoneNumbers: Array.from({ length: 5 }, (_, i) => ({
        phoneNumber: `+1500555000${i}`,
        smsUrl: i === 2 ? webhookUrl : null,
      })),
      messagingServices: [
        { friendlyName: 'one', inboundRequestUrl: webhookUrl },
        { friendlyName: 'two' },
        { friendlyName: 'three', useInboundWebhookOnNumber: true },
      ],
    });
  });
  afterAll(() => emulator.close());

  it('serves Messaging Services on its own origin, paged with absolute v1 meta URLs', async () => {
    // Act
    const first = await fetch(`${emulator.messagingBaseUrl}/v1/Services?PageSize=2`, {
      headers: { Authorization: accountAuth(emulator) },
    });
    const page = (await first.json()) as {
      services: { friendly_name: string }[];
      meta: { next_page_url: string; key: string };
    };
    const second = await fetch(page.meta.next_page_url, {
      headers: { Authorization: accountAuth(emulator) },
    });
    const onApiOrigin = await apiRequest(emulator, '/v1/Services');
    const anonymous = await fetch(`${emulator.messagingBaseUrl}/v1/Services`);

    // Assess
    expect(emulator.messagingBaseUrl).not.toBe(emulator.apiBaseUrl);
    expect(page.services.map((s) => s.friendly_name)).toEqual(['one', 'two']);
    expect(page.meta.key).toBe('services');
    expect(page.meta.next_page_url.startsWith(`${emulator.messagingBaseUrl}/v1/Services?`)).toBe(
      true,
    );
    expect(((await second.json()) as { services: unknown[] }).services).toHaveLength(1);
    expect(onApiOrigin.status).toBe(404);
    expect(anonymous.status).toBe(401);
  });

  it('is readable by the official twilio-node client, numbers and services, across pages', async () => {
    // Prepare: twilio-node targets Twilio's own origins, so rewrite them.
    const { apiBaseUrl, messagingBaseUrl } = emulator;
    class EmulatorRequestClient extends twilio.RequestClient {
      override request<T>(opts: RequestClient.RequestOptions<T>) {
        return super.request<T>({
          ...opts,
          uri: opts.uri
            .replace('https://api.twilio.com', apiBaseUrl)
            .replace('https://messaging.twilio.com', messagingBaseUrl),
        });
      }
    }
    const client = twilio(emulator.accountSid, emulator.authToken, {
      httpClient: new EmulatorRequestClient(),
    });
    const added = emulator.addPhoneNumber({ smsUrl: webhookUrl, smsMethod: 'GET' });

    // Act
    const numbers = await client.incomingPhoneNumbers.list({ pageSize: 2 });
    const services = await client.messaging.v1.services.list({ pageSize: 2 });

    // Assess
    expect(numbers).toHaveLength(6);
    expect(numbers[2]).toMatchObject({
      phoneNumber: '+15005550002',
      smsUrl: webhookUrl,
      smsMethod: 'POST',
    });
    expect(numbers[5]).toMatchObject({ sid: added, smsMethod: 'GET' });
    expect(numbers.every((n) => /^PN[0-9a-f]{32}$/.test(n.sid))).toBe(true);
    expect(
      services.map((s) => [s.friendlyName, s.inboundRequestUrl, s.useInboundWebhookOnNumber]),
    ).toEqual([
      ['one', webhookUrl, false],
      ['two', null, false],
      ['three', null, true],
    ]);
  });
});
