import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createS3ArchiveListing } from '../adapters/s3-archive-listing.ts';
import { createS3ArchiveStore } from '../adapters/s3-archive-store.ts';
import { createS3ReconcileStatusSink } from '../adapters/s3-reconcile-status.ts';
import { createSqsJobQueue } from '../adapters/sqs-job-queue.ts';
import { createTwilioCatalog, type TwilioCatalogOptions } from '../adapters/twilio-catalog.ts';
import type { ArchiverConfig, ReconcileConfig } from '../config.ts';
import { logger } from '../observability.ts';
import type { MessageCatalog } from '../ports.ts';
import { createArchivePresence } from './archive-presence.ts';
import type { ReconcileHandlerDeps } from './reconcile.ts';

export type CatalogTuning = Pick<TwilioCatalogOptions, 'fetch' | 'retry' | 'sleep' | 'random'>;

export const createCatalogFor = (
  config: ArchiverConfig,
  tuning: CatalogTuning = {},
): MessageCatalog =>
  createTwilioCatalog({
    apiBaseUrl: config.twilioApiBaseUrl,
    accountSid: config.accountSid,
    credentials: config.credentials,
    ...tuning,
  });

/** Composition root of the reconcile Lambda: clients built once per cold start. */
export const createReconcileDeps = (
  config: ReconcileConfig,
  clients: { s3?: S3Client; sqs?: SQSClient; twilio?: CatalogTuning } = {},
): ReconcileHandlerDeps => {
  const { archiver } = config;
  const s3 = clients.s3 ?? new S3Client(archiver.s3ForcePathStyle ? { forcePathStyle: true } : {});
  return {
    catalog: createCatalogFor(archiver, clients.twilio),
    presence: createArchivePresence(
      createS3ArchiveListing({ client: s3, bucket: archiver.archiveBucket }),
      archiver.archivePrefix,
      archiver.accountSid,
      createS3ArchiveStore({ client: s3, bucket: archiver.archiveBucket }),
    ),
    queue: createSqsJobQueue({
      client: clients.sqs ?? new SQSClient({}),
      queueUrl: config.mediaQueueUrl,
    }),
    status: createS3ReconcileStatusSink({
      client: s3,
      bucket: archiver.archiveBucket,
      prefix: archiver.archivePrefix,
    }),
    settings: {
      accountSid: archiver.accountSid,
      lookbackDays: config.lookbackDays,
      minAgeMinutes: config.minAgeMinutes,
      direction: config.direction,
    },
    logger,
  };
};
