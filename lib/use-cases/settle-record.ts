import { type MediaJob, parseMediaJob } from '../domain/media-job.ts';
import { redactUrls } from '../domain/media-origins.ts';
import { isRecordable, messageRecordKeyFor } from '../domain/message-record.ts';
import { MetricUnit } from '../domain/metric-names.ts';
import { recordFate } from '../domain/retry-policy.ts';
import type { DeadLetter, MessageRedactor } from '../ports/pipeline.ts';
import type { Log, MetricSink } from '../ports/telemetry.ts';
import { indexedByRecord, servesAccount } from './archive-media/invocation.ts';
import {
  type ArchiveMediaDeps,
  type ArchiveOutcome,
  archiveMedia,
  putMessageMarker,
} from './archive-media.ts';
import { type ProvenMedia, type RecordMessageDeps, recordMessage } from './record-message.ts';

export interface SettleRecordConfig {
  maxReceiveCount: number;
}

export interface SettleRecordDeps extends ArchiveMediaDeps {
  config: ArchiveMediaDeps['config'] & RecordMessageDeps['config'] & SettleRecordConfig;
  /** Present when a dead-letter queue is configured (lib/compose/lambda.ts decides, once). */
  deadLetter?: DeadLetter | undefined;
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
 * A recorded message is indexed by its record only, which is written once all its media are
 * archived: a message that dead-letters first gets the SID index entry its record would have been,
 * so `ls --message` still finds whatever of it S3 holds. Costs a write only on failures; a marker
 * that cannot be written is logged, never a reason to hold the dead letter back.
 */
const markDeadLettered = async (deps: SettleRecordDeps, job: MediaJob | undefined) => {
  // Never for an account this deployment does not serve: a forged job writes nothing.
  if (!job || !indexedByRecord(deps, job) || !servesAccount(deps, job.accountSid)) return;
  try {
    await putMessageMarker(deps.store, deps.config.archivePrefix, job);
  } catch (error) {
    deps.logger.warn('index marker of a dead-lettered message not written', {
      ...jobIds(job),
      ...describeFailure(error),
    });
  }
};

/**
 * A failed job's fate: dead-lettered with its reason, or thrown back for the queue to retry
 * (`retry-policy.ts` decides which, and how loudly).
 */
const settleFailure = async (
  deps: SettleRecordDeps,
  record: QueuedRecord,
  job: MediaJob | undefined,
  error: unknown,
  signal?: AbortSignal,
): Promise<RecordResult> => {
  const { attempt } = record;
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
    await markDeadLettered(deps, job);
    await deps.deadLetter.send(record.body, reason, name);
    for (const metric of fate.metrics) deps.metrics.addMetric(metric, MetricUnit.Count, 1);
    return { deadLettered: true, reason };
  }
  for (const metric of fate.metrics) deps.metrics.addMetric(metric, MetricUnit.Count, 1);
  throw error;
};

/** Archives one queued job's media and settles a failure; the message record is settleBatch's. */
const archiveRecord = async (
  deps: SettleRecordDeps,
  record: QueuedRecord,
  job: MediaJob | undefined,
  signal?: AbortSignal,
): Promise<RecordResult> => {
  try {
    const parsed = job ?? parseMediaJob(record.body);
    return await archiveMedia(deps, parsed, {
      attempt: record.attempt,
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    return settleFailure(deps, record, job, error, signal);
  }
};

const parsedOrUndefined = (body: string): MediaJob | undefined => {
  try {
    return parseMediaJob(body);
  } catch {
    return undefined; // archiveRecord parses again and settles the error
  }
};

/**
 * A batch's jobs, each through `run` (the invocation's in-flight limit), then the per-message
 * step: once the batch's jobs of one message settled, one `recordMessage` with what they proved
 * (no LIST, no HEAD of media this invocation wrote). A failure there fails the message's last
 * archived job of the batch, whose retry finds its media (one HEAD) and records the message.
 * Results are in record order, as `sqs-partial-batch-failure` expects.
 */
export const settleBatch = (
  deps: SettleRecordDeps,
  records: readonly QueuedRecord[],
  run: (task: () => Promise<RecordResult>) => Promise<RecordResult>,
  signal?: AbortSignal,
): Promise<RecordResult>[] => {
  const jobs = records.map((record) => parsedOrUndefined(record.body));
  const archived = records.map((record, index) =>
    run(() => archiveRecord(deps, record, jobs[index], signal)),
  );
  const store = deps.records;
  if (!store) return archived;
  const groups = new Map<string, number[]>();
  for (const [index, job] of jobs.entries()) {
    if (!job || !isRecordable(job)) continue;
    const key = messageRecordKeyFor(deps.config.archivePrefix, job);
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
          const { redactor, config, logger, metrics } = deps;
          await recordMessage(
            { records: store, ...(redactor ? { redactor } : {}), config, logger, metrics },
            job,
            proven,
          );
          return outcome;
        } catch (error) {
          return settleFailure(deps, records[index] as QueuedRecord, job, error, signal);
        }
      });
    }
  }
  return results;
};

/** One queued job alone: its media, then its message record (a batch of one). */
export const settleRecord = async (
  deps: SettleRecordDeps,
  record: QueuedRecord,
  signal?: AbortSignal,
): Promise<RecordResult> =>
  (await Promise.all(settleBatch(deps, [record], (task) => task(), signal)))[0] as RecordResult;
