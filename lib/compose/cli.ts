import { Logger } from '@aws-lambda-powertools/logger';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3ArchiveStore } from '../adapters/s3/s3-archive-store.ts';
import { resolveQueueUrl } from '../adapters/sqs/sqs-queue-url.ts';
import { createSqsRedrive } from '../adapters/sqs/sqs-redrive.ts';
import type { RedriveConfig } from '../config/cli.ts';
import type { ArchiverConfig } from '../config/lambda.ts';
import type { MediaJob } from '../domain/media-job.ts';
import { type ArchiveMediaDeps, archiveMedia } from '../use-cases/archive-media.ts';
import { createSqsClient } from './clients.ts';
import { mediaSourceFor } from './lambda.ts';

/** Wiring of the CLI's ops commands (never bundled into a Lambda). */

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
export const openRedrive = async (
  config: RedriveConfig,
  own: <T extends { destroy(): void }>(resource: T) => T,
) => {
  const sqs = own(createSqsClient(config.sqs));
  return createSqsRedrive({
    client: sqs,
    deadLetterQueueUrl: await resolveQueueUrl(sqs, config.deadLetterQueue, 'DEAD_LETTER_QUEUE_URL'),
    mediaQueueUrl: await resolveQueueUrl(sqs, config.mediaQueue, 'MEDIA_QUEUE_URL'),
  });
};
