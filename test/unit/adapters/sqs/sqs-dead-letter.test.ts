import {
  ChangeMessageVisibilityBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSqsDeadLetter } from '../../../../lib/adapters/sqs/sqs-dead-letter.ts';
import { createSqsRetryScheduler } from '../../../../lib/adapters/sqs/sqs-retry-scheduler.ts';
import { QueueUnavailableError } from '../../../../lib/domain/errors.ts';

const sqs = mockClient(SQSClient);

beforeEach(() => {
  sqs.reset();
});

describe('createSqsDeadLetter', () => {
  it('sends the original body with reason, error name and time as attributes', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: '1' });
    const deadLetter = createSqsDeadLetter({
      client: new SQSClient({}),
      queueUrl: 'https://sqs.local/dlq',
      now: () => new Date('2025-03-04T05:06:07.000Z'),
    });

    // Act
    await deadLetter.send('{"job":1}', 'media exceeds 16777216 bytes', 'MediaTooLargeError');

    // Assess
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: 'https://sqs.local/dlq',
      MessageBody: '{"job":1}',
      MessageAttributes: {
        FailureReason: { DataType: 'String', StringValue: 'media exceeds 16777216 bytes' },
        ErrorName: { DataType: 'String', StringValue: 'MediaTooLargeError' },
        FailedAt: { DataType: 'String', StringValue: '2025-03-04T05:06:07.000Z' },
      },
    });
  });

  it('maps SQS errors to QueueUnavailableError', async () => {
    // Prepare
    sqs.on(SendMessageCommand).rejects(new Error('boom'));
    const deadLetter = createSqsDeadLetter({ client: new SQSClient({}), queueUrl: 'q' });

    // Act
    const result = deadLetter.send('b', 'r', 'E');

    // Assess
    await expect(result).rejects.toBeInstanceOf(QueueUnavailableError);
  });
});

describe('createSqsRetryScheduler', () => {
  it('changes visibility in batches of ten and reports partial failures', async () => {
    // Prepare
    sqs
      .on(ChangeMessageVisibilityBatchCommand)
      .resolvesOnce({ Successful: [] })
      .resolvesOnce({ Failed: [{ Id: '10', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] });
    const scheduler = createSqsRetryScheduler({ client: new SQSClient({}), queueUrl: 'q' });
    const entries = Array.from({ length: 11 }, (_, index) => ({
      receiptHandle: `r${index}`,
      visibilityTimeoutSeconds: 60,
    }));

    // Act
    const result = scheduler.postpone(entries);

    // Assess
    await expect(result).rejects.toBeInstanceOf(QueueUnavailableError);
    const calls = sqs.commandCalls(ChangeMessageVisibilityBatchCommand);
    expect(calls.map((call) => call.args[0].input.Entries?.length)).toEqual([10, 1]);
    expect(calls[1]?.args[0].input.Entries?.[0]).toEqual({
      Id: '10',
      ReceiptHandle: 'r10',
      VisibilityTimeout: 60,
    });
  });
});
