import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from '../domain/errors.ts';
import { type MediaJob, serializeMediaJob } from '../domain/media-job.ts';
import type { JobQueue } from '../ports.ts';

export interface SqsJobQueueOptions {
  client: SQSClient;
  queueUrl: string;
}

/** SQS accepts at most 10 entries per SendMessageBatch. */
const BATCH_LIMIT = 10;

const entryFor = (job: MediaJob, id: number): SendMessageBatchRequestEntry => ({
  Id: String(id),
  MessageBody: serializeMediaJob(job),
  // Fair queues (standard queues, since 2025-07): one group per tenant, so a subaccount sending
  // thousands of media does not hold back another's. Ordering and dedup stay standard.
  MessageGroupId: job.accountSid,
  // Lets operators filter and trace jobs in the console without parsing bodies.
  MessageAttributes: {
    MessageSid: { DataType: 'String', StringValue: job.messageSid },
    MediaSid: { DataType: 'String', StringValue: job.mediaSid },
  },
});

/**
 * JobQueue on SQS. A message's jobs (≤ 10) go in one SendMessageBatch; any entry SQS reports as
 * failed fails the whole call, so the webhook answers 500 and Twilio retries. Re-sent entries that
 * had succeeded are duplicates the archiver absorbs (the Media SID is its idempotency key).
 */
export const createSqsJobQueue = ({ client, queueUrl }: SqsJobQueueOptions): JobQueue => ({
  async enqueue(jobs) {
    for (let start = 0; start < jobs.length; start += BATCH_LIMIT) {
      const entries = jobs
        .slice(start, start + BATCH_LIMIT)
        .map((job, offset) => entryFor(job, start + offset));
      let failed: number;
      try {
        const output = await client.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
        );
        failed = output.Failed?.length ?? 0;
      } catch (error) {
        throw new QueueUnavailableError('SQS SendMessageBatch failed', { cause: error });
      }
      if (failed > 0) {
        throw new QueueUnavailableError(`SQS refused ${failed} of ${entries.length} jobs`);
      }
    }
  },
});
