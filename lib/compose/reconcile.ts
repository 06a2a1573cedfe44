import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createS3ArchiveListing } from '../adapters/s3/s3-archive-listing.ts';
import { createS3ArchiveStore } from '../adapters/s3/s3-archive-store.ts';
import { createS3ReconcileStatusSink } from '../adapters/s3/s3-reconcile-status.ts';
import { createSqsJobQueue } from '../adapters/sqs/sqs-job-queue.ts';
import { createTwilioAccountDirectory } from '../adapters/twilio/twilio-account-directory.ts';
import {
  createTwilioCatalog,
  type TwilioCatalogOptions,
} from '../adapters/twilio/twilio-catalog.ts';
import type { ArchiverConfig, ReconcileConfig } from '../config/lambda.ts';
import type { ReconcileHandlerDeps } from '../handlers/reconcile-handler.ts';
import { logger } from '../observability.ts';
import type { AccountDirectory, MessageCatalog } from '../ports/pipeline.ts';
import { configForAccount, servedAccounts } from '../use-cases/backfill/accounts.ts';
import {
  type ArchivePresence,
  createArchivePresence,
} from '../use-cases/backfill/archive-presence.ts';
import { createS3Client, createSqsClient } from './clients.ts';
import { archiveS3Settings } from './lambda.ts';

export type CatalogTuning = Pick<TwilioCatalogOptions, 'fetch' | 'retry' | 'sleep' | 'random'>;

export const createCatalogFor = (
  config: ArchiverConfig,
  tuning: CatalogTuning = {},
): MessageCatalog =>
  createTwilioCatalog({
    apiBaseUrl: config.twilioApiBaseUrl,
    accountSid: config.accountSid,
    credentials: config.credentials,
    archiveMessageBody: config.archiveMessageBody === true,
    archiveAddresses: config.archiveAddresses === true,
    ...(config.participantKey ? { participantKey: config.participantKey } : {}),
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

/** "Already archived?" for backfill and reconcile: a day listing, then a HEAD for proof. */
export const presenceFor = (s3: S3Client, config: ArchiverConfig): ArchivePresence =>
  createArchivePresence(
    createS3ArchiveListing({ client: s3, bucket: config.archiveBucket }),
    config.archivePrefix,
    config.accountSid,
    createS3ArchiveStore({ client: s3, bucket: config.archiveBucket }),
  );

/** Where reconcile leaves its last run's outcome for `media-archive doctor`. */
export const statusSinkFor = (s3: S3Client, config: ArchiverConfig) =>
  createS3ReconcileStatusSink({
    client: s3,
    bucket: config.archiveBucket,
    prefix: config.archivePrefix,
  });

/** Composition root of the reconcile Lambda: clients built once per cold start. */
export const createReconcileDeps = (
  config: ReconcileConfig,
  clients: { s3?: S3Client; sqs?: SQSClient; twilio?: CatalogTuning } = {},
): ReconcileHandlerDeps => {
  const { archiver } = config;
  const s3 = clients.s3 ?? createS3Client(archiveS3Settings(archiver));
  const directory = accountDirectoryFor(archiver, clients.twilio);
  return {
    ...(directory
      ? {
          accounts: {
            subaccounts: async () =>
              (await servedAccounts(archiver, directory)).filter((a) => !a.main).map((a) => a.sid),
            catalogFor: (sid: string) =>
              createCatalogFor(configForAccount(archiver, sid), clients.twilio),
            presenceFor: (sid: string) => presenceFor(s3, configForAccount(archiver, sid)),
          },
        }
      : {}),
    catalog: createCatalogFor(archiver, clients.twilio),
    presence: presenceFor(s3, archiver),
    queue: createSqsJobQueue({
      client: clients.sqs ?? createSqsClient(),
      queueUrl: config.mediaQueueUrl,
    }),
    status: statusSinkFor(s3, archiver),
    settings: {
      accountSid: archiver.accountSid,
      lookbackDays: config.lookbackDays,
      minAgeMinutes: config.minAgeMinutes,
      direction: config.direction,
    },
    logger,
  };
};
