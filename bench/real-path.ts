import { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { createSqsClient } from '../lib/compose/clients.ts';
import { createArchiverDeps, createWebhookDeps } from '../lib/compose/lambda.ts';
import { readArchiverConfig, readWebhookConfig } from '../lib/config/lambda.ts';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from '../lib/config/local-constants.ts';
import { computeTwilioSignature } from '../lib/domain/twilio-signature.ts';
import { createArchiverHandler } from '../lib/handlers/archiver-handler.ts';
import { createWebhookHandler } from '../lib/handlers/webhook-handler.ts';
import { SERVICE_NAME } from '../lib/observability.ts';
import { createLocalContext } from '../lib/stand-ins/lambda-context.ts';
import type { S3RequestLogEntry } from '../lib/stand-ins/s3-server.ts';
import { startLocalSqsServer } from '../lib/stand-ins/sqs-server.ts';
import { incomingMessageFields } from '../lib/stand-ins/webhook-client.ts';
import { apiGatewayV2Event } from '../test/helpers/api-gateway-event.ts';
import { BenchFailureError, redeliveryOf } from './archiver.ts';
import { createCountingS3Client } from './s3-client.ts';
import { type BenchStack, BUCKET } from './stack.ts';

const PUBLIC_URL = 'https://bench.example.com/webhook';

/** S3 requests the local S3 served, by what they were; the class is S3's billing class. */
export interface S3Kinds {
  'PUT media': number;
  'PUT index marker': number;
  'PUT message record': number;
  LIST: number;
  HEAD: number;
  GET: number;
  other: number;
}

export interface PathCounts {
  scenario: string;
  media: number;
  messages: number;
  /** Archiver invocations (Lambda requests): one per SQS batch. */
  invocations: number;
  s3: S3Kinds;
  /** PUT, COPY, POST, LIST: S3's "tier 1" requests. */
  writeClass: number;
  /** GET, HEAD (and every other request): "tier 2". */
  readClass: number;
  /** SQS API calls by action: the webhook's sends, the event source mapping's receives and deletes. */
  sqs: Record<string, number>;
  /** Bytes of log lines the archiver wrote at the deployed level (INFO). */
  logBytes: number;
}

/** A server-side count: what S3 would bill, SDK retries included. */
const kindOf = (entry: S3RequestLogEntry): keyof S3Kinds => {
  const key = decodeURIComponent(entry.path.replace(`/${BUCKET}`, '').replace(/^\//, ''));
  if (entry.method === 'GET' && key === '') return 'LIST';
  if (entry.method === 'HEAD') return 'HEAD';
  if (entry.method === 'GET') return 'GET';
  if (entry.method === 'PUT' && key.includes('_index/')) return 'PUT index marker';
  // `_records/…/{MessageSid}.json` since the record is the index; `…/message.json` before.
  if (entry.method === 'PUT' && (key.includes('_records/') || key.endsWith('/message.json')))
    return 'PUT message record';
  if (entry.method === 'PUT') return 'PUT media';
  return 'other';
};

const countKinds = (entries: readonly S3RequestLogEntry[]): S3Kinds => {
  const kinds: S3Kinds = {
    'PUT media': 0,
    'PUT index marker': 0,
    'PUT message record': 0,
    LIST: 0,
    HEAD: 0,
    GET: 0,
    other: 0,
  };
  for (const entry of entries) kinds[kindOf(entry)] += 1;
  return kinds;
};

const countingSqs = (endpoint: string) => {
  const client = createSqsClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'finalizeRequest', name: 'benchSqsCounter' },
  );
  return {
    client,
    counts,
    reset: () => {
      for (const key of Object.keys(counts)) delete counts[key];
    },
  };
};

const asRecord = (message: Message): SQSRecord => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: 'bench',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench-media-jobs',
  awsRegion: LOCAL_REGION,
});

/**
 * Bytes written to stdout while `work` runs (the Powertools Logger writes there), swallowed: the
 * lines are CloudWatch Logs' ingestion, not the bench's table.
 */
const countStdout = async (work: () => Promise<void>): Promise<number> => {
  let bytes = 0;
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    return true;
  }) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = original;
  }
  return bytes;
};

export interface RealPathScenario {
  name: string;
  mediaPerMessage: number;
  messages: number;
  size: number;
}

/**
 * Section 5b: S3, SQS and log volume per media on the deployed path — a signed webhook through
 * the real webhook handler onto local-aws-sqs, batches of 10 received as the event source mapping
 * does, the real archiver handler (message records on) — then the same batches redelivered.
 */
export const measureRealPath = async (
  stack: BenchStack,
  scenarios: readonly RealPathScenario[],
): Promise<PathCounts[]> => {
  const { emulator, s3Server } = stack;
  const sqsServer = await startLocalSqsServer();
  const sqs = countingSqs(sqsServer.endpoint);
  const s3 = createCountingS3Client(s3Server.endpoint);
  const results: PathCounts[] = [];
  try {
    const { QueueUrl } = await sqs.client.send(
      new CreateQueueCommand({
        QueueName: 'bench-media-jobs',
        Attributes: { VisibilityTimeout: '600' },
      }),
    );
    const queueUrl = QueueUrl ?? '';
    const webhook = createWebhookHandler(
      createWebhookDeps(
        readWebhookConfig({
          TWILIO_ACCOUNT_SID: emulator.accountSid,
          TWILIO_AUTH_TOKEN: emulator.authToken,
          TWILIO_API_BASE_URL: emulator.apiBaseUrl,
          MEDIA_QUEUE_URL: queueUrl,
          PUBLIC_WEBHOOK_URL: PUBLIC_URL,
        }),
        { sqs: sqs.client },
      ),
    );
    // The deployed level (serverless.yml: INFO), in a Logger of its own: the bench's is quieter.
    const deps = {
      ...createArchiverDeps(readArchiverConfig(stack.archiverEnv), { s3: s3.client }),
      logger: new Logger({ serviceName: SERVICE_NAME, logLevel: 'INFO' }),
    };
    const handler = createArchiverHandler(deps);
    const invoke = async (batch: SQSRecord[]) => {
      const answer = (await handler(
        { Records: batch },
        createLocalContext('bench-archiver', 900_000),
      )) as SQSBatchResponse;
      const failed = answer?.batchItemFailures?.length ?? 0;
      if (failed > 0) throw new BenchFailureError(`${failed} record(s) of a batch failed`);
    };
    const measure = async (
      scenario: string,
      media: number,
      messages: number,
      work: () => Promise<number>,
    ) => {
      const before = (await s3Server.requestLog()).length;
      sqs.reset();
      let invocations = 0;
      const logBytes = await countStdout(async () => {
        invocations = await work();
      });
      const s3Kinds = countKinds((await s3Server.requestLog()).slice(before));
      const writeClass =
        s3Kinds['PUT media'] +
        s3Kinds['PUT index marker'] +
        s3Kinds['PUT message record'] +
        s3Kinds.LIST;
      results.push({
        scenario,
        media,
        messages,
        invocations,
        s3: s3Kinds,
        writeClass,
        readClass: s3Kinds.HEAD + s3Kinds.GET + s3Kinds.other,
        sqs: { ...sqs.counts },
        logBytes,
      });
    };
    for (const scenario of scenarios) {
      const seeded = Array.from({ length: scenario.messages }, () =>
        emulator.addMessage({
          direction: 'inbound',
          body: 'bench',
          media: Array.from({ length: scenario.mediaPerMessage }, () => ({
            contentType: 'image/jpeg',
            body: Buffer.alloc(scenario.size, 7),
          })),
        }),
      );
      const media = scenario.messages * scenario.mediaPerMessage;
      const delivered: SQSRecord[][] = [];
      await measure(scenario.name, media, scenario.messages, async () => {
        for (const message of seeded) {
          const fields = incomingMessageFields({
            accountSid: emulator.accountSid,
            message,
            body: 'bench',
          });
          const answer = await webhook(
            apiGatewayV2Event({
              url: PUBLIC_URL,
              body: new URLSearchParams(fields).toString(),
              headers: {
                'content-type': 'application/x-www-form-urlencoded; charset=UTF-8',
                'x-twilio-signature': computeTwilioSignature(
                  emulator.authToken,
                  PUBLIC_URL,
                  fields,
                ),
              },
            }),
            createLocalContext('bench-webhook'),
          );
          if (answer.statusCode !== 200) {
            throw new BenchFailureError(`webhook answered ${answer.statusCode}`);
          }
        }
        return drain(sqs.client, queueUrl, async (batch) => {
          delivered.push(batch);
          await invoke(batch);
        });
      });
      await measure(`${scenario.name}, replayed`, media, scenario.messages, async () => {
        for (const batch of redeliveryOf(delivered)) await invoke(batch);
        return delivered.length;
      });
    }
    return results;
  } finally {
    sqs.client.destroy();
    s3.client.destroy();
    await sqsServer.close();
  }
};

/** The event source mapping: batches of up to 10, each deleted once its invocation succeeded. */
const drain = async (
  sqs: SQSClient,
  queueUrl: string,
  onBatch: (batch: SQSRecord[]) => Promise<void>,
): Promise<number> => {
  let batches = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      }),
    );
    if (Messages.length === 0) return batches;
    batches += 1;
    await onBatch(Messages.map(asRecord));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle ?? '',
        })),
      }),
    );
  }
};

/** Requests per media, two decimals. */
export const perMedia = (count: number, media: number): string => (count / media).toFixed(2);
