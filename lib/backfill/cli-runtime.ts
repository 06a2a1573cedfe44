import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createS3ArchiveListing } from '../adapters/s3-archive-listing.ts';
import { createS3ArchiveStore } from '../adapters/s3-archive-store.ts';
import { createTwilioMediaSource } from '../adapters/twilio-media-source.ts';
import { type ArchiveMediaDeps, archiveMedia } from '../archive-media.ts';
import { describeFailure, type FailureContext } from '../cli/failure.ts';
import { formatBytes } from '../cli/format.ts';
import {
  type ArchiverConfig,
  ConfigurationError,
  type QueueRef,
  type SqsEndpointConfig,
} from '../config.ts';
import { ArchiverError, StorageUnavailableError } from '../domain/errors.ts';
import type { MediaJob } from '../domain/media-job.ts';
import { type ArchivePresence, createArchivePresence } from './archive-presence.ts';
import type { BackfillCounts } from './backfill.ts';
import { CheckpointError } from './checkpoint.ts';

/** Shared wiring of `media-archive backfill|reconcile|redrive` (never bundled into a Lambda). */

export const createCliSqsClient = (config: SqsEndpointConfig): SQSClient =>
  new SQSClient({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });

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

export const presenceFor = (s3: S3Client, config: ArchiverConfig): ArchivePresence =>
  createArchivePresence(
    createS3ArchiveListing({ client: s3, bucket: config.archiveBucket }),
    config.archivePrefix,
    config.accountSid,
  );

/** A logger that keeps the CLI's stdout for results: the archiver's lines are for Lambda logs. */
const quietLogger = new Logger({ serviceName: 'media-archive', logLevel: 'SILENT' });
const noMetrics = { addMetric: () => undefined };

/** `--direct`: the archiver's use case with real adapters, in this process. */
export const directArchiver = (s3: S3Client, config: ArchiverConfig) => {
  const deps: ArchiveMediaDeps = {
    source: createTwilioMediaSource({
      apiBaseUrl: config.twilioApiBaseUrl,
      accountSid: config.accountSid,
      credentials: config.credentials,
    }),
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
  const source = createTwilioMediaSource({
    apiBaseUrl: config.twilioApiBaseUrl,
    accountSid: config.accountSid,
    credentials: config.credentials,
  });
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

export const formatCounts = (counts: BackfillCounts, verb: string): string => {
  const parts = [
    `${counts.pages} pages`,
    `${counts.messages} messages`,
    `${counts.mediaFound} media found`,
    `${counts.enqueued} ${verb}`,
    `${counts.alreadyArchived} already archived`,
  ];
  if (counts.skippedInFlight) parts.push(`${counts.skippedInFlight} skipped (in flight)`);
  if (counts.skippedRecent) parts.push(`${counts.skippedRecent} skipped (too recent)`);
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.bytes !== null) {
    parts.push(
      `${formatBytes(counts.bytes)} total${counts.unknownSizes ? ` (+${counts.unknownSizes} of unknown size)` : ''}`,
    );
  }
  return parts.join(', ');
};

/** One line for stderr: S3 failures keep the ls/get wording, the rest name their service. */
export const describeOpsFailure = (error: unknown, context: FailureContext): string => {
  if (error instanceof StorageUnavailableError && error.cause) {
    return describeFailure(error.cause, context).message;
  }
  if (error instanceof CheckpointError) return error.message;
  if (error instanceof ArchiverError) {
    const where = context.local ? ' (is the local stack running? npm start)' : '';
    return `${error.message}${/failed|unavailable/i.test(error.message) ? where : ''}`;
  }
  const sdk = error as { name?: string; message?: string; $metadata?: unknown };
  if (sdk?.$metadata && sdk.name?.includes('Queue')) return `SQS: ${sdk.name}: ${sdk.message}`;
  return describeFailure(error, context).message;
};
