import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import sqsPartialBatchFailure from '@middy/sqs-partial-batch-failure';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import pLimit from 'p-limit';
import type { ArchiverConfig } from '../config/lambda.ts';
import { postponable, retryDelaySeconds } from '../domain/retry-policy.ts';
import type { RetryScheduler } from '../ports/pipeline.ts';
import {
  describeFailure,
  type RecordResult,
  type SettleRecordDeps,
  settleBatch,
} from '../use-cases/settle-record.ts';
import { STALE_SPOOL_MS, sweepStaleSpools } from '../use-cases/spool.ts';

export type { RecordResult } from '../use-cases/settle-record.ts';

export interface ArchiverDeps extends SettleRecordDeps {
  config: ArchiverConfig;
  /** Present when `config.mediaQueueUrl` is set and `retryBackoffSeconds` > 0. */
  retryScheduler?: RetryScheduler;
  logger: Logger;
  metrics: Metrics;
}

/** Stop work this long before Lambda's deadline, so each record ends with its own verdict. */
const DEADLINE_MARGIN_MS = 3_000;

/** What the handler returns before `sqs-partial-batch-failure` turns it into the response. */
type Settled = PromiseSettledResult<RecordResult>[];

const attemptOf = (record: SQSRecord) => Number(record.attributes?.ApproximateReceiveCount) || 1;

/** settleBatch already logged each failure with its SIDs; middy's default logs the raw record. */
const ignoreFailure = () => undefined;

/** The archiver Lambda: archive each SQS record's job, reporting failures per record. */
export const createArchiverHandler = (deps: ArchiverDeps) => {
  const { config, logger, metrics } = deps;
  const limit = pLimit(config.concurrency);

  const postponeRetries = async (records: readonly SQSRecord[], results: Settled) => {
    if (!deps.retryScheduler) return;
    const entries = records.flatMap((record, index) => {
      const result = results[index];
      if (result?.status !== 'rejected' || !postponable(result.reason)) return [];
      const seconds = retryDelaySeconds(
        config.retryBackoffSeconds,
        attemptOf(record),
        result.reason,
      );
      return [{ receiptHandle: record.receiptHandle, visibilityTimeoutSeconds: seconds }];
    });
    if (entries.length === 0) return;
    try {
      await deps.retryScheduler.postpone(entries);
    } catch (error) {
      // The records still fail and come back, only sooner than planned.
      logger.warn('could not postpone retries', describeFailure(error));
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
      logger.warn('could not sweep the spool directory', describeFailure(error));
    }
  };

  const handler = async (event: SQSEvent, context: Context): Promise<Settled> => {
    await sweepSpools();
    const remaining = context.getRemainingTimeInMillis?.();
    const signal =
      remaining && remaining > DEADLINE_MARGIN_MS
        ? AbortSignal.timeout(remaining - DEADLINE_MARGIN_MS)
        : undefined;
    const queued = event.Records.map((record) => ({
      messageId: record.messageId,
      body: record.body,
      attempt: attemptOf(record),
    }));
    const results = await Promise.allSettled(settleBatch(deps, queued, limit, signal));
    await postponeRetries(event.Records, results);
    return results;
  };

  const wired = middy<SQSEvent, SQSBatchResponse | Settled, Error, Context>({
    timeoutEarlyInMillis: 0,
  })
    .use(injectLambdaContext(logger, { logEvent: false }))
    .use(logMetrics(metrics))
    .use(sqsPartialBatchFailure({ logger: ignoreFailure }))
    .handler(handler);

  // sqs-partial-batch-failure turns the settled results into the batch response: checked, not cast.
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const response = await wired(event, context);
    if (Array.isArray(response)) throw new Error('sqs-partial-batch-failure did not run');
    return response;
  };
};
