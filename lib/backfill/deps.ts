import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createS3ArchiveListing } from '../adapters/s3-archive-listing.ts';
import { createS3ArchiveStore } from '../adapters/s3-archive-store.ts';
import { createS3ReconcileStatusSink } from '../adapters/s3-reconcile-status.ts';
import { createSqsJobQueue } from '../adapters/sqs-job-queue.ts';
import { createTwilioAccountDirectory } from '../adapters/twilio-account-directory.ts';
import { createTwilioCatalog, type TwilioCatalogOptions } from '../adapters/twilio-catalog.ts';
import type { ArchiverConfig, ReconcileConfig } from '../config.ts';
import { logger } from '../observability.ts';
import type { AccountDirectory, MessageCatalog } from '../ports.ts';
import { configForAccount, servedAccounts } from './accounts.ts';
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

/** The main account's Accounts list, when TWILIO_SUBACCOUNTS serves any subaccount. */
export const accountDirectoryFor = (
  config: ArchiverConfig,
  tuning: CatalogTuning = {},
): AccountDirectory | undefined =>
  (config.subaccounts ?? { kind: 'none' }).kind === 'none'
    ? undefined
    : createTwilioAccountDirectory({
        apiBaseUrl: config.twilioApiBaseUrl,
        accountSid: config.accountSid,
        credentials: config.credentials,
        ...tuning,
        // A walk over many accounts can wait for a slow list.
        requestTimeoutMs: 30_000,
      });

/** Composition root of the reconcile Lambda: clients built once per cold start. */
export const createReconcileDeps = (
  config: ReconcileConfig,
  clients: { s3?: S3Client; sqs?: SQSClient; twilio?: CatalogTuning } = {},
): ReconcileHandlerDeps => {
  const { archiver } = config;
  const s3 = clients.s3 ?? new S3Client(archiver.s3ForcePathStyle ? { forcePathStyle: true } : {});
  const listing = createS3ArchiveListing({ client: s3, bucket: archiver.archiveBucket });
  const store = createS3ArchiveStore({ client: s3, bucket: archiver.archiveBucket });
  const directory = accountDirectoryFor(archiver, clients.twilio);
  return {
    ...(directory
      ? {
          accounts: {
            subaccounts: async () =>
              (await servedAccounts(archiver, directory)).filter((a) => !a.main).map((a) => a.sid),
            catalogFor: (sid: string) =>
              createCatalogFor(configForAccount(archiver, sid), clients.twilio),
            presenceFor: (sid: string) =>
              createArchivePresence(listing, archiver.archivePrefix, sid, store),
          },
        }
      : {}),
    catalog: createCatalogFor(archiver, clients.twilio),
    presence: createArchivePresence(listing, archiver.archivePrefix, archiver.accountSid, store),
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
