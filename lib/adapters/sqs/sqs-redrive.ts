import { setTimeout as delay } from 'node:timers/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { isAccountSid } from '../../domain/sids.ts';
import { SQS_BATCH_LIMIT } from '../../ports/pipeline.ts';

export interface SqsRedriveOptions {
  client: SQSClient;
  deadLetterQueueUrl: string;
  mediaQueueUrl: string;
  sleep?: (ms: number) => Promise<void>;
}

/** A dead-lettered job as `redrive --dry-run` lists it. */
export interface DeadLetteredJob {
  messageId: string;
  accountSid?: string;
  messageSid?: string;
  mediaSid?: string;
  /** Set by the archiver's dead-letter adapter; absent when SQS's redrive policy moved it. */
  failureReason?: string;
  errorName?: string;
  failedAt?: string;
  receiveCount?: number;
}

export interface MoveTaskStatus {
  status: string;
  moved: number;
  toMove?: number;
  failureReason?: string;
}

/** The attributes the dead-letter adapter adds: a redriven job starts afresh without them. */
const FAILURE_ATTRIBUTES = new Set(['FailureReason', 'ErrorName', 'FailedAt']);
const RECEIVE = {
  MaxNumberOfMessages: SQS_BATCH_LIMIT,
  // Long polling asks every SQS server, so an empty answer means an empty queue.
  WaitTimeSeconds: 1,
  // local-aws-sqs honours only the deprecated name.
  AttributeNames: ['All' as const],
  MessageAttributeNames: ['All'],
};

const text = (message: Message, name: string) => message.MessageAttributes?.[name]?.StringValue;

export const describeDeadLettered = (message: Message): DeadLetteredJob => {
  const job: DeadLetteredJob = { messageId: message.MessageId ?? '' };
  try {
    const body = JSON.parse(message.Body ?? '') as {
      accountSid?: unknown;
      messageSid?: unknown;
      mediaSid?: unknown;
    };
    if (typeof body.accountSid === 'string') job.accountSid = body.accountSid;
    if (typeof body.messageSid === 'string') job.messageSid = body.messageSid;
    if (typeof body.mediaSid === 'string') job.mediaSid = body.mediaSid;
  } catch {
    // Not a job: listed with its message ID only.
  }
  const reason = text(message, 'FailureReason');
  const errorName = text(message, 'ErrorName');
  const failedAt = text(message, 'FailedAt');
  if (reason) job.failureReason = reason;
  if (errorName) job.errorName = errorName;
  if (failedAt) job.failedAt = failedAt;
  const count = Number(message.Attributes?.ApproximateReceiveCount);
  if (Number.isInteger(count)) job.receiveCount = count;
  return job;
};

const isUnsupported = (error: unknown) => {
  const name = (error as { name?: string; Code?: string })?.name ?? '';
  return /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented/i.test(name);
};

/** The tenant of a redriven job, for its fair-queue group (as the webhook set it). */
const accountOfBody = (body: string | undefined): string | undefined => {
  try {
    const sid = (JSON.parse(body ?? '') as { accountSid?: unknown }).accountSid;
    return isAccountSid(sid) ? sid : undefined;
  } catch {
    return undefined;
  }
};

/** Moves dead-lettered jobs back to the media queue: SQS's move task, or receive/send/delete. */
export const createSqsRedrive = ({
  client,
  deadLetterQueueUrl,
  mediaQueueUrl,
  sleep = (ms) => delay(ms),
}: SqsRedriveOptions) => {
  const arnOf = async (queueUrl: string) => {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const arn = Attributes?.QueueArn;
    if (!arn) throw new Error(`no ARN for ${queueUrl}`);
    return arn;
  };

  /** Never receives more than `limit`: a received message stays hidden from a move task. */
  const receive = async (visibilityTimeout: number, limit = SQS_BATCH_LIMIT) => {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        VisibilityTimeout: visibilityTimeout,
        ...RECEIVE,
        MaxNumberOfMessages: Math.max(1, Math.min(SQS_BATCH_LIMIT, limit)),
      }),
    );
    return [...new Map(Messages.map((m) => [m.MessageId, m])).values()];
  };

  /** Best effort: a job left hidden reappears by itself after its visibility timeout. */
  const visibleAgain = async (handles: readonly string[]) => {
    for (let start = 0; start < handles.length; start += SQS_BATCH_LIMIT) {
      await client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: deadLetterQueueUrl,
            Entries: handles.slice(start, start + SQS_BATCH_LIMIT).map((handle, n) => ({
              Id: String(n),
              ReceiptHandle: handle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined);
    }
  };

  return {
    async approximateCount(): Promise<number> {
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: deadLetterQueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    },

    /**
     * Lists up to `max` jobs without moving them: received with a short visibility timeout, then
     * made visible again at once.
     */
    async peek(max: number): Promise<DeadLetteredJob[]> {
      const seen = new Map<string, Message>();
      const handles: string[] = [];
      try {
        while (seen.size < max) {
          const messages = (await receive(60, max - seen.size)).filter(
            (m) => !seen.has(m.MessageId ?? ''),
          );
          if (messages.length === 0) break;
          for (const message of messages) {
            handles.push(message.ReceiptHandle ?? '');
            if (seen.size < max) seen.set(message.MessageId ?? '', message);
          }
        }
      } finally {
        await visibleAgain(handles);
      }
      return [...seen.values()].map(describeDeadLettered);
    },

    /** SQS's own redrive; `undefined` when the endpoint lacks StartMessageMoveTask. */
    async startMoveTask(): Promise<string | undefined> {
      const [source, destination] = await Promise.all([
        arnOf(deadLetterQueueUrl),
        arnOf(mediaQueueUrl),
      ]);
      try {
        const { TaskHandle } = await client.send(
          new StartMessageMoveTaskCommand({ SourceArn: source, DestinationArn: destination }),
        );
        return TaskHandle ?? '';
      } catch (error) {
        if (isUnsupported(error)) return undefined;
        throw error;
      }
    },

    async moveTaskStatus(): Promise<MoveTaskStatus | undefined> {
      const { Results = [] } = await client.send(
        new ListMessageMoveTasksCommand({
          SourceArn: await arnOf(deadLetterQueueUrl),
          MaxResults: 1,
        }),
      );
      const task = Results[0];
      if (!task) return undefined;
      const status: MoveTaskStatus = {
        status: task.Status ?? 'UNKNOWN',
        moved: task.ApproximateNumberOfMessagesMoved ?? 0,
      };
      if (task.ApproximateNumberOfMessagesToMove !== undefined) {
        status.toMove = task.ApproximateNumberOfMessagesToMove;
      }
      if (task.FailureReason) status.failureReason = task.FailureReason;
      return status;
    },

    /** Polls the move task until it leaves RUNNING. */
    async waitForMoveTask(
      onProgress?: (status: MoveTaskStatus) => void,
      intervalMs = 1_000,
    ): Promise<MoveTaskStatus | undefined> {
      for (;;) {
        const status = await this.moveTaskStatus();
        if (status) onProgress?.(status);
        if (status?.status !== 'RUNNING') return status;
        await sleep(intervalMs);
      }
    },

    /**
     * Receive → send to the media queue → delete, 10 at a time, up to `max`. A message is deleted
     * only once the media queue accepted its copy, so a crash duplicates, never loses, a job.
     */
    async moveByCopy(
      max: number,
      onProgress?: (moved: number) => void,
      /** `--account`: only this account's jobs move; the others are made visible again. */
      onlyAccount?: string,
    ): Promise<number> {
      let moved = 0;
      const skipped: string[] = [];
      try {
        while (moved < max) {
          const received = await receive(120, max - moved);
          if (received.length === 0) break;
          const messages = onlyAccount
            ? received.filter((message) => accountOfBody(message.Body) === onlyAccount)
            : received;
          for (const message of received) {
            if (!messages.includes(message)) skipped.push(message.ReceiptHandle ?? '');
          }
          if (messages.length === 0) continue;
          const output = await client.send(
            new SendMessageBatchCommand({
              QueueUrl: mediaQueueUrl,
              Entries: messages.map((message, n) => {
                const attributes: Record<string, MessageAttributeValue> = {};
                for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
                  if (!FAILURE_ATTRIBUTES.has(name)) attributes[name] = value;
                }
                const group = accountOfBody(message.Body);
                return {
                  Id: String(n),
                  MessageBody: message.Body ?? '',
                  ...(group ? { MessageGroupId: group } : {}),
                  ...(Object.keys(attributes).length ? { MessageAttributes: attributes } : {}),
                };
              }),
            }),
          );
          const sent = (output.Successful ?? []).map((entry) => messages[Number(entry.Id)]);
          if (sent.length > 0) {
            await client.send(
              new DeleteMessageBatchCommand({
                QueueUrl: deadLetterQueueUrl,
                Entries: sent.map((message, n) => ({
                  Id: String(n),
                  ReceiptHandle: message?.ReceiptHandle ?? '',
                })),
              }),
            );
          }
          moved += sent.length;
          onProgress?.(moved);
          if (sent.length < messages.length) {
            throw new Error(`the media queue refused ${messages.length - sent.length} jobs`);
          }
        }
      } finally {
        await visibleAgain(skipped);
      }
      return moved;
    },
  };
};

export type SqsRedrive = ReturnType<typeof createSqsRedrive>;
