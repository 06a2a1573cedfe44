import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { createAthenaRecordQuery } from '../adapters/aws/athena-record-query.ts';
import { createS3ArchiveEraser } from '../adapters/s3/s3-archive-eraser.ts';
import { createS3ArchiveListing } from '../adapters/s3/s3-archive-listing.ts';
import { createArchiveReader } from '../adapters/s3/s3-archive-reader.ts';
import { createS3ArchiveStore } from '../adapters/s3/s3-archive-store.ts';
import { createS3LegalHolds } from '../adapters/s3/s3-legal-holds.ts';
import { createSqsJobQueue } from '../adapters/sqs/sqs-job-queue.ts';
import { resolveQueueUrl } from '../adapters/sqs/sqs-queue-url.ts';
import { createSqsRedrive } from '../adapters/sqs/sqs-redrive.ts';
import type { AthenaConfig, BackfillConfig, CliConfig, RedriveConfig } from '../config/cli.ts';
import type { ArchiverConfig } from '../config/lambda.ts';
import type { MediaJob } from '../domain/media-job.ts';
import type { ArchiveEraser } from '../ports/archive-eraser.ts';
import type { ArchiveReader } from '../ports/archive-reader.ts';
import type { LegalHolds } from '../ports/legal-holds.ts';
import type { ArchiveListing, JobQueue } from '../ports/pipeline.ts';
import type { RecordQuery } from '../ports/record-query.ts';
import { type ArchiveMediaDeps, archiveMedia } from '../use-cases/archive-media.ts';
import { createAthenaClient, createS3Client, createSqsClient, createStsClient } from './clients.ts';
import { mediaSourceFor } from './lambda.ts';
import { presenceFor, statusSinkFor } from './reconcile.ts';

/** Wiring of the CLI's commands (never bundled into a Lambda): lib/cli imports no SDK, no adapter. */

export type { DeadLetteredJob } from '../adapters/sqs/sqs-redrive.ts';

type Own = <T extends { destroy(): void }>(resource: T) => T;

/** What ls/get/url/stats/serve, hold and export work on: one S3 client, destroyed by the caller. */
export interface CliArchive {
  /** Narrowed to `account`, else to TWILIO_ACCOUNT_SID when set. */
  reader: ArchiveReader;
  legalHolds: LegalHolds;
  /** `erase`: every version, with the caller's identity for the receipt (STS made on first use). */
  eraser(): ArchiveEraser;
  destroy(): void;
}

export const openCliArchive = (config: CliConfig, account: string | undefined): CliArchive => {
  const s3 = createS3Client(config.s3);
  let sts: ReturnType<typeof createStsClient> | undefined;
  const accountSid = account ?? config.accountSid;
  return {
    reader: createArchiveReader({
      s3,
      bucket: config.bucket,
      prefix: config.archivePrefix,
      ...(accountSid ? { accountSid } : {}),
    }),
    legalHolds: createS3LegalHolds({ client: s3, bucket: config.bucket }),
    eraser: () => {
      sts ??= createStsClient({
        ...(config.s3.region ? { region: config.s3.region } : {}),
        ...(config.s3.credentials ? { credentials: config.s3.credentials } : {}),
      });
      return createS3ArchiveEraser({ s3, bucket: config.bucket, sts });
    },
    destroy: () => {
      s3.destroy();
      sts?.destroy();
    },
  };
};

/** `find --athena`: queries in the stack's workgroup (its results location and bytes limit). */
export const openRecordQuery = (config: AthenaConfig): RecordQuery & { destroy(): void } => {
  const client = createAthenaClient(config.region ? { region: config.region } : {});
  return {
    ...createAthenaRecordQuery({
      client,
      workGroup: config.workGroup,
      timeoutMillis: config.timeoutSeconds * 1000,
    }),
    destroy: () => client.destroy(),
  };
};

/** backfill/reconcile's archive: the adapters each account's run needs, over one S3 client. */
export interface OpsArchive {
  /** `--direct`: the archiver's use case in this process. */
  archiverFor(config: ArchiverConfig): (job: MediaJob) => ReturnType<typeof archiveMedia>;
  presenceFor(config: ArchiverConfig): ReturnType<typeof presenceFor>;
  statusSinkFor(config: ArchiverConfig): ReturnType<typeof statusSinkFor>;
  destroy(): void;
}

export const openOpsArchive = (config: BackfillConfig): OpsArchive => {
  const s3 = createS3Client(config.s3);
  return {
    archiverFor: (archiver) => directArchiver(s3, archiver),
    presenceFor: (archiver) => presenceFor(s3, archiver),
    statusSinkFor: (archiver) => statusSinkFor(s3, archiver),
    destroy: () => s3.destroy(),
  };
};

/** The media queue (by URL or name) that backfill and reconcile enqueue to. */
export const openMediaQueue = async (config: BackfillConfig, own: Own): Promise<JobQueue> => {
  const sqs = own(createSqsClient(config.sqs));
  const queueUrl = await resolveQueueUrl(sqs, config.mediaQueue, 'MEDIA_QUEUE_URL');
  return createSqsJobQueue({ client: sqs, queueUrl });
};

/** A logger that keeps the CLI's stdout for results: the archiver's lines are for Lambda logs. */
const quietLogger = new Logger({ serviceName: 'media-archive', logLevel: 'SILENT' });
const noMetrics = { addMetric: () => undefined };

/** `--direct`: the archiver's use case with real adapters, in this process. */
export const directArchiver = (s3: S3Client, config: ArchiverConfig) => {
  const deps: ArchiveMediaDeps = {
    source: mediaSourceFor(config),
    store: createS3ArchiveStore({ client: s3, bucket: config.archiveBucket }),
    config,
    logger: quietLogger,
    metrics: noMetrics,
  };
  return (job: MediaJob) => archiveMedia(deps, job, { attempt: 1 });
};

/**
 * `--sizes`: Twilio's media JSON carries no size, so each missing media costs one GET through the
 * redirect (credentials on the API origin only); the CDN's Content-Length is read and the body
 * dropped.
 */
export const mediaSizer = (config: ArchiverConfig) => {
  const source = mediaSourceFor(config);
  return async (job: MediaJob): Promise<number | undefined> => {
    try {
      const answer = await source.fetchMedia(job);
      if (answer.status !== 'ok') return undefined;
      answer.body.destroy();
      return answer.contentLength;
    } catch {
      return undefined;
    }
  };
};

/** `media-archive redrive`: both queues resolved (by URL or name) on one client. */
export const openRedrive = async (config: RedriveConfig, own: Own) => {
  const sqs = own(createSqsClient(config.sqs));
  return createSqsRedrive({
    client: sqs,
    deadLetterQueueUrl: await resolveQueueUrl(sqs, config.deadLetterQueue, 'DEAD_LETTER_QUEUE_URL'),
    mediaQueueUrl: await resolveQueueUrl(sqs, config.mediaQueue, 'MEDIA_QUEUE_URL'),
  });
};

/** `send-test`'s look into the local stack's bucket, with the S3 stand-in's fixed keys. */
export const openLocalArchiveListing = (stack: {
  s3Endpoint: string;
  bucket: string;
}): ArchiveListing & { destroy(): void } => {
  const s3 = createS3Client({
    endpoint: stack.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  return {
    ...createS3ArchiveListing({ client: s3, bucket: stack.bucket }),
    destroy: () => s3.destroy(),
  };
};
