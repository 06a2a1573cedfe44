import { archiveKeyFor } from '../../domain/archive-key.ts';
import type { ArchiveProof } from '../../domain/archive-proof.ts';
import { OverwriteRefusedError } from '../../domain/errors.ts';
import type { MediaJob } from '../../domain/media-job.ts';
import { isRecordable } from '../../domain/message-record.ts';
import { MetricName, MetricUnit } from '../../domain/metric-names.ts';
import type {
  ArchiveStore,
  MediaRef,
  MediaSource,
  MessageRecordStore,
  StoredObject,
} from '../../ports/pipeline.ts';
import type { Log, MetricSink } from '../../ports/telemetry.ts';

/** The settings archiveMedia reads (lib/config's ArchiverConfig satisfies it). */
export interface ArchiveMediaConfig {
  accountSid: string;
  archivePrefix: string;
  maxMediaBytes: number;
  deleteAfterArchive: boolean;
  /** Attempts during which a 404 counts as Twilio's propagation delay rather than "gone". */
  notFoundAttempts: number;
  spoolDir: string;
  /** Media up to this many bytes are spooled in memory, larger ones in `spoolDir`. */
  spoolMemoryBytes?: number | undefined;
}

export type ArchiveMediaLogger = Pick<Log, 'info' | 'warn'>;
export type ArchiveMediaMetrics = MetricSink;

export interface ArchiveMediaDeps {
  /** TWILIO_SUBACCOUNTS: the accounts served; default only `config.accountSid`. */
  isAllowedAccount?: (accountSid: string) => boolean;
  source: MediaSource;
  store: ArchiveStore;
  /**
   * Present where message records are written (the archiver Lambda): a recordable job's message is
   * then indexed by its record, and no index marker is written for it.
   */
  records?: MessageRecordStore | undefined;
  config: ArchiveMediaConfig;
  logger: ArchiveMediaLogger;
  metrics: ArchiveMediaMetrics;
}

export interface ArchiveContext {
  /** 1 on the first delivery (SQS ApproximateReceiveCount). */
  attempt: number;
  signal?: AbortSignal;
}

/** `archived`: written and verified now; `already-archived`: a verified copy was found. */
export type ArchiveState = 'archived' | 'already-archived';

/** What a download path hands back: the proof that S3 now holds the media. */
export interface Stored {
  proof: ArchiveProof;
  archive: ArchiveState;
  /** The Content-Type S3 holds, when this invocation wrote or read it (spares the record a HEAD). */
  contentType?: string | undefined;
}

/** Everything one `archiveMedia` call works with, built once and passed down whole. */
export interface Invocation {
  source: MediaSource;
  store: ArchiveStore;
  config: ArchiveMediaConfig;
  job: MediaJob;
  ref: MediaRef;
  key: string;
  /** The identifiers every log line of this invocation carries (no phone numbers). */
  ids: { messageSid: string; mediaSid: string; key: string };
  logger: ArchiveMediaLogger;
  metrics: ArchiveMediaMetrics;
  signal: AbortSignal | undefined;
  attempt: number;
  /** Whether the message's record will index it (`indexedByRecord`): then no marker. */
  recorded: boolean;
}

/** Whether this deployment serves the job's account (TWILIO_SUBACCOUNTS, else its own only). */
export const servesAccount = (
  deps: Pick<ArchiveMediaDeps, 'isAllowedAccount' | 'config'>,
  accountSid: string,
): boolean => deps.isAllowedAccount?.(accountSid) ?? accountSid === deps.config.accountSid;

/**
 * Whether a record will name this job's message: a record store is configured and the job carries
 * its message. The record is then the message's only index entry (`_records/{AC}/{day}/`, found by
 * SID through the day listings); elsewhere the zero-byte `_index/{MessageSid}/…` marker is.
 */
export const indexedByRecord = (deps: Pick<ArchiveMediaDeps, 'records'>, job: MediaJob): boolean =>
  deps.records !== undefined && isRecordable(job);

export const invocationFor = (
  deps: ArchiveMediaDeps,
  job: MediaJob,
  context: ArchiveContext,
): Invocation => {
  const key = archiveKeyFor(deps.config.archivePrefix, job);
  const { accountSid, messageSid, mediaSid } = job;
  return {
    source: deps.source,
    store: deps.store,
    config: deps.config,
    job,
    ref: { accountSid, messageSid, mediaSid },
    key,
    ids: { messageSid, mediaSid, key },
    logger: deps.logger,
    metrics: deps.metrics,
    signal: context.signal,
    attempt: context.attempt,
    recorded: indexedByRecord(deps, job),
  };
};

/**
 * Whether this delivery HEADs the key before downloading. The first delivery skips the HEAD: the
 * conditional PUT finds an existing copy for free.
 */
export const headsFirst = (invocation: Invocation): boolean => invocation.attempt > 1;

/**
 * Only an object we saw and judged unproven is overwritten; anything else is create-only.
 * `existing` is what the up-front HEAD found (`undefined` when there was none or no HEAD).
 */
export const createOnly = (existing: StoredObject | undefined): boolean => existing === undefined;

export const countArchived = ({ metrics }: Invocation, size: number): void => {
  metrics.addMetric(MetricName.MediaArchived, MetricUnit.Count, 1);
  metrics.addMetric(MetricName.BytesArchived, MetricUnit.Bytes, size);
};

/**
 * Never "already archived" on its own word: the proven download replaces the object, but only
 * where the bucket keeps the old one as a noncurrent version; elsewhere nothing is overwritten and
 * the media stays at Twilio (`OverwriteRefusedError`, dead-lettered with its reason).
 */
export const approveOverwrite = async (
  { logger, metrics, ids, store }: Invocation,
  found: ArchiveProof | undefined,
  differs: string,
): Promise<void> => {
  if (!(await store.keepsOldVersions())) {
    throw new OverwriteRefusedError(
      'another object is at the archive key and the bucket keeps no old versions: not overwritten, media kept at Twilio',
    );
  }
  logger.warn(
    found ? differs : 'object at the archive key lacks S3-confirmed checksums; overwriting it',
    ids,
  );
  metrics.addMetric(MetricName.ArchiveOverwritten, MetricUnit.Count, 1);
};
