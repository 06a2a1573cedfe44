import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createSqsRedrive,
  describeDeadLettered,
} from '../../../../lib/adapters/sqs/sqs-redrive.ts';

const sqsMock = mockClient(SQSClient);
const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/media-jobs-dlq';
const MEDIA = 'https://sqs.us-east-1.amazonaws.com/123456789012/media-jobs';
const AC = `AC${'a'.repeat(32)}`;
const MM = `MM${'1'.repeat(32)}`;
const ME = (n: number) => `ME${String(n).repeat(32)}`;

const deadLetter = (n: number): Message => ({
  MessageId: `m-${n}`,
  ReceiptHandle: `r-${n}`,
  Body: JSON.stringify({ accountSid: AC, messageSid: MM, mediaSid: ME(n) }),
  MessageAttributes: {
    FailureReason: { DataType: 'String', StringValue: 'media-too-large' },
    ErrorName: { DataType: 'String', StringValue: 'MediaTooLargeError' },
    Source: { DataType: 'String', StringValue: 'webhook' },
  },
});

describe('sqs redrive', () => {
  beforeEach(() => sqsMock.reset());

  it("lists a dead letter's job and why it failed", () => {
    // Act
    const job = describeDeadLettered(deadLetter(3));

    // Assess
    expect(job).toMatchObject({
      messageId: 'm-3',
      accountSid: AC,
      messageSid: MM,
      mediaSid: ME(3),
      failureReason: 'media-too-large',
      errorName: 'MediaTooLargeError',
    });
    expect(describeDeadLettered({ MessageId: 'x', Body: 'not json' })).toEqual({ messageId: 'x' });
  });

  it('copies each job to the media queue without its failure attributes, then deletes it', async () => {
    // Prepare
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [deadLetter(1), deadLetter(2)] })
      .resolves({ Messages: [] });
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0' }, { Id: '1' }] as never });
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    const redrive = createSqsRedrive({
      client: new SQSClient({}),
      deadLetterQueueUrl: DLQ,
      mediaQueueUrl: MEDIA,
    });

    // Act
    const moved = await redrive.moveByCopy(Number.POSITIVE_INFINITY);

    // Assess
    expect(moved).toBe(2);
    const sent = sqsMock.commandCalls(SendMessageBatchCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(MEDIA);
    expect(sent?.Entries?.map((entry) => Object.keys(entry.MessageAttributes ?? {}))).toEqual([
      ['Source'],
      ['Source'],
    ]);
    const deleted = sqsMock.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input;
    expect(deleted?.QueueUrl).toBe(DLQ);
    expect(deleted?.Entries?.map((entry) => entry.ReceiptHandle)).toEqual(['r-1', 'r-2']);
  });

  it('keeps in the dead-letter queue every job the media queue refused, and says so', async () => {
    // Prepare
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [deadLetter(1), deadLetter(2)] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '1' }] as never,
      Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({});
    const redrive = createSqsRedrive({
      client: new SQSClient({}),
      deadLetterQueueUrl: DLQ,
      mediaQueueUrl: MEDIA,
    });

    // Act / Assess
    await expect(redrive.moveByCopy(10)).rejects.toThrow('the media queue refused 1 jobs');
    const deleted = sqsMock.commandCalls(DeleteMessageBatchCommand)[0]?.args[0].input;
    expect(deleted?.Entries?.map((entry) => entry.ReceiptHandle)).toEqual(['r-2']);
  });
});
