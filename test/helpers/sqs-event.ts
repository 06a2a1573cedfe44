import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { MEDIA_JOB_VERSION, type MediaJob } from '../../lib/domain/media-job.ts';

/** An SQS record as Lambda's event source mapping delivers it. */
export const sqsRecordFactory = (
  body: string,
  options: { receiveCount?: number; messageId?: string } = {},
): SQSRecord => {
  const messageId = options.messageId ?? randomUUID();
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:media-jobs',
    awsRegion: 'us-east-1',
  };
};

export const sqsEventFactory = (records: SQSRecord[]): SQSEvent => ({ Records: records });

const hex = (length: number) =>
  Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');

export const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;

/** A valid job; every SID random unless given. */
export const mediaJobFactory = (overrides: Partial<MediaJob> = {}): MediaJob => ({
  version: MEDIA_JOB_VERSION,
  accountSid: ACCOUNT_SID,
  messageSid: `MM${hex(32)}`,
  mediaSid: `ME${hex(32)}`,
  contentType: 'image/jpeg',
  receivedAt: '2025-03-04T05:06:07.000Z',
  index: 0,
  source: 'webhook',
  ...overrides,
});
