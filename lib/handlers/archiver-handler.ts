import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import type { ArchiverConfig } from '../config/lambda.ts';
import {
  ArchiverError,
  isPermanent,
  TransientError,
  TwilioAuthError,
  UnprovenArchiveError,
  UnsupportedEncodingError,
} from '../domain/errors.ts';
import { type MediaJob, parseMediaJob } from '../domain/media-job.ts';
import { redactUrls } from '../domain/media-origins.ts';
import { isRecordable, messageRecordKeyFor } from '../domain/message-record.ts';
import { MetricName } from '../observability.ts';
import type {
  ArchiveStore,
  DeadLetter,
  MediaSource,
  MessageRecordStore,
  MessageRedactor,
  RetryScheduler,
} from '../ports/pipeline.ts';
import { type ArchiveOutcome, archiveMedia } from '../use-cases/archive-media.ts';
import { type ProvenMedia, recordMessage } from '../use-cases/record-message.ts';
import { STALE_SPOOL_MS, sweepStaleSpools } from '../use-cases/spool.ts';

export interface ArchiverDeps {
  config: ArchiverConfig;
  /** TWILIO_SUBACCOUNTS: the accounts whose jobs are archived (default: the main one). */
  isAllowedAccount?: (accountSid: string) => boolean;
  source: MediaSource;
  store: ArchiveStore;
  /** Present when `config.deadLetterQueueUrl` is set (lib/compose/lambda.ts decides, once). */
  deadLetter?: DeadLetter;
  /** Present when `config.mediaQueueUrl` is set and `retryBackoffSeconds` > 0. */
  retryScheduler?: RetryScheduler;
  /** Writes the message record once a message's media are all archived. */
  records?: MessageRecordStore;
  /** Present with REDACT_MESSAGE_BODY_AFTER_ARCHIVE=true. */
  redactor?: MessageRedactor;
  logger: Logger;
  metrics: Metrics;
}

export type RecordResult = ArchiveOutcome | { deadLettered: true; reason: string };

/** SQS's ceiling for a visibility timeout (12 h). */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** Stop work this long before Lambda's deadline, so each record ends with its own verdict. */
const DEADLINE_MARGIN_MS = 3_000;

/** Visibility timeout before the next attempt: doubles per attempt, never below Retry-After. */
export const retryDelaySeconds = (base: number, attempt: number, error: unknown): number => {
  const exponential = base * 2 ** Math.max(0, attempt - 1);
  const floor = error instanceof TransientError ? (error.retryAfterSeconds ?? 0) : 0;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(exponential, floor));
};

/** The reason logged and dead-lettered: any URL in it cut to host and path (no userinfo, query). */
const describe = (error: unknown) => ({
  name: error instanceof Error ? error.name : 'Error',
  reason: redactUrls(error instanceof Error ? error.message : String(error)),
});

/** SIDs only: the job's phone numbers never reach a log line. */
const jobIds = (job: MediaJob | undefined) =>
  job ? { accountSid: job.accountSid, messageSid: job.messageSid, mediaSid: job.mediaSid } : {};

/** processRecord already logged each failure with its SIDs; middy's default logs the raw record. */
const ignoreFailure = () => undefined;

/** The archiver Lambda: archive each SQS record's job, reporting failures per record. */
export const createArchiverHandler = (deps: ArchiverDeps) => {
  const { config, logger, metrics } = deps;
  const limit = pLimit(config.concurrency);

  /** The job's verdict, or the error the batch reports for its record (logged, dead-lettered). */
  const failed = async (
    record: SQSRecord,
    job: MediaJob | undefined,
    error: unknown,
    signal?: AbortSignal,
  ): Promise<RecordResult> => {
    const attempt = Number(record.attributes?.ApproximateReceiveCount) || 1;
    const { name, reason } = describe(error);
    const permanent = isPermanent(error);
    const last = attempt >= config.maxReceiveCount;
    const fields = { messageId: record.messageId, ...jobIds(job), attempt, error: name, reason };
    if (error instanceof TwilioAuthError) {
      logger.error('configuration error: Twilio refused the credentials', fields);
    } else if (signal?.aborted && !last) {
      // Stopped on purpose before the Lambda deadline: an expected retry, not a fault.
      logger.warn('job stopped at the invocation deadline, will be retried', fields);
    } else if (permanent || last || !(error instanceof ArchiverError)) {
      logger.error(permanent ? 'job failed permanently' : 'job failed', fields);
    } else {
      logger.warn('job failed, will be retried', fields);
    }
    if ((permanent || last) && deps.deadLetter) {
      await deps.deadLetter.send(record.body, reason, name);
      metrics.addMetric(MetricName.DeadLettered, MetricUnit.Count, 1);
      if (error instanceof UnprovenArchiveError || error instanceof UnsupportedEncodingError) {
        metrics.addMetric(MetricName.MediaKeptUnproven, MetricUnit.Count, 1);
      }
      return { deadLettered: true, reason };
    }
    if (!permanent) metrics.addMetric(MetricName.Retries, MetricUnit.Count, 1);
    throw error;
  };

  const processRecord = async (
    record: SQSRecord,
    job: MediaJob | undefined,
    signal?: AbortSignal,
  ): Promise<RecordResult> => {
    const attempt = Number(record.attributes?.ApproximateReceiveCount) || 1;
    try {
      return await archiveMedia({ ...deps }, job ?? parseMediaJob(record.body), {
        attempt,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      return failed(record, job, error, signal);
    }
  };

  /**
   * The per-message step: once the batch's jobs of one message settled, one `recordMessage` with
   * what they proved (no LIST, no HEAD of media this invocation wrote). A failure fails the
   * message's last archived job of the batch: its retry finds the media (one HEAD) and records.
   */
  const recordMessages = (
    records: readonly SQSRecord[],
    jobs: readonly (MediaJob | undefined)[],
    archived: readonly Promise<RecordResult>[],
    signal?: AbortSignal,
  ): Promise<RecordResult>[] => {
    const store = deps.records;
    if (!store) return [...archived];
    const groups = new Map<string, number[]>();
    for (const [index, job] of jobs.entries()) {
      if (!job || !isRecordable(job)) continue;
      const key = messageRecordKeyFor(config.archivePrefix, job);
      groups.set(key, [...(groups.get(key) ?? []), index]);
    }
    const results = [...archived];
    for (const members of groups.values()) {
      const step = Promise.allSettled(
        members.map((index) => archived[index] as Promise<RecordResult>),
      ).then((verdicts) => {
        const proven = new Map<string, ProvenMedia>();
        let carrier: number | undefined;
        for (const [n, verdict] of verdicts.entries()) {
          if (verdict.status !== 'fulfilled' || 'deadLettered' in verdict.value) continue;
          const { key, proof, contentType } = verdict.value;
          proven.set(key, { key, proof, contentType });
          carrier = members[n];
        }
        return { proven, carrier };
      });
      for (const index of members) {
        const own = archived[index] as Promise<RecordResult>;
        results[index] = step.then(async ({ proven, carrier }) => {
          const outcome = await own;
          if (carrier !== index) return outcome;
          const job = jobs[index] as MediaJob;
          try {
            signal?.throwIfAborted();
            const { redactor } = deps;
            await recordMessage(
              { records: store, ...(redactor ? { redactor } : {}), config, logger },
              job,
              proven,
            );
            return outcome;
          } catch (error) {
            return failed(records[index] as SQSRecord, job, error, signal);
          }
        });
      }
    }
    return results;
  };

  const postponeRetries = async (
    records: readonly SQSRecord[],
    results: readonly PromiseSettledResult<RecordResult>[],
  ) => {
    if (!deps.retryScheduler) return;
    const entries = records.flatMap((record, index) => {
      const result = results[index];
      if (result?.status !== 'rejected' || isPermanent(result.reason)) return [];
      const attempt = Number(record.attributes?.ApproximateReceiveCount) || 1;
      const seconds = retryDelaySeconds(config.retryBackoffSeconds, attempt, result.reason);
      return [{ receiptHandle: record.receiptHandle, visibilityTimeoutSeconds: seconds }];
    });
    if (entries.length === 0) return;
    try {
      await deps.retryScheduler.postpone(entries);
    } catch (error) {
      // The records still fail and come back, only sooner than planned.
      logger.warn('could not postpone retries', describe(error));
    }
  };

  /** A killed invocation (timeout, crash) cannot remove its spool file: the next batch does. */
  const sweepSpools = async () => {
    try {
      const removed = await sweepStaleSpools(
        config.spoolDir,
        config.spoolSweepAgeMs ?? STALE_SPOOL_MS,
      );
      if (removed > 0) logger.warn('removed spool files a stopped invocation left', { removed });
    } catch (error) {
      logger.warn('could not sweep the spool directory', describe(error));
    }
  };

  const handler = async (event: SQSEvent, context: Context) => {
    await sweepSpools();
    const remaining = context.getRemainingTimeInMillis?.();
    const signal =
      remaining && remaining > DEADLINE_MARGIN_MS
        ? AbortSignal.timeout(remaining - DEADLINE_MARGIN_MS)
        : undefined;
    const jobs = event.Records.map((record) => {
      try {
        return parseMediaJob(record.body);
      } catch {
        return undefined; // processRecord reports it
      }
    });
    const archived = event.Records.map((record, index) =>
      limit(() => processRecord(record, jobs[index], signal)),
    );
    const results = await Promise.allSettled(recordMessages(event.Records, jobs, archived, signal));
    await postponeRetries(event.Records, results);
    return results;
  };

  return middy<SQSEvent, SQSBatchResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { logEvent: false }))
    .use(logMetrics(metrics))
    .use(sqsPartialBatchFailure({ logger: ignoreFailure }))
    .handler(
      handler as unknown as (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>,
    );
};
