import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTwilioMediaSource,
  MAX_REDIRECTS,
} from '../../../lib/adapters/twilio/twilio-media-source.ts';
import { UnsafeRedirectError } from '../../../lib/domain/errors.ts';
import { mediaResourcePath } from '../../../lib/domain/sids.ts';
import type { MediaRef } from '../../../lib/ports/pipeline.ts';
import { TEST_ACCOUNT_SID, testMediaSid } from '../../helpers/twilio-webhook.ts';
import { type CatchAllAnswer, type Responder, startCatchAllServer } from './catch-all-server.ts';

const CREDENTIALS = { username: TEST_ACCOUNT_SID, password: 'the-auth-token-never-to-leak' };
const ref = (n: number): MediaRef => ({
  accountSid: TEST_ACCOUNT_SID,
  messageSid: `MM${'1'.repeat(32)}`,
  mediaSid: testMediaSid(n),
});
const readAll = async (body: NodeJS.ReadableStream) => {
  let text = '';
  for await (const chunk of body) text += chunk.toString();
  return text;
};

/**
 * The Twilio adapter against real HTTP servers: a hostile "API origin" that redirects wherever a
 * test says, and a catch-all server standing for any other host (a CDN or an attacker).
 */
describe('redirects from the Twilio API origin', () => {
  let elsewhere: Awaited<ReturnType<typeof startCatchAllServer>>;
  let api: Awaited<ReturnType<typeof startCatchAllServer>>;
  /** Media n redirects to `hop/1` on the other host, which chains n - 1 more hops, then 200. */
  const chain: Responder = (url) => {
    const media = /Media\/ME0*(\d+)$/.exec(url);
    if (media)
      return { status: 307, headers: { Location: `${elsewhere.baseUrl}/hop/1/of/${media[1]}` } };
    return { status: 404 };
  };

  beforeAll(async () => {
    const hops: Responder = (url): CatchAllAnswer => {
      const [, hop, total] = /\/hop\/(\d+)\/of\/(\d+)/.exec(url) ?? [];
      if (Number(hop) < Number(total)) {
        return { status: 302, headers: { Location: `/hop/${Number(hop) + 1}/of/${total}` } };
      }
      return { status: 200, headers: { 'Content-Type': 'image/jpeg' }, body: 'media bytes' };
    };
    elsewhere = await startCatchAllServer(hops);
    api = await startCatchAllServer(chain);
  });

  afterAll(async () => {
    await api?.close();
    await elsewhere?.close();
  });

  const source = () =>
    createTwilioMediaSource({
      apiBaseUrl: api.baseUrl,
      accountSid: TEST_ACCOUNT_SID,
      credentials: CREDENTIALS,
      mediaOrigins: [elsewhere.baseUrl],
      retry: { attempts: 0 },
    });

  it(`follows ${MAX_REDIRECTS} hops without ever sending credentials off the API origin`, async () => {
    // Prepare
    const media = ref(MAX_REDIRECTS);

    // Act
    const answer = await source().fetchMedia(media);

    // Assess
    expect(answer.status).toBe('ok');
    if (answer.status === 'ok') expect(await readAll(answer.body)).toBe('media bytes');
    expect(elsewhere.caught.length).toBeGreaterThanOrEqual(MAX_REDIRECTS);
    expect(elsewhere.caught.filter((r) => r.authorization !== undefined)).toEqual([]);
    const path = mediaResourcePath(media.accountSid, media.messageSid, media.mediaSid);
    expect(api.caught.find((r) => r.url === path)?.authorization).toMatch(/^Basic /);
  });

  it('refuses a fourth hop', async () => {
    // Prepare
    elsewhere.caught.length = 0;

    // Act
    const fetching = source().fetchMedia(ref(MAX_REDIRECTS + 1));

    // Assess
    await expect(fetching).rejects.toBeInstanceOf(UnsafeRedirectError);
    expect(elsewhere.caught).toHaveLength(MAX_REDIRECTS);
    expect(elsewhere.caught.filter((r) => r.authorization !== undefined)).toEqual([]);
  });

  it('refuses a redirect from https to plain http before requesting it', async () => {
    // Prepare: an https API origin (a fake fetch) sending the client to the catch-all over http.
    const requested: Array<{ url: string; authorization: string | null }> = [];
    const https = createTwilioMediaSource({
      apiBaseUrl: 'https://api.twilio.com',
      accountSid: TEST_ACCOUNT_SID,
      credentials: CREDENTIALS,
      // Listed, so only the downgrade to plain http can be what refuses it.
      mediaOrigins: [elsewhere.baseUrl],
      retry: { attempts: 0 },
      fetch: async (input, init) => {
        requested.push({
          url: String(input),
          authorization: new Headers(init?.headers).get('authorization'),
        });
        return new Response(null, { status: 307, headers: { Location: `${elsewhere.baseUrl}/x` } });
      },
    });
    elsewhere.caught.length = 0;

    // Act
    const fetching = https.fetchMedia(ref(1));

    // Assess
    await expect(fetching).rejects.toBeInstanceOf(UnsafeRedirectError);
    expect(requested).toHaveLength(1);
    expect(requested[0]?.url).toMatch(/^https:\/\/api\.twilio\.com\//);
    expect(elsewhere.caught).toEqual([]);
  });
});
