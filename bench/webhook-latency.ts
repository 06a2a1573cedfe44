import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createSqsClient } from '../lib/compose/clients.ts';
import { createWebhookDeps } from '../lib/compose/lambda.ts';
import { readWebhookConfig } from '../lib/config/lambda.ts';
import { computeTwilioSignature } from '../lib/domain/twilio-signature.ts';
import { createWebhookHandler, type WebhookHandler } from '../lib/handlers/webhook-handler.ts';
import { createLocalContext } from '../lib/stand-ins/lambda-context.ts';
import { startLocalSqsServer } from '../lib/stand-ins/sqs-server.ts';
import { apiGatewayV2Event } from '../test/helpers/api-gateway-event.ts';
import { BenchFailureError } from './archiver.ts';

const PUBLIC_URL = 'https://bench.example.com/webhook';
const ACCOUNT_SID = `AC${'b0'.repeat(16)}`;
const AUTH_TOKEN = 'bench0auth0token0bench0auth0tok';
const MEDIA_PER_WEBHOOK = 10;

const sid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

/** A signed 10-media MMS webhook as API Gateway v2 delivers it (fresh SIDs each time). */
const webhookEvent = (): APIGatewayProxyEventV2 => {
  const messageSid = sid('MM');
  const fields: Record<string, string> = {
    AccountSid: ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    Body: 'bench',
    From: '+14155550199',
    To: '+14155550100',
    MessageSid: messageSid,
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    SmsStatus: 'received',
    NumMedia: String(MEDIA_PER_WEBHOOK),
    NumSegments: '1',
  };
  for (let n = 0; n < MEDIA_PER_WEBHOOK; n += 1) {
    fields[`MediaContentType${n}`] = 'image/jpeg';
    fields[`MediaUrl${n}`] =
      `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${messageSid}/Media/${sid('ME')}`;
  }
  return apiGatewayV2Event({
    url: PUBLIC_URL,
    body: new URLSearchParams(fields).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
      'x-twilio-signature': computeTwilioSignature(AUTH_TOKEN, PUBLIC_URL, fields),
    },
  });
};

export interface LatencyStats {
  requests: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;

/** Calls the handler `requests` times in sequence (a warm Lambda serves one request at a time). */
const timeHandler = async (
  handler: WebhookHandler,
  requests: number,
  warmup: number,
): Promise<LatencyStats> => {
  // Events are built up front: signing them is Twilio's work, not the handler's. The urlencode
  // parser replaces event.body, so each event is used once.
  const events = Array.from({ length: warmup + requests }, webhookEvent);
  const times: number[] = [];
  for (const [i, event] of events.entries()) {
    const context = createLocalContext('bench-webhook');
    const start = performance.now();
    const answer = await handler(event, context);
    const elapsed = performance.now() - start;
    if (answer.statusCode !== 200) {
      throw new BenchFailureError(`webhook answered ${answer.statusCode}: ${String(answer.body)}`);
    }
    if (i >= warmup) times.push(elapsed);
  }
  const sorted = times.sort((a, b) => a - b);
  return {
    requests,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sorted.reduce((sum, t) => sum + t, 0) / sorted.length,
    max: sorted[sorted.length - 1] as number,
  };
};

/** Section 6: the real webhook handler against local-aws-sqs, and with a no-op queue. */
export const measureWebhook = async (options: {
  requests: number;
  warmup: number;
}): Promise<{ sqs: LatencyStats; noop: LatencyStats }> => {
  const server = await startLocalSqsServer();
  const sqs = createSqsClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-media-jobs' }));
    const config = readWebhookConfig({
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      MEDIA_QUEUE_URL: QueueUrl,
      PUBLIC_WEBHOOK_URL: PUBLIC_URL,
    });
    const real = createWebhookHandler(createWebhookDeps(config, { sqs }));
    const noop = createWebhookHandler({ config, queue: { enqueue: async () => {} } });
    return {
      sqs: await timeHandler(real, options.requests, options.warmup),
      noop: await timeHandler(noop, options.requests, options.warmup),
    };
  } finally {
    sqs.destroy();
    await server.close();
  }
};
