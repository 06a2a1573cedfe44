import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../../config/env.ts';
import type { QueueRef } from '../../domain/queue-ref.ts';

/** A queue named by URL is used as is; one named by name costs one GetQueueUrl. */
export const resolveQueueUrl = async (
  sqs: SQSClient,
  ref: QueueRef | undefined,
  variable: string,
): Promise<string> => {
  if (!ref)
    throw new ConfigurationError(`${variable} is required (or --local for the local stack)`);
  if ('url' in ref) return ref.url;
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: ref.name }));
  if (!QueueUrl) throw new ConfigurationError(`queue ${ref.name} not found`);
  return QueueUrl;
};
