import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from '../../domain/errors.ts';
import type { RetryScheduler } from '../../ports/pipeline.ts';

export interface SqsRetrySchedulerOptions {
  client: SQSClient;
  queueUrl: string;
}

/** SQS accepts at most 10 entries per batch call. */
const BATCH = 10;

/** Lengthens the visibility timeout of failed messages, so later attempts wait longer. */
export const createSqsRetryScheduler = ({
  client,
  queueUrl,
}: SqsRetrySchedulerOptions): RetryScheduler => ({
  postpone: async (entries) => {
    const failed: string[] = [];
    for (let start = 0; start < entries.length; start += BATCH) {
      const chunk = entries.slice(start, start + BATCH);
      try {
        const answer = await client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((entry, index) => ({
              Id: String(start + index),
              ReceiptHandle: entry.receiptHandle,
              VisibilityTimeout: entry.visibilityTimeoutSeconds,
            })),
          }),
        );
        for (const entry of answer.Failed ?? []) failed.push(entry.Code ?? 'unknown');
      } catch (error) {
        failed.push((error as Error).name ?? 'Error');
      }
    }
    if (failed.length > 0) {
      throw new QueueUnavailableError(`visibility change failed: ${failed.join(', ')}`);
    }
  },
});
