import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueInspector } from '../doctor/ports.ts';

const count = (value: string | undefined): number => {
  const n = Number(value ?? '0');
  return Number.isFinite(n) ? n : 0;
};

export const createSqsQueueInspector = (client: SQSClient): QueueInspector => ({
  async depth(queueUrl) {
    const { Attributes: a = {} } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return {
      visible: count(a.ApproximateNumberOfMessages),
      inFlight: count(a.ApproximateNumberOfMessagesNotVisible),
      delayed: count(a.ApproximateNumberOfMessagesDelayed),
    };
  },
});
