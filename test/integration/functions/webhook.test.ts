import type { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readWebhookConfig } from '../../../lib/config.ts';
import { createWebhookDeps } from '../../../lib/deps.ts';
import { createWebhookHandler, type WebhookHandler } from '../../../lib/http/webhook-handler.ts';
import { type LocalSqsServer, startLocalSqsServer } from '../../../lib/local/sqs-server.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import {
  approximateMessageCount,
  createQueue,
  drainQueue,
  localSqsClient,
  TEST_AWS_ENV,
} from '../../helpers/sqs-queue.ts';
import {
  buildMmsFields,
  type FormFields,
  signedWebhookEvent,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TEST_MESSAGE_SID,
  testMediaSid,
} from '../../helpers/twilio-webhook.ts';

const PUBLIC_URL = 'https://hooks.example.com/twilio/incoming';
const EVENT_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod/twilio/incoming';

let server: LocalSqsServer;
let sqs: SQSClient;
let queueUrl: string;
let handler: WebhookHandler;
let output: ReturnType<typeof captureOutput>;

const env = () => ({
  ...TEST_AWS_ENV,
  AWS_ENDPOINT_URL_SQS: server.endpoint,
  TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
  PUBLIC_WEBHOOK_URL: PUBLIC_URL,
  MEDIA_QUEUE_URL: queueUrl,
});

beforeAll(async () => {
  server = await startLocalSqsServer();
  sqs = localSqsClient(server.endpoint);
  queueUrl = await createQueue(sqs, 'media-jobs');
  for (const [name, value] of Object.entries(env())) vi.stubEnv(name, value);
  // The real entry point: configuration and SQS client built at import, as on a cold start.
  ({ handler } = await import('../../../functions/webhook.ts'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  sqs.destroy();
  await server.close();
});

afterEach(async () => {
  output?.restore();
  await drainQueue(sqs, queueUrl);
});

const call = async (event: APIGatewayProxyEventV2, fn: WebhookHandler = handler) => {
  output = captureOutput();
  try {
    return await fn(event, lambdaContext());
  } finally {
    output.restore();
  }
};

const media = [
  { mediaSid: testMediaSid(1), contentType: 'image/jpeg' },
  { mediaSid: testMediaSid(2), contentType: 'image/png' },
  { mediaSid: testMediaSid(3), contentType: 'video/mp4' },
];
const signed = (
  fields: FormFields,
  extra: Partial<Parameters<typeof signedWebhookEvent>[0]> = {},
) =>
  signedWebhookEvent({
    url: EVENT_URL,
    signedUrl: PUBLIC_URL,
    authToken: TEST_AUTH_TOKEN,
    fields,
    ...extra,
  });

describe('webhook handler against local SQS', () => {
  it('enqueues exactly one job per media and answers empty TwiML', async () => {
    // Prepare
    const event = signed(buildMmsFields({ media }), { base64: true });

    // Act
    const response = await call(event);

    // Assess
    expect(response).toMatchObject({
      statusCode: 200,
      body: '<Response/>',
      headers: { 'Content-Type': 'text/xml' },
    });
    const messages = await drainQueue(sqs, queueUrl);
    const jobs = messages.map((message) => JSON.parse(message.Body ?? ''));
    jobs.sort((a, b) => a.index - b.index);
    expect(jobs).toEqual(
      media.map(({ mediaSid, contentType }, index) => ({
        version: 1,
        accountSid: TEST_ACCOUNT_SID,
        messageSid: TEST_MESSAGE_SID,
        mediaSid,
        contentType,
        receivedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        index,
        source: 'webhook',
        // The whole message, for its record; no Body (ARCHIVE_MESSAGE_BODY is off).
        message: {
          media: media.map((m) => ({ sid: m.mediaSid, contentType: m.contentType })),
          numSegments: 1,
          messagingServiceSid: expect.stringMatching(/^MG/),
        },
      })),
    );
    expect(messages[0]?.MessageAttributes?.MessageSid?.StringValue).toBe(TEST_MESSAGE_SID);
    expect(JSON.stringify(jobs)).not.toContain('+1415');
  });

  it('enqueues nothing for a message without media', async () => {
    // Prepare
    const event = signed(buildMmsFields({ media: [] }));

    // Act
    const response = await call(event);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(await approximateMessageCount(sqs, queueUrl)).toBe(0);
  });

  it.each<[string, number, () => APIGatewayProxyEventV2]>([
    ['a bad signature', 403, () => signed(buildMmsFields({ media }), { signature: 'AAAA' })],
    ['no signature', 403, () => signed(buildMmsFields({ media }), { signature: null })],
    [
      'a signature over the internal URL',
      403,
      () => signed(buildMmsFields({ media }), { signedUrl: EVENT_URL }),
    ],
    [
      'another account',
      403,
      () => signed(buildMmsFields({ accountSid: `AC${'b'.repeat(32)}`, media: [] })),
    ],
    ['malformed NumMedia', 400, () => signed({ ...buildMmsFields({ media }), NumMedia: 'three' })],
    [
      'a media URL of another message',
      400,
      () => {
        const fields = buildMmsFields({ media });
        fields.MediaUrl2 = String(fields.MediaUrl2).replace(
          TEST_MESSAGE_SID,
          `SM${'c'.repeat(32)}`,
        );
        return signed(fields);
      },
    ],
    [
      'a non-form body',
      400,
      () => signed(buildMmsFields({ media }), { headers: { 'content-type': 'application/json' } }),
    ],
    [
      'a body over 64 KiB',
      413,
      () => signed({ ...buildMmsFields({ media }), Padding: 'p'.repeat(65 * 1024) }),
    ],
    ['a GET', 405, () => signed(buildMmsFields({ media }), { method: 'GET' })],
  ])('refuses %s with %i and leaves the queue empty', async (_name, status, build) => {
    // Prepare
    const event = build();

    // Act
    const response = await call(event);

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.body ?? '').not.toContain('\n');
    expect(await approximateMessageCount(sqs, queueUrl)).toBe(0);
  });

  it('answers 500 when SQS is unreachable, so Twilio retries', async () => {
    // Prepare: a queue endpoint that was just closed
    const gone = await startLocalSqsServer();
    await gone.close();
    const config = readWebhookConfig({ ...env(), MEDIA_QUEUE_URL: queueUrl });
    const client = localSqsClient(gone.endpoint);
    const unreachable = createWebhookHandler(createWebhookDeps(config, { sqs: client }));

    // Act
    const response = await call(signed(buildMmsFields({ media })), unreachable);

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body ?? '').toBe('');
    client.destroy();
  });
});
