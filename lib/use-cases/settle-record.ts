import { type MediaJob, parseMediaJob } from '../domain/media-job.ts';
import { redactUrls } from '../domain/media-origins.ts';
import { MetricUnit } from '../domain/metric-names.ts';
import { recordFate } from '../domain/retry-policy.ts';
import type { DeadLetter, MessageRecordStore, MessageRedactor } from '../ports/pipeline.ts';
import type { Log, MetricSink } from '../ports/telemetry.ts';
import { type ArchiveMediaDeps, type ArchiveOutcome, archiveMedia } from './archive-media.ts';
import { type RecordMessageDeps, recordMessage } from './record-message.ts';

export interface SettleRecordConfig {
  maxReceiveCount: number;
}

export interface SettleRecordDeps extends ArchiveMediaDeps {
  config: ArchiveMediaDeps['config'] & RecordMessageDeps['config'] & SettleRecordConfig;
  /** Present when a dead-letter queue is configured (lib/compose/lambda.ts decides, once). */
  deadLetter?: DeadLetter | undefined;
  /** Writes the message record once a message's media are all archived. */
  records?: MessageRecordStore | undefined;
  /** Present with REDACT_MESSAGE_BODY_AFTER_ARCHIVE=true. */
  redactor?: MessageRedactor | undefined;
  logger: Log;
  metrics: MetricSink;
}

/** One queued job as the queue delivered it. */
export interface QueuedRecord {
  messageId: string;
  body: string;
  /** 1 on the first delivery (SQS ApproximateReceiveCount). */
  attempt: number;
}

export type RecordResult = ArchiveOutcome | { deadLettered: true; reason: string };

/** The reason logged and dead-lettered: any URL in it cut to host and path (no userinfo, query). */
export const describeFailure = (error: unknown) => ({
  name: error instanceof Error ? error.name : 'Error',
  reason: redactUrls(error instanceof Error ? error.message : String(error)),
});

/** SIDs only: the job's phone numbers never reach a log line. */
const jobIds = (job: MediaJob | undefined) =>
  job ? { accountSid: job.accountSid, messageSid: job.messageSid, mediaSid: job.mediaSid } : {};

/**
 * Archives one queued job and settles its fate: done, dead-lettered with its reason, or thrown
 * back for the queue to retry (`retry-policy.ts` decides which, and how loudly).
 */
export const settleRecord = async (
  deps: SettleRecordDeps,
  record: QueuedRecord,
  signal?: AbortSignal,
): Promise<RecordResult> => {
  const { attempt } = record;
  let job: MediaJob | undefined;
  try {
    job = parseMediaJob(record.body);
    const outcome = await archiveMedia(deps, job, { attempt, ...(signal ? { signal } : {}) });
    // After the media's own verdict: a failure here retries the job, which then finds the
    // media archived (one HEAD) and comes straight back to the record.
    if (deps.records) {
      signal?.throwIfAborted();
      const { records, redactor, config, logger, metrics } = deps;
      await recordMessage(
        { records, ...(redactor ? { redactor } : {}), config, logger, metrics },
        job,
      );
    }
    return outcome;
  } catch (error) {
    const { name, reason } = describeFailure(error);
    const fate = recordFate({
      error,
      attempt,
      maxReceiveCount: deps.config.maxReceiveCount,
      aborted: signal?.aborted ?? false,
      canDeadLetter: deps.deadLetter !== undefined,
    });
    const fields = { messageId: record.messageId, ...jobIds(job), attempt, error: name, reason };
    deps.logger[fate.log.level](fate.log.message, fields);
    if (fate.action === 'dead-letter' && deps.deadLetter) {
      await deps.deadLetter.send(record.body, reason, name);
      for (const metric of fate.metrics) deps.metrics.addMetric(metric, MetricUnit.Count, 1);
      return { deadLettered: true, reason };
    }
    for (const metric of fate.metrics) deps.metrics.addMetric(metric, MetricUnit.Count, 1);
    throw error;
  }
};
