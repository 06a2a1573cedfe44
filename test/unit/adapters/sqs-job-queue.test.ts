import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqsJobQueue } from '../../../lib/adapters/sqs-job-queue.ts';
import { QueueUnavailableError } from '../../../lib/domain/errors.ts';
import type { MediaJob } from '../../../lib/domain/media-job.ts';
import { TEST_ACCOUNT_SID, TEST_MESSAGE_SID, testMediaSid } from '../../helpers/twilio-webhook.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/media';
const sqsMock = mockClient(SQSClient);
const job = (index: number): MediaJob => ({
  version: 1,
  accountSid: TEST_ACCOUNT_SID,
  messageSid: TEST_MESSAGE_SID,
  mediaSid: testMediaSid(index),
  contentType: 'image/jpeg',
  receivedAt: '2025-01-01T00:00:00.000Z',
  index,
  source: 'webhook',
});
const queue = () => createSqsJobQueue({ client: new SQSClient({}), queueUrl: QUEUE_URL });

afterEach(() => sqsMock.reset());

describe('createSqsJobQueue', () => {
  it('sends a message’s jobs in one batch with index ids and SID attributes', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await queue().enqueue([job(0), job(1), job(2)]);

    // Assess
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.QueueUrl).toBe(QUEUE_URL);
    expect(input?.Entries?.map((entry) => entry.Id)).toEqual(['0', '1', '2']);
    expect(input?.Entries?.map((entry) => JSON.parse(entry.MessageBody ?? ''))).toEqual([
      job(0),
      job(1),
      job(2),
    ]);
    expect(input?.Entries?.[1]?.MessageAttributes?.MediaSid?.StringValue).toBe(testMediaSid(1));
  });

  it('splits more than 10 jobs into batches of at most 10', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await queue().enqueue(Array.from({ length: 12 }, (_, n) => job(n % 10)));

    // Assess
    const sizes = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .map((call) => call.args[0].input.Entries?.length);
    expect(sizes).toEqual([10, 2]);
  });

  it('fails the whole call when SQS reports a failed entry', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });

    // Act
    const result = queue().enqueue([job(0), job(1)]);

    // Assess
    await expect(result).rejects.toBeInstanceOf(QueueUnavailableError);
    await expect(result).rejects.toThrow('SQS refused 1 of 2 jobs');
  });

  it('turns SDK errors into QueueUnavailableError', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).rejects(new Error('socket hang up'));

    // Act
    const result = queue().enqueue([job(0)]);

    // Assess
    await expect(result).rejects.toBeInstanceOf(QueueUnavailableError);
  });

  it('puts each job in its account’s fair-queue group', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const subaccount = `AC${'5'.repeat(32)}`;

    // Act
    await queue().enqueue([job(0), { ...job(1), accountSid: subaccount }]);

    // Assess
    const entries = sqsMock.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries;
    expect(entries?.map((entry) => entry.MessageGroupId)).toEqual([TEST_ACCOUNT_SID, subaccount]);
  });
});
