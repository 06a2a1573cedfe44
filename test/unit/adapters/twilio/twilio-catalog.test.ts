import { describe, expect, it } from 'vitest';
import {
  createTwilioCatalog,
  UnsafePageUriError,
} from '../../../../lib/adapters/twilio/twilio-catalog.ts';
import { RepeatedPageError, TwilioThrottledError } from '../../../../lib/domain/errors.ts';
import { participantKeyOf, participantsOf } from '../../../../lib/domain/participant.ts';
import { ACCOUNT, sid } from '../../use-cases/backfill/fakes.ts';

const API = 'https://api.example.test';
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

const twilioMessage = (n: number, overrides: Record<string, unknown> = {}) => ({
  sid: sid('MM', n),
  direction: 'inbound',
  status: 'received',
  date_created: 'Fri, 10 Jan 2025 12:00:00 +0000',
  num_media: '2',
  ...overrides,
});

/** A scripted fetch recording each URL and whether it carried credentials. */
const scripted = (answers: Response[]) => {
  const calls: { url: string; authorized: boolean }[] = [];
  const fetch = (async (input: URL | string, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({ url: String(input), authorized: headers.has('authorization') });
    const answer = answers.shift();
    if (!answer) throw new Error('unexpected request');
    return answer;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
};

const catalogWith = (fetch: typeof globalThis.fetch, sleeps: number[] = []) =>
  createTwilioCatalog({
    apiBaseUrl: API,
    accountSid: ACCOUNT,
    credentials: { username: ACCOUNT, password: 'token' },
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });

describe('createTwilioCatalog', () => {
  it('asks for one UTC day with DateSent and PageSize, and parses string counts and RFC 2822 dates', async () => {
    // Prepare
    const next = `/2010-04-01/Accounts/${ACCOUNT}/Messages.json?DateSent=2025-01-10&PageSize=1000&Page=1&PageToken=PA${sid('MM', 1)}`;
    const { fetch, calls } = scripted([
      json({ messages: [twilioMessage(1)], next_page_uri: next }),
    ]);

    // Act
    const page = await catalogWith(fetch).listMessages({ day: '2025-01-10', pageSize: 5000 });

    // Assess
    const url = new URL(calls[0]?.url as string);
    expect(url.origin).toBe(API);
    expect(url.pathname).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(url.searchParams.get('DateSent')).toBe('2025-01-10');
    expect(url.searchParams.get('PageSize')).toBe('1000');
    expect(calls[0]?.authorized).toBe(true);
    expect(page).toEqual({
      messages: [
        {
          sid: sid('MM', 1),
          direction: 'inbound',
          status: 'received',
          dateCreated: '2025-01-10T12:00:00.000Z',
          numMedia: 2,
        },
      ],
      nextPageUri: next,
    });
  });

  it('lists every message newest first without DateSent, and reads date_sent when there is one', async () => {
    // Prepare
    const { fetch, calls } = scripted([
      json({
        messages: [
          twilioMessage(1, { direction: 'outbound-api', status: 'failed', date_sent: null }),
          twilioMessage(2, { date_sent: 'Fri, 10 Jan 2025 12:00:01 +0000' }),
        ],
        next_page_uri: null,
      }),
    ]);

    // Act
    const page = await catalogWith(fetch).listMessages({ pageSize: 200 });

    // Assess
    const url = new URL(calls[0]?.url as string);
    expect([...url.searchParams.keys()]).toEqual(['PageSize']);
    expect(url.searchParams.get('PageSize')).toBe('200');
    expect(page.messages.map((m) => [m.status, m.dateSent])).toEqual([
      ['failed', undefined],
      ['received', '2025-01-10T12:00:01.000Z'],
    ]);
    expect('dateSent' in (page.messages[0] ?? {})).toBe(false);
  });

  it.each([
    [false, {}],
    [true, { body: 'see attached', from: '+15550001111', to: '+15550002222' }],
  ])(
    'reads the record fields of a list entry; body and addresses only when kept (%s)',
    async (keep, kept) => {
      // Prepare
      const service = `MG${'c'.repeat(32)}`;
      const raw = {
        num_segments: '2',
        messaging_service_sid: service,
        body: 'see attached',
        from: '+15550001111',
        to: '+15550002222',
      };
      const { fetch } = scripted([
        json({
          messages: [twilioMessage(1, raw), twilioMessage(2, { messaging_service_sid: null })],
          next_page_uri: null,
        }),
      ]);
      const catalog = createTwilioCatalog({
        apiBaseUrl: API,
        accountSid: ACCOUNT,
        credentials: { username: ACCOUNT, password: 'token' },
        fetch,
        archiveMessageBody: keep,
        archiveAddresses: keep,
      });

      // Act
      const page = await catalog.listMessages({ day: '2025-01-10', pageSize: 50 });

      // Assess
      expect(page.messages[0]).toEqual({
        sid: sid('MM', 1),
        direction: 'inbound',
        status: 'received',
        dateCreated: '2025-01-10T12:00:00.000Z',
        numMedia: 2,
        numSegments: 2,
        messagingServiceSid: service,
        ...kept,
      });
      expect(page.messages[1]).not.toHaveProperty('messagingServiceSid');
      expect(page.messages[1]).not.toHaveProperty('numSegments');
    },
  );

  it('reads From/To as keyed pseudonyms only, with a participant key and without archiveAddresses', async () => {
    // Prepare
    const participantKey = participantKeyOf('c'.repeat(40));
    const { fetch } = scripted([
      json({
        messages: [twilioMessage(1, { from: 'whatsapp:+15550001111', to: '+15550002222' })],
        next_page_uri: null,
      }),
    ]);
    const catalog = createTwilioCatalog({
      apiBaseUrl: API,
      accountSid: ACCOUNT,
      credentials: { username: ACCOUNT, password: 'token' },
      fetch,
      participantKey,
    });

    // Act
    const page = await catalog.listMessages({ day: '2025-01-10', pageSize: 50 });

    // Assess
    expect(page.messages[0]?.participants).toEqual(
      participantsOf(participantKey, { from: 'whatsapp:+15550001111', to: '+15550002222' }),
    );
    expect(JSON.stringify(page.messages[0])).not.toContain('5550001111');
  });

  it.each([
    ['an absolute URL elsewhere', 'https://evil.example/2010-04-01/Accounts/AC/Messages.json'],
    ['another account', `/2010-04-01/Accounts/AC${'b'.repeat(32)}/Messages.json?Page=1`],
    ['a protocol-relative URL', `//evil.example/2010-04-01/Accounts/${ACCOUNT}/Messages.json`],
  ])('refuses a next_page_uri pointing at %s', async (_what, next) => {
    // Prepare
    const { fetch, calls } = scripted([json({ messages: [], next_page_uri: next })]);

    // Act
    const listing = catalogWith(fetch).listMessages({ day: '2025-01-10', pageSize: 50 });

    // Assess
    await expect(listing).rejects.toThrow(UnsafePageUriError);
    expect(calls).toHaveLength(1);
  });

  it('retries 429 and 5xx, waiting at least Retry-After', async () => {
    // Prepare
    const sleeps: number[] = [];
    const { fetch, calls } = scripted([
      json({ code: 20429 }, 429, { 'retry-after': '2' }),
      json({ code: 20500 }, 503),
      json({ messages: [], next_page_uri: null }),
    ]);

    // Act
    const page = await catalogWith(fetch, sleeps).listMessages({ day: '2025-01-10', pageSize: 50 });

    // Assess
    expect(page.messages).toEqual([]);
    expect(calls).toHaveLength(3);
    expect(sleeps[0]).toBeGreaterThanOrEqual(2_000);
    expect(sleeps).toHaveLength(2);
  });

  it('gives up with TwilioThrottledError once its retries are spent', async () => {
    // Prepare
    const answers = Array.from({ length: 10 }, () => json({ code: 20429 }, 429));
    const { fetch } = scripted(answers);
    const catalog = createTwilioCatalog({
      apiBaseUrl: API,
      accountSid: ACCOUNT,
      credentials: { username: ACCOUNT, password: 'token' },
      fetch,
      retry: { attempts: 2 },
      sleep: async () => undefined,
    });

    // Act / Assess
    await expect(catalog.listMessages({ day: '2025-01-10', pageSize: 50 })).rejects.toThrow(
      TwilioThrottledError,
    );
  });

  it('follows Media list pages and drops content-type parameters', async () => {
    // Prepare
    const base = `/2010-04-01/Accounts/${ACCOUNT}/Messages/${sid('MM', 1)}/Media.json`;
    const { fetch, calls } = scripted([
      json({
        media_list: [{ sid: sid('ME', 1), content_type: 'audio/ogg; codecs=opus' }],
        next_page_uri: `${base}?PageSize=1&Page=1&PageToken=PA${sid('ME', 1)}`,
      }),
      json({
        media_list: [{ sid: sid('ME', 2), content_type: 'not a type' }],
        next_page_uri: null,
      }),
    ]);

    // Act
    const media = await catalogWith(fetch).listMedia(sid('MM', 1));

    // Assess
    expect(media).toEqual([
      { sid: sid('ME', 1), contentType: 'audio/ogg' },
      { sid: sid('ME', 2), contentType: 'application/octet-stream' },
    ]);
    expect(calls.map((call) => new URL(call.url).pathname)).toEqual([base, base]);
  });

  it('stops with a RepeatedPageError when a media page names itself as the next page', async () => {
    // Prepare
    const base = `/2010-04-01/Accounts/${ACCOUNT}/Messages/${sid('MM', 1)}/Media.json`;
    const again = `${base}?PageSize=1&Page=1&PageToken=PA${sid('ME', 1)}`;
    const page = () => json({ media_list: [{ sid: sid('ME', 1) }], next_page_uri: again });
    const { fetch, calls } = scripted([page(), page(), page(), page()]);

    // Act
    const listing = catalogWith(fetch).listMedia(sid('MM', 1));

    // Assess
    await expect(listing).rejects.toBeInstanceOf(RepeatedPageError);
    expect(calls).toHaveLength(2);
  });
});

describe('createTwilioCatalog: getMessage', () => {
  it('reads one Message resource of the account, with its direction, status and date', async () => {
    // Prepare
    const { fetch, calls } = scripted([
      json(twilioMessage(3, { direction: 'outbound-api', status: 'delivered', num_media: '1' })),
    ]);

    // Act
    const message = await catalogWith(fetch).getMessage(sid('MM', 3));

    // Assess
    expect(calls).toEqual([
      {
        url: `${API}/2010-04-01/Accounts/${ACCOUNT}/Messages/${sid('MM', 3)}.json`,
        authorized: true,
      },
    ]);
    expect(message).toMatchObject({
      sid: sid('MM', 3),
      direction: 'outbound-api',
      status: 'delivered',
      dateCreated: '2025-01-10T12:00:00.000Z',
      numMedia: 1,
    });
  });

  it('answers undefined for a message Twilio does not have (404)', async () => {
    const { fetch } = scripted([json({ code: 20404 }, 404)]);
    expect(await catalogWith(fetch).getMessage(sid('MM', 4))).toBeUndefined();
  });

  it('refuses an answer about another message, and a malformed SID before any request', async () => {
    const { fetch, calls } = scripted([json(twilioMessage(5))]);
    await expect(catalogWith(fetch).getMessage(sid('MM', 6))).rejects.toThrow(/unreadable message/);
    await expect(catalogWith(fetch).getMessage('MM../../x')).rejects.toThrow(/malformed/);
    expect(calls).toHaveLength(1);
  });

  it('retries a 5xx, then reads the message', async () => {
    const { fetch, calls } = scripted([json({}, 503), json(twilioMessage(7))]);
    expect((await catalogWith(fetch).getMessage(sid('MM', 7)))?.sid).toBe(sid('MM', 7));
    expect(calls).toHaveLength(2);
  });
});
