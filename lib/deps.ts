import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createS3ArchiveStore } from './adapters/s3-archive-store.ts';
import { createSqsDeadLetter } from './adapters/sqs-dead-letter.ts';
import { createSqsJobQueue } from './adapters/sqs-job-queue.ts';
import { createSqsRetryScheduler } from './adapters/sqs-retry-scheduler.ts';
import {
  createTwilioMediaSource,
  type TwilioMediaSourceOptions,
} from './adapters/twilio-media-source.ts';
import type { ArchiverConfig, WebhookConfig } from './config.ts';
import { logger, metrics } from './observability.ts';
import type { JobQueue } from './ports.ts';
import type { ArchiverDeps } from './process-media-batch.ts';

/**
 * Composition root: SDK clients are built here, once per cold start, and handed to adapters. The
 * SDK resolves region, credentials and `AWS_ENDPOINT_URL_SQS` itself, so nothing here reads the
 * environment.
 */

// ---------------------------------------------------------------------------------------------
// Webhook
// ---------------------------------------------------------------------------------------------

export interface WebhookDeps {
  config: WebhookConfig;
  queue: JobQueue;
}

export const createWebhookDeps = (
  config: WebhookConfig,
  clients: { sqs?: SQSClient } = {},
): WebhookDeps => ({
  config,
  queue: createSqsJobQueue({
    client: clients.sqs ?? new SQSClient({}),
    queueUrl: config.mediaQueueUrl,
  }),
});

// ---------------------------------------------------------------------------------------------
// Archiver — createArchiverDeps(config) is added here by the archiver work (not part of the
// webhook). Keep it in this section.
// ---------------------------------------------------------------------------------------------

export interface ArchiverClients {
  s3?: S3Client;
  sqs?: SQSClient;
  /** Tests shorten Twilio's retry delays; production keeps the adapter's defaults. */
  twilio?: Pick<TwilioMediaSourceOptions, 'fetch' | 'retry' | 'notFoundRetryDelaysMs'>;
}

export const createArchiverDeps = (
  config: ArchiverConfig,
  clients: ArchiverClients = {},
): ArchiverDeps => {
  const s3 =
    clients.s3 ??
    // Path style is the only local difference: fauxqs takes AWS's checksum defaults as they are.
    new S3Client(config.s3ForcePathStyle ? { forcePathStyle: true } : {});
  const sqs = clients.sqs ?? new SQSClient({});
  const deps: ArchiverDeps = {
    config,
    source: createTwilioMediaSource({
      apiBaseUrl: config.twilioApiBaseUrl,
      accountSid: config.accountSid,
      credentials: config.credentials,
      mediaOrigins: config.twilioMediaOrigins,
      ...clients.twilio,
    }),
    store: createS3ArchiveStore({ client: s3, bucket: config.archiveBucket }),
    logger,
    metrics,
  };
  if (config.deadLetterQueueUrl) {
    deps.deadLetter = createSqsDeadLetter({ client: sqs, queueUrl: config.deadLetterQueueUrl });
  }
  if (config.mediaQueueUrl && config.retryBackoffSeconds > 0) {
    deps.retryScheduler = createSqsRetryScheduler({ client: sqs, queueUrl: config.mediaQueueUrl });
  }
  return deps;
};
