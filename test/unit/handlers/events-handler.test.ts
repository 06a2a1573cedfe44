import { describe, expect, it } from 'vitest';
import { readEventsConfig } from '../../../lib/config/lambda.ts';
import { TwilioUnavailableError } from '../../../lib/domain/errors.ts';
import {
  createEventsHandler,
  type EventsHandlerDeps,
} from '../../../lib/handlers/events-handler.ts';
import { FakeJobQueue } from '../../helpers/fake-job-queue.ts';
import { FakeMessageCatalog, fakeTwilioMessage } from '../../helpers/fake-message-catalog.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import {
  eventSinkRequest,
  inboundMessageReceivedEvent,
  kinesisEvent,
  kinesisRecord,
  TEST_SINK_PASSWORD,
  TEST_SINK_USERNAME,
} from '../../helpers/twilio-cloud-events.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../../helpers/twilio-webhook.ts';

const handlerFixture = (env: Record<string, string> = {}) => {
  const config = readEventsConfig({
    TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
    ARCHIVE_BUCKET: 'archive',
    MEDIA_QUEUE_URL: 'http://queue.local/media',
    EVENT_SINK_USERNAME: TEST_SINK_USERNAME,
    EVENT_SINK_PASSWORD: TEST_SINK_PASSWORD,
    ...env,
  });
  const queue = new FakeJobQueue();
  const catalog = new FakeMessageCatalog(TEST_ACCOUNT_SID, [fakeTwilioMessage({}, 2)]);
  const deps: EventsHandlerDeps = {
    config,
    queue,
    catalogFor: () => catalog,
    isServedAccount: (sid) => sid === TEST_ACCOUNT_SID,
  };
  return { handler: createEventsHandler(deps), queue, catalog };
};

type HttpResult = { statusCode: number; headers?: Record<string, string>; body?: string };

describe('events handler: webhook sink', () => {
  it('enqueues the media of a signed, authenticated batch and answers 200', async () => {
    const { handler, queue } = handlerFixture();
    const result = (await handler(eventSinkRequest(), lambdaContext())) as HttpResult;
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '')).toEqual({ events: 1, jobs: 2 });
    expect(queue.jobs).toHaveLength(2);
  });

  it.each([
    ['no Authorization header', { authorization: null }],
    ['a wrong password', { password: `${TEST_SINK_PASSWORD}x` }],
    ['a wrong username', { username: 'twilio2' }],
    ['a Bearer token', { authorization: 'Bearer abc' }],
    ['no colon', { authorization: `Basic ${Buffer.from('twilio').toString('base64')}` }],
  ] as const)('answers 401 with a challenge to %s, enqueuing nothing', async (_name, options) => {
    const { handler, queue, catalog } = handlerFixture();
    const result = (await handler(eventSinkRequest(options), lambdaContext())) as HttpResult;
    expect(result.statusCode).toBe(401);
    expect(result.headers?.['WWW-Authenticate']).toMatch(/^Basic realm=/);
    expect(queue.calls).toEqual([]);
    expect(catalog.calls).toEqual([]);
  });

  it('answers 401 when no sink credentials are configured', async () => {
    const { handler } = handlerFixture({ EVENT_SINK_USERNAME: '', EVENT_SINK_PASSWORD: '' });
    const result = (await handler(eventSinkRequest(), lambdaContext())) as HttpResult;
    expect(result.statusCode).toBe(401);
  });

  it('answers 403 to a request Twilio did not sign, or signed for another body', async () => {
    const { handler, queue } = handlerFixture();
    const unsigned = (await handler(
      eventSinkRequest({ signature: null }),
      lambdaContext(),
    )) as HttpResult;
    const otherToken = (await handler(
      eventSinkRequest({ authToken: 'f'.repeat(32) }),
      lambdaContext(),
    )) as HttpResult;
    const tampered = eventSinkRequest();
    tampered.body = (tampered.body ?? '').replace('Ahoy', 'Ahoj');
    const changed = (await handler(tampered, lambdaContext())) as HttpResult;
    expect([unsigned.statusCode, otherToken.statusCode, changed.statusCode]).toEqual([
      403, 403, 403,
    ]);
    expect(queue.calls).toEqual([]);
  });

  it('skips the signature check with EVENT_SINK_SIGNATURE=off (Basic credentials still needed)', async () => {
    const { handler } = handlerFixture({ EVENT_SINK_SIGNATURE: 'off' });
    const ok = (await handler(
      eventSinkRequest({ signature: null }),
      lambdaContext(),
    )) as HttpResult;
    const anonymous = (await handler(
      eventSinkRequest({ signature: null, authorization: null }),
      lambdaContext(),
    )) as HttpResult;
    expect([ok.statusCode, anonymous.statusCode]).toEqual([200, 401]);
  });

  it.each([
    ['not JSON', 'nope'],
    ['an object, not an array', JSON.stringify(inboundMessageReceivedEvent())],
  ])('answers 400 to a body that is %s', async (_name, body) => {
    const { handler, queue } = handlerFixture();
    const result = (await handler(eventSinkRequest({ body }), lambdaContext())) as HttpResult;
    expect(result.statusCode).toBe(400);
    expect(queue.calls).toEqual([]);
  });

  it('takes a base64 body, and refuses other methods with 405', async () => {
    const { handler } = handlerFixture();
    const base64 = (await handler(
      eventSinkRequest({ base64: true }),
      lambdaContext(),
    )) as HttpResult;
    const get = (await handler(eventSinkRequest({ method: 'GET' }), lambdaContext())) as HttpResult;
    expect([base64.statusCode, get.statusCode]).toEqual([200, 405]);
  });

  it('answers 503 when Twilio fails, so Twilio sends the batch again', async () => {
    const { handler, catalog, queue } = handlerFixture();
    catalog.failWith = new TwilioUnavailableError('503');
    const result = (await handler(eventSinkRequest(), lambdaContext())) as HttpResult;
    expect(result.statusCode).toBe(503);
    expect(queue.calls).toEqual([]);
  });

  it('checks the signature against PUBLIC_EVENTS_URL when API Gateway shows another path', async () => {
    const publicUrl = 'https://archive.example.com/prod/twilio/events';
    const { handler } = handlerFixture({ PUBLIC_EVENTS_URL: publicUrl });
    // Twilio signed the public URL; the event shows the execute-api host.
    const events = [inboundMessageReceivedEvent()];
    const signedForPublic = eventSinkRequest({ url: publicUrl, events });
    const seen = eventSinkRequest({ events });
    seen.headers['x-twilio-signature'] = signedForPublic.headers['x-twilio-signature'] as string;
    const result = (await handler(seen, lambdaContext())) as HttpResult;
    expect(result.statusCode).toBe(200);
  });
});

describe('events handler: Kinesis sink', () => {
  it('reports the failing record by sequence number and drops unreadable ones', async () => {
    const { handler, queue, catalog } = handlerFixture();
    const good = kinesisRecord(inboundMessageReceivedEvent(), { sequenceNumber: '1' });
    const junk = kinesisRecord('%%%', { sequenceNumber: '2' });
    const ok = (await handler(kinesisEvent([good, junk]), lambdaContext())) as {
      batchItemFailures: unknown[];
    };
    expect(ok.batchItemFailures).toEqual([]);
    expect(queue.jobs).toHaveLength(2);
    catalog.failWith = new TwilioUnavailableError('503');
    const failed = (await handler(
      kinesisEvent([kinesisRecord(inboundMessageReceivedEvent(), { sequenceNumber: '3' })]),
      lambdaContext(),
    )) as { batchItemFailures: unknown[] };
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: '3' }]);
  });
});
