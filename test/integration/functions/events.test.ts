import type { SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventsHandler } from '../../../lib/handlers/events-handler.ts';
import { type LocalSqsServer, startLocalSqsServer } from '../../../lib/stand-ins/sqs-server.ts';
import {
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { createStream, putRecord, readShardAsLambdaRecords } from '../../helpers/moto-kinesis.ts';
import { createQueue, drainQueue, localSqsClient, TEST_AWS_ENV } from '../../helpers/sqs-queue.ts';
import {
  eventSinkRequest,
  inboundMessageReceivedEvent,
  kinesisEvent,
  outboundFinalEvent,
  outboundMessageStatusEvent,
  TEST_SINK_PASSWORD,
  TEST_SINK_USERNAME,
} from '../../helpers/twilio-cloud-events.ts';

/**
 * The deployed entry point (functions/events.ts, configured from its environment at import) with
 * the Twilio emulator as Twilio, local SQS as the media queue, and moto's Kinesis as the stream
 * Twilio's Kinesis sink writes to: records are put on the stream, read back with a shard iterator
 * and handed to the handler as Lambda's poller would.
 */

let sqsServer: LocalSqsServer;
let sqs: SQSClient;
let queueUrl: string;
let moto: MotoServer;
let emulator: TwilioEmulator;
let handler: EventsHandler;
let stream = 0;

beforeAll(async () => {
  [sqsServer, moto, emulator] = await Promise.all([
    startLocalSqsServer(),
    startMoto(),
    startTwilioEmulator(),
  ]);
  sqs = localSqsClient(sqsServer.endpoint);
  queueUrl = await createQueue(sqs, 'media-jobs');
  const env = {
    ...TEST_AWS_ENV,
    AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_API_BASE_URL: emulator.apiBaseUrl,
    TWILIO_MEDIA_ORIGINS: emulator.cdnBaseUrl,
    ARCHIVE_BUCKET: 'archive',
    MEDIA_QUEUE_URL: queueUrl,
    EVENT_SINK_USERNAME: TEST_SINK_USERNAME,
    EVENT_SINK_PASSWORD: TEST_SINK_PASSWORD,
  };
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  ({ handler } = await import('../../../functions/events.ts'));
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  sqs.destroy();
  await Promise.all([sqsServer.close(), moto.stop(), emulator.close()]);
});

afterEach(async () => {
  emulator.setFaults({ serverErrorRate: 0 });
  await drainQueue(sqs, queueUrl);
});

const quietly = async <T>(run: () => Promise<T>): Promise<T> => {
  const output = captureOutput();
  try {
    return await run();
  } finally {
    output.restore();
  }
};

const queuedJobs = async () =>
  (await drainQueue(sqs, queueUrl)).map((message) => JSON.parse(message.Body ?? '{}'));

const seedInbound = (count: number) =>
  emulator.addMessage({
    direction: 'inbound',
    media: Array.from({ length: count }, (_, i) => ({
      contentType: 'image/jpeg',
      body: makeMediaBody(1000 + i, i + 1),
    })),
  });

const newStream = async () => {
  stream += 1;
  const name = `twilio-events-${stream}`;
  return { name, arn: await createStream(moto.endpoint, name) };
};

describe('events function: Kinesis sink', () => {
  it('turns inbound and outbound events on the stream into one job per media', async () => {
    // Prepare
    const inbound = seedInbound(2);
    const outbound = emulator.addMessage({
      direction: 'outbound-api',
      status: 'delivered',
      media: [{ contentType: 'image/png', body: makeMediaBody(700, 9) }],
    });
    const { name, arn } = await newStream();
    const inboundEvent = inboundMessageReceivedEvent({
      accountSid: emulator.accountSid,
      messageSid: inbound.sid,
      numMedia: 2,
    });
    await putRecord(moto.endpoint, name, inboundEvent);
    await putRecord(moto.endpoint, name, 'this is not an event');
    await putRecord(moto.endpoint, name, [
      outboundMessageStatusEvent('sent', {
        accountSid: emulator.accountSid,
        messageSid: outbound.sid,
      }),
      outboundFinalEvent('com.twilio.messaging.message.delivered', {
        accountSid: emulator.accountSid,
        messageSid: outbound.sid,
      }),
    ]);
    await putRecord(moto.endpoint, name, inboundEvent); // Twilio's at-least-once duplicate

    // Act
    const records = await readShardAsLambdaRecords(moto.endpoint, name, arn);
    const result = (await quietly(() =>
      handler(kinesisEvent(records), lambdaContext()),
    )) as KinesisStreamBatchResponse;

    // Assess
    expect(records).toHaveLength(4);
    expect(result.batchItemFailures).toEqual([]);
    const jobs = await queuedJobs();
    const key = (job: { messageSid: string; mediaSid: string }) =>
      `${job.messageSid}/${job.mediaSid}`;
    expect(jobs.map(key).sort()).toEqual(
      [...inbound.media, ...inbound.media, ...outbound.media]
        .map((m) => `${m.messageSid}/${m.sid}`)
        .sort(),
    );
    const outboundJob = jobs.find((job) => job.messageSid === outbound.sid);
    expect(outboundJob).toMatchObject({ source: 'events', message: { direction: 'outbound-api' } });
    // Duplicates carry identical jobs: the archiver's create-only key makes the second a no-op.
    const inboundJobs = jobs.filter((job) => job.messageSid === inbound.sid);
    const byMedia = Object.groupBy(inboundJobs, (job: { mediaSid: string }) => job.mediaSid);
    for (const pair of Object.values(byMedia)) expect(pair?.[0]).toEqual(pair?.[1]);
  }, 60_000);

  it('reports the first record it could not process by its sequence number', async () => {
    // Prepare: Twilio answers 5xx to everything.
    const inbound = seedInbound(1);
    const { name, arn } = await newStream();
    await putRecord(moto.endpoint, name, inboundMessageReceivedEvent({ numMedia: 0 }));
    const failing = await putRecord(
      moto.endpoint,
      name,
      inboundMessageReceivedEvent({ accountSid: emulator.accountSid, messageSid: inbound.sid }),
    );
    emulator.setFaults({ serverErrorRate: 1 });

    // Act
    const records = await readShardAsLambdaRecords(moto.endpoint, name, arn);
    const result = (await quietly(() =>
      handler(kinesisEvent(records), lambdaContext()),
    )) as KinesisStreamBatchResponse;

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: failing }]);
    expect(await queuedJobs()).toEqual([]);
  }, 60_000);
});

describe('events function: webhook sink', () => {
  it('enqueues the media of a signed batch and answers 200', async () => {
    // Prepare
    const inbound = seedInbound(3);
    const request = eventSinkRequest({
      authToken: emulator.authToken,
      events: [
        inboundMessageReceivedEvent({
          accountSid: emulator.accountSid,
          messageSid: inbound.sid,
          numMedia: 3,
        }),
      ],
    });

    // Act
    const result = (await quietly(() => handler(request, lambdaContext()))) as {
      statusCode: number;
    };

    // Assess
    expect(result.statusCode).toBe(200);
    expect((await queuedJobs()).map((job) => job.mediaSid).sort()).toEqual(
      inbound.media.map((m) => m.sid).sort(),
    );
  });

  it('skips an account it does not serve without asking Twilio', async () => {
    // Prepare
    emulator.clearRequests();
    const request = eventSinkRequest({
      authToken: emulator.authToken,
      events: [inboundMessageReceivedEvent({ accountSid: emulator.accountSid, numMedia: 0 })],
    });
    const foreign = eventSinkRequest({
      authToken: emulator.authToken,
      signature: null,
      events: [inboundMessageReceivedEvent({ accountSid: `AC${'9'.repeat(32)}` })],
    });

    // Act
    const ok = (await quietly(() => handler(request, lambdaContext()))) as { statusCode: number };
    const refused = (await quietly(() => handler(foreign, lambdaContext()))) as {
      statusCode: number;
    };

    // Assess
    expect([ok.statusCode, refused.statusCode]).toEqual([200, 403]);
    expect(emulator.requests).toEqual([]);
  });
});
