import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from '../../domain/errors.ts';
import type { DeadLetter } from '../../ports/pipeline.ts';

export interface SqsDeadLetterOptions {
  client: SQSClient;
  queueUrl: string;
  now?: () => Date;
}

/** SQS caps a message attribute with the whole message at 256 KiB; a reason needs far less. */
const MAX_REASON = 1_000;

/** Sends the original job body to the dead-letter queue, with why it failed as attributes. */
export const createSqsDeadLetter = ({
  client,
  queueUrl,
  now = () => new Date(),
}: SqsDeadLetterOptions): DeadLetter => ({
  send: async (body, reason, errorName) => {
    try {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: body,
          MessageAttributes: {
            FailureReason: { DataType: 'String', StringValue: reason.slice(0, MAX_REASON) || '-' },
            ErrorName: { DataType: 'String', StringValue: errorName || 'Error' },
            FailedAt: { DataType: 'String', StringValue: now().toISOString() },
          },
        }),
      );
    } catch (error) {
      throw new QueueUnavailableError(
        `dead-letter send failed: ${(error as Error).name ?? 'Error'}`,
        {
          cause: error,
        },
      );
    }
  },
});
