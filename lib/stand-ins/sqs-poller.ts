import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { LOCAL_REGION } from '../config/local-constants.ts';
import { createLocalContext } from './lambda-context.ts';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<unknown>;

export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  handler: SqsHandler;
  functionName?: string;
  batchSize?: number;
  /**
   * Seconds a received job stays invisible: the delay before a failed job is tried again. An
   * invocation that runs longer gets its batch hidden until its deadline (one heartbeat).
   */
  visibilityTimeoutSeconds?: number;
  /** The handler's deadline (Lambda: the function timeout), independent of the retry delay. */
  invocationTimeoutSeconds?: number;
  waitTimeSeconds?: number;
  /** Batches in flight at once (Lambda's concurrency for this event source). */
  concurrency?: number;
  /** Called after the handler returned, before the successes are deleted; throw to simulate a crash. */
  beforeDelete?: (event: SQSEvent, response: SQSBatchResponse | undefined) => void | Promise<void>;
  onError?: (error: unknown) => void;
}

export interface SqsPoller {
  /** Batches handled and records deleted so far. */
  readonly stats: { batches: number; received: number; deleted: number; failedBatches: number };
  stop(): Promise<void>;
}

const REGION = LOCAL_REGION;

const queueArnFrom = (queueUrl: string): string => {
  const [, account = '000000000000', name = 'queue'] = new URL(queueUrl).pathname.split('/');
  return `arn:aws:sqs:${REGION}:${account}:${name}`;
};

const toRecord = (message: Message, eventSourceARN: string): SQSRecord => {
  const attributes = message.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion: REGION,
  };
};

/**
 * Does locally what Lambda's SQS event source mapping does: receive batches, invoke the handler,
 * delete every record except the reported `batchItemFailures`. A thrown handler (or an invalid
 * response) deletes nothing, so the whole batch comes back after the visibility timeout and the
 * queue's own redrive policy moves poison messages to the DLQ.
 */
/** SQS returns at most 10 messages per receive and takes at most 10 entries per batch call. */
const SQS_RECEIVE_MAX = 10;

const chunksOf = <T>(items: readonly T[]): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += SQS_RECEIVE_MAX) {
    chunks.push(items.slice(i, i + SQS_RECEIVE_MAX));
  }
  return chunks;
};

export const startSqsPoller = (options: SqsPollerOptions): SqsPoller => {
  const {
    client,
    queueUrl,
    handler,
    functionName = 'archiver',
    batchSize = 10,
    visibilityTimeoutSeconds = 30,
    invocationTimeoutSeconds = visibilityTimeoutSeconds,
    waitTimeSeconds = 1,
    concurrency = 1,
    beforeDelete,
    onError = (error) => console.error('poller:', error),
  } = options;
  const eventSourceARN = queueArnFrom(queueUrl);
  const stats = { batches: 0, received: 0, deleted: 0, failedBatches: 0 };
  const abort = new AbortController();

  // Lambda keeps a batch invisible for as long as the invocation may run. Here the receive hides it
  // only for the short retry delay, so a slow invocation extends it once to its deadline. Only
  // slow invocations pay for it: local-aws-sqs counts a visibility change as a receive.
  const setVisibility = (records: SQSRecord[], seconds: number) =>
    Promise.all(
      chunksOf(records).map((chunk) =>
        client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((r, i) => ({
              Id: String(i),
              ReceiptHandle: r.receiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        ),
      ),
    ).then(() => undefined, onError);
  const hideUntilDeadline = (event: SQSEvent) => {
    const heartbeat = { extended: false, timer: undefined as NodeJS.Timeout | undefined };
    if (invocationTimeoutSeconds <= visibilityTimeoutSeconds) return heartbeat;
    heartbeat.timer = setTimeout(
      () => {
        heartbeat.extended = true;
        void setVisibility(event.Records, invocationTimeoutSeconds + 1);
      },
      Math.max(0, visibilityTimeoutSeconds * 1000 - 500),
    );
    heartbeat.timer.unref();
    return heartbeat;
  };

  const handleBatch = async (messages: Message[]) => {
    const event: SQSEvent = { Records: messages.map((m) => toRecord(m, eventSourceARN)) };
    stats.batches += 1;
    stats.received += messages.length;
    let response: SQSBatchResponse | undefined;
    const heartbeat = hideUntilDeadline(event);
    try {
      response = (await handler(
        event,
        createLocalContext(functionName, invocationTimeoutSeconds * 1000),
      )) as SQSBatchResponse | undefined;
      await beforeDelete?.(event, response);
    } catch (error) {
      stats.failedBatches += 1;
      onError(error);
      // An extended batch would otherwise wait for the whole deadline before its retry.
      if (heartbeat.extended) await setVisibility(event.Records, visibilityTimeoutSeconds);
      return;
    } finally {
      clearTimeout(heartbeat.timer);
    }
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    const known = new Set(event.Records.map((r) => r.messageId));
    if ([...failed].some((id) => !known.has(id))) {
      // Lambda treats a response naming unknown records as a failure of the whole batch.
      stats.failedBatches += 1;
      return;
    }
    if (heartbeat.extended && failed.size > 0) {
      await setVisibility(
        event.Records.filter((r) => failed.has(r.messageId)),
        visibilityTimeoutSeconds,
      );
    }
    const done = event.Records.filter((r) => !failed.has(r.messageId));
    if (done.length === 0) return;
    for (const chunk of chunksOf(done)) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
    stats.deleted += done.length;
  };

  const receive = async (max: number, wait: number) =>
    (
      await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(max, SQS_RECEIVE_MAX),
          VisibilityTimeout: visibilityTimeoutSeconds,
          WaitTimeSeconds: wait,
          // local-aws-sqs honours only the deprecated name.
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: abort.signal },
      )
    ).Messages ?? [];

  /**
   * Up to `batchSize` messages: one long poll, then (like the event source mapping with a batch
   * larger than SQS's 10) more receives without waiting while they come back full.
   */
  const receiveBatch = async (): Promise<Message[]> => {
    const messages = await receive(batchSize, waitTimeSeconds);
    let last = messages.length;
    while (last === SQS_RECEIVE_MAX && messages.length < batchSize) {
      const more = await receive(batchSize - messages.length, 0);
      messages.push(...more);
      last = more.length;
    }
    return messages;
  };

  const loop = async () => {
    while (!abort.signal.aborted) {
      try {
        const Messages = await receiveBatch();
        // local-aws-sqs can return one message twice in a response when it became visible again
        // during the long poll; Lambda never does, so keep the newest receipt only.
        const unique = [...new Map(Messages.map((m) => [m.MessageId, m])).values()];
        if (unique.length > 0) await handleBatch(unique);
      } catch (error) {
        if (abort.signal.aborted) return;
        onError(error);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };

  const workers = Array.from({ length: concurrency }, () => loop());
  return {
    stats,
    stop: async () => {
      abort.abort();
      await Promise.allSettled(workers);
    },
  };
};
