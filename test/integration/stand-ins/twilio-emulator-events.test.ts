import { createHash, createHmac } from 'node:crypto';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { startSinkRecorder } from '../../helpers/event-sink-recorder.ts';
import { makeSeedMedia } from '../../helpers/media-fixtures.ts';

const INBOUND = 'com.twilio.messaging.inbound-message.received';
const FINAL = ['delivered', 'undelivered', 'failed', 'read'].map(
  (s) => `com.twilio.messaging.message.${s}`,
);

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

/** A form POST (or GET/DELETE) to the emulator's events origin with the given account's token. */
const events = async (
  emulator: TwilioEmulator,
  path: string,
  init: { method?: string; form?: [string, string][]; as?: { sid: string; token: string } } = {},
) => {
  const as = init.as ?? { sid: emulator.accountSid, token: emulator.authToken };
  const response = await fetch(`${emulator.eventsBaseUrl}${path}`, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    headers: {
      Authorization: basic(as.sid, as.token),
      ...(init.form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
};

const createWebhookSink = (
  emulator: TwilioEmulator,
  destination: string,
  as?: { sid: string; token: string },
) =>
  events(emulator, '/v1/Sinks', {
    form: [
      ['Description', 'media archive'],
      ['SinkType', 'webhook'],
      ['SinkConfiguration', JSON.stringify({ destination, method: 'POST', batch_events: false })],
    ],
    ...(as ? { as } : {}),
  });

const subscribe = (
  emulator: TwilioEmulator,
  sinkSid: string,
  types: string[],
  as?: { sid: string; token: string },
) =>
  events(emulator, '/v1/Subscriptions', {
    form: [
      ['Description', 'media archive'],
      ['SinkSid', sinkSid],
      ...types.map((type): [string, string] => [
        'Types',
        JSON.stringify({ type, schema_version: 1 }),
      ]),
    ],
    ...(as ? { as } : {}),
  });

describe('twilio emulator: Event Streams (events v1)', () => {
  let emulator: TwilioEmulator;
  let sink: Awaited<ReturnType<typeof startSinkRecorder>>;

  beforeEach(async () => {
    emulator = await startTwilioEmulator({ eventDelivery: { retryDelayMs: 1 } });
    sink = await startSinkRecorder();
  });
  afterEach(async () => {
    await emulator.close();
    await sink.close();
  });

  it('creates, lists, fetches and deletes a webhook sink, active from creation as Twilio documents', async () => {
    // Act
    const created = await createWebhookSink(emulator, `${sink.baseUrl}/twilio/events`);
    const listed = await events(emulator, '/v1/Sinks?Status=active');
    const fetched = await events(emulator, `/v1/Sinks/${created.body.sid}`);
    const deleted = await events(emulator, `/v1/Sinks/${created.body.sid}`, { method: 'DELETE' });
    const after = await events(emulator, `/v1/Sinks/${created.body.sid}`);

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      sid: expect.stringMatching(/^DG[0-9a-f]{32}$/),
      sink_type: 'webhook',
      status: 'active',
      sink_configuration: {
        destination: `${sink.baseUrl}/twilio/events`,
        method: 'POST',
        batch_events: false,
      },
      links: {
        sink_test: expect.stringMatching(/\/Test$/),
        sink_validate: expect.stringMatching(/\/Validate$/),
      },
    });
    expect(listed.body.sinks.map((s: { sid: string }) => s.sid)).toEqual([created.body.sid]);
    expect(listed.body.meta.key).toBe('sinks');
    expect(fetched.body.sid).toBe(created.body.sid);
    expect(deleted.status).toBe(204);
    expect(after.status).toBe(404);
  });

  it('refuses to delete a sink still in use (91007), deletes the subscription then the sink, 404 after', async () => {
    // Prepare
    const created = await createWebhookSink(emulator, `${sink.baseUrl}/twilio/events`);
    const subscription = await subscribe(emulator, created.body.sid, [INBOUND]);
    const sinkPath = `/v1/Sinks/${created.body.sid}`;
    const subscriptionPath = `/v1/Subscriptions/${subscription.body.sid}`;

    // Act
    const inUse = await events(emulator, sinkPath, { method: 'DELETE' });
    const subscriptionDeleted = await events(emulator, subscriptionPath, { method: 'DELETE' });
    const sinkDeleted = await events(emulator, sinkPath, { method: 'DELETE' });
    const again = await events(emulator, sinkPath, { method: 'DELETE' });
    const subscriptionAgain = await events(emulator, subscriptionPath, { method: 'DELETE' });

    // Assess
    expect(inUse.status).toBe(400);
    expect(inUse.body).toMatchObject({ code: 91007, status: 400 });
    expect(subscriptionDeleted.status).toBe(204);
    expect(sinkDeleted.status).toBe(204);
    expect(again.status).toBe(404);
    expect(subscriptionAgain.status).toBe(404);
    expect(emulator.sinks).toEqual([]);
    expect(emulator.eventSubscriptions).toEqual([]);
  });

  it("answers 404 to deleting another account's sink and leaves it", async () => {
    // Prepare
    const sub = emulator.addSubaccount();
    const created = await createWebhookSink(emulator, `${sink.baseUrl}/twilio/events`);

    // Act
    const deleted = await events(emulator, `/v1/Sinks/${created.body.sid}`, {
      method: 'DELETE',
      as: { sid: sub.sid, token: sub.authToken },
    });

    // Assess
    expect(deleted.status).toBe(404);
    expect(emulator.sinks.map((s) => s.sid)).toEqual([created.body.sid]);
  });

  it('takes a Kinesis sink initialized, then validating after a test, active after Validate with the test id', async () => {
    // Prepare: a Kinesis "stream" that keeps what it is handed
    await emulator.close();
    const records: unknown[] = [];
    emulator = await startTwilioEmulator({
      kinesisPublisher: async (_sink, batch) => {
        records.push(...batch);
      },
    });
    const created = await events(emulator, '/v1/Sinks', {
      form: [
        ['Description', 'media archive'],
        ['SinkType', 'kinesis'],
        [
          'SinkConfiguration',
          JSON.stringify({
            arn: 'arn:aws:kinesis:us-east-1:123456789012:stream/twilio-events',
            role_arn: 'arn:aws:iam::123456789012:role/twilio-events',
            external_id: 'external-id-1',
          }),
        ],
      ],
    });
    const refused = await subscribe(emulator, created.body.sid, [INBOUND]);

    // Act
    const test = await events(emulator, `/v1/Sinks/${created.body.sid}/Test`, { form: [] });
    await emulator.flushEvents();
    const validating = await events(emulator, `/v1/Sinks/${created.body.sid}`);
    const wrong = await events(emulator, `/v1/Sinks/${created.body.sid}/Validate`, {
      form: [['TestId', 'not-the-test']],
    });
    const testId = (records[0] as { data: { test_id: string } }).data.test_id;
    const valid = await events(emulator, `/v1/Sinks/${created.body.sid}/Validate`, {
      form: [['TestId', testId]],
    });
    const active = await events(emulator, `/v1/Sinks/${created.body.sid}`);

    // Assess
    expect(created.body.status).toBe('initialized');
    expect(refused.status).toBe(400);
    expect(test).toEqual({ status: 201, body: { result: 'submitted' } });
    expect(records).toEqual([
      expect.objectContaining({
        type: 'com.twilio.eventstreams.test-event',
        data: { test_id: testId },
      }),
    ]);
    expect(validating.body.status).toBe('validating');
    expect(wrong.status).toBe(400);
    expect(valid).toEqual({ status: 201, body: { result: 'valid' } });
    expect(active.body.status).toBe('active');
  });

  it('delivers the sink test to a webhook sink with the URL userinfo as Basic credentials and a signature', async () => {
    // Prepare
    const destination = `http://archiver:s3cret%21@${sink.baseUrl.slice('http://'.length)}/twilio/events`;
    const created = await createWebhookSink(emulator, destination);

    // Act
    await events(emulator, `/v1/Sinks/${created.body.sid}/Test`, { form: [] });
    await emulator.flushEvents();

    // Assess
    const [request] = sink.requests;
    expect(sink.requests).toHaveLength(1);
    expect(request?.authorization).toBe(basic('archiver', 's3cret!'));
    const bodyHash = createHash('sha256')
      .update(request?.body ?? '')
      .digest('hex');
    expect(request?.url).toBe(`/twilio/events?bodySHA256=${bodyHash}`);
    const signedUrl = `${sink.baseUrl}/twilio/events?bodySHA256=${bodyHash}`;
    expect(request?.signature).toBe(
      createHmac('sha1', emulator.authToken).update(signedUrl).digest('base64'),
    );
    expect(
      twilio.validateRequestWithBody(
        emulator.authToken,
        request?.signature ?? '',
        signedUrl,
        request?.body ?? '',
      ),
    ).toBe(true);
    expect(JSON.parse(request?.body ?? '')).toEqual([
      expect.objectContaining({
        specversion: '1.0',
        type: 'com.twilio.eventstreams.test-event',
        id: emulator.accountSid,
      }),
    ]);
  });

  it('delivers subscribed inbound and final outbound events, and nothing unsubscribed', async () => {
    // Prepare
    const created = await createWebhookSink(emulator, `${sink.baseUrl}/twilio/events`);
    const subscription = await subscribe(emulator, created.body.sid, [INBOUND, ...FINAL]);
    const outbound = emulator.addMessage({
      direction: 'outbound-api',
      status: 'sending',
      media: [makeSeedMedia()],
    });

    // Act
    const inbound = emulator.addMessage({
      direction: 'inbound',
      media: [makeSeedMedia(), makeSeedMedia()],
    });
    emulator.setMessageStatus(outbound.sid, 'sent');
    emulator.setMessageStatus(outbound.sid, 'delivered');
    await emulator.flushEvents();

    // Assess
    expect(subscription.status).toBe(201);
    const received = sink.events();
    expect(received.map((e) => [e.type, e.data.messageSid])).toEqual([
      [INBOUND, inbound.sid],
      ['com.twilio.messaging.message.delivered', outbound.sid],
    ]);
    expect(received[0]?.data).toMatchObject({ accountSid: emulator.accountSid, numMedia: 2 });
    expect(received[1]?.data).toMatchObject({
      messageStatus: 'DELIVERED',
      accountSid: emulator.accountSid,
    });
    expect(received[1]?.data).not.toHaveProperty('numMedia');
  });

  it('retries a delivery the sink refuses until it answers 2xx', async () => {
    // Prepare
    await sink.close();
    sink = await startSinkRecorder([500, 503, 200]);
    const created = await createWebhookSink(emulator, `${sink.baseUrl}/twilio/events`);
    await subscribe(emulator, created.body.sid, [INBOUND]);

    // Act
    const message = emulator.addMessage({ media: [makeSeedMedia()] });
    await emulator.flushEvents();

    // Assess
    expect(sink.requests).toHaveLength(3);
    expect(new Set(sink.events().map((e) => e.id)).size).toBe(1);
    expect(sink.events()[0]?.data.messageSid).toBe(message.sid);
    expect(emulator.eventDeliveries.map((d) => [d.status, d.outcome])).toEqual([
      [500, 'retrying'],
      [503, 'retrying'],
      [200, 'delivered'],
    ]);
  });

  it('duplicates and reorders deliveries when the faults ask for it', async () => {
    // Prepare: draws in order: first held back (reorder 0), second sent (0.9) and not duplicated
    // (0.9), then the first released behind it and duplicated (0).
    await emulator.close();
    const draws = [0, 0.9, 0.9, 0];
    emulator = await startTwilioEmulator({
      faults: { eventDuplicateRate: 0.5, eventReorderRate: 0.5 },
      random: () => draws.shift() ?? 0.9,
    });
    const created = await createWebhookSink(emulator, `${sink.baseUrl}/twilio/events`);
    await subscribe(emulator, created.body.sid, [INBOUND]);

    // Act
    const first = emulator.addMessage({ media: [makeSeedMedia()] });
    const second = emulator.addMessage({ media: [makeSeedMedia()] });
    await emulator.flushEvents();

    // Assess
    const sids = sink.events().map((e) => e.data.messageSid);
    expect(sids.filter((sid) => sid === first.sid)).toHaveLength(2);
    expect(sids.filter((sid) => sid === second.sid)).toHaveLength(1);
    expect(sids.indexOf(second.sid)).toBeLessThan(sids.indexOf(first.sid));
  });

  it('keeps sinks per account: a subaccount sees and is served only by its own sink', async () => {
    // Prepare
    const sub = emulator.addSubaccount();
    const subAuth = { sid: sub.sid, token: sub.authToken };
    const mainSink = await createWebhookSink(emulator, `${sink.baseUrl}/main`);
    await subscribe(emulator, mainSink.body.sid, [INBOUND]);

    // Act
    const subMessage = emulator.addMessage({ accountSid: sub.sid, media: [makeSeedMedia()] });
    await emulator.flushEvents();
    const subListBefore = await events(emulator, '/v1/Sinks', { as: subAuth });
    const subSink = await createWebhookSink(emulator, `${sink.baseUrl}/sub`, subAuth);
    const crossSubscribe = await subscribe(emulator, mainSink.body.sid, [INBOUND], subAuth);
    await subscribe(emulator, subSink.body.sid, [INBOUND], subAuth);
    const later = emulator.addMessage({ accountSid: sub.sid, media: [makeSeedMedia()] });
    await emulator.flushEvents();

    // Assess
    expect(subListBefore.body.sinks).toEqual([]);
    expect(crossSubscribe.status).toBe(400);
    expect(sink.requests.map((r) => r.url.split('?')[0])).toEqual(['/sub']);
    expect(sink.events().map((e) => e.data.messageSid)).toEqual([later.sid]);
    expect(sink.events().map((e) => e.data.messageSid)).not.toContain(subMessage.sid);
  });

  it('refuses what it does not emulate and a subscription to a sink that is not active', async () => {
    // Act
    const segment = await events(emulator, '/v1/Sinks', {
      form: [
        ['Description', 'x'],
        ['SinkType', 'segment'],
        ['SinkConfiguration', '{"write_key":"k"}'],
      ],
    });
    const get = await events(emulator, '/v1/Sinks', {
      form: [
        ['Description', 'x'],
        ['SinkType', 'webhook'],
        ['SinkConfiguration', JSON.stringify({ destination: `${sink.baseUrl}/x`, method: 'GET' })],
      ],
    });
    const created = await createWebhookSink(emulator, `${sink.baseUrl}/x`);
    const unknownType = await subscribe(emulator, created.body.sid, [
      'com.twilio.voice.call.created',
    ]);
    const unauthenticated = await events(emulator, '/v1/Sinks', {
      as: { sid: emulator.accountSid, token: 'wrong' },
    });

    // Assess
    expect([segment.status, get.status, unknownType.status]).toEqual([400, 400, 400]);
    expect(unauthenticated.status).toBe(401);
  });

  it('answers twilio-node (twilio@6) creating a sink and a subscription and listing subscribed events', async () => {
    // Prepare: twilio-node targets https://events.twilio.com, so rewrite the origin.
    const eventsBaseUrl = emulator.eventsBaseUrl;
    class EmulatorRequestClient extends twilio.RequestClient {
      override request<T>(opts: RequestClient.RequestOptions<T>) {
        return super.request({
          ...opts,
          uri: opts.uri.replace('https://events.twilio.com', eventsBaseUrl),
        });
      }
    }
    const client = twilio(emulator.accountSid, emulator.authToken, {
      httpClient: new EmulatorRequestClient(),
    });

    // Act
    const created = await client.events.v1.sinks.create({
      description: 'media archive',
      sinkType: 'webhook',
      sinkConfiguration: {
        destination: `${sink.baseUrl}/twilio/events`,
        method: 'POST',
        batch_events: false,
      },
    });
    const subscription = await client.events.v1.subscriptions.create({
      description: 'media archive',
      sinkSid: created.sid,
      types: [
        { type: INBOUND, schema_version: 6 },
        ...FINAL.map((type) => ({ type, schema_version: 8 })),
      ],
    });
    const subscribed = await client.events.v1
      .subscriptions(subscription.sid)
      .subscribedEvents.list();
    const sinks = await client.events.v1.sinks.list({ status: 'active' });

    // Assess
    expect(created.status).toBe('active');
    expect(created.sinkType).toBe('webhook');
    expect(subscription.sinkSid).toBe(created.sid);
    expect(subscription.accountSid).toBe(emulator.accountSid);
    expect(subscribed.map((t) => [t.type, t.schemaVersion])).toEqual([
      [INBOUND, 6],
      ...FINAL.map((type) => [type, 8]),
    ]);
    expect(sinks.map((s) => s.sid)).toEqual([created.sid]);
  });
});
