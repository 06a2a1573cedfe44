import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ArchiverConfig } from './config.ts';
import { archiveKeyFor, messageIndexKeyFor, neighbourDayKeysFor } from './domain/archive-key.ts';
import {
  ForeignAccountError,
  MediaNotFoundError,
  MediaNotYetAvailableError,
  MediaTooLargeError,
  TruncatedMediaError,
  VerificationFailedError,
} from './domain/errors.ts';
import type { MediaJob } from './domain/media-job.ts';
import { logger as defaultLogger, metrics as defaultMetrics, MetricName } from './observability.ts';
import type {
  ArchiveMetadata,
  ArchiveStore,
  MediaDownload,
  MediaRef,
  MediaSource,
  SourceValidators,
  StoredObject,
} from './ports.ts';
import { type SpooledMedia, spoolMedia } from './spool.ts';

export type ArchiveMediaConfig = Pick<
  ArchiverConfig,
  | 'accountSid'
  | 'archivePrefix'
  | 'maxMediaBytes'
  | 'deleteAfterArchive'
  | 'notFoundAttempts'
  | 'spoolDir'
  | 'spoolMemoryBytes'
>;

export type ArchiveMediaLogger = Pick<Logger, 'info' | 'warn'>;
export interface ArchiveMediaMetrics {
  addMetric(
    name: string,
    unit: (typeof MetricUnit)[keyof typeof MetricUnit],
    value: number,
  ): unknown;
}

export interface ArchiveMediaDeps {
  /** TWILIO_SUBACCOUNTS: the accounts served; default only `config.accountSid`. */
  isAllowedAccount?: (accountSid: string) => boolean;
  source: MediaSource;
  store: ArchiveStore;
  config: ArchiveMediaConfig;
  logger?: ArchiveMediaLogger;
  metrics?: ArchiveMediaMetrics;
}

export interface ArchiveContext {
  /** 1 on the first delivery (SQS ApproximateReceiveCount). */
  attempt: number;
  signal?: AbortSignal;
}

export interface ArchiveOutcome {
  key: string;
  /** `archived`: written and verified now; `already-archived`: a verified copy was found. */
  archive: 'archived' | 'already-archived';
  twilio: 'deleted' | 'already-gone' | 'kept';
  size: number;
  sha256?: string | undefined;
}

interface VerifiedCopy {
  size: number;
  /** Absent only for a copy accepted on a 304 whose metadata lacks it. */
  sha256?: string | undefined;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_METADATA_VALUE = 512;

/** A stored copy counts as archived when its own metadata vouches for exactly its length. */
export const verifiedCopyOf = (stored: StoredObject | undefined): VerifiedCopy | undefined => {
  if (!stored) return undefined;
  const { sha256, size } = stored.metadata;
  if (!sha256 || !SHA256_HEX.test(sha256) || size === undefined || !/^\d+$/.test(size)) {
    return undefined;
  }
  return Number(size) === stored.size ? { size: stored.size, sha256 } : undefined;
};

/**
 * S3 user metadata travels as HTTP headers: printable ASCII only, and 2 KB in total. Values that
 * are not plain ASCII (or contain `%`) are percent-encoded, so `decodeURIComponent` always reads
 * them back.
 */
export const asciiMetadataValue = (value: string): string => {
  const printable = /^[\x20-\x7e]*$/.test(value) && !value.includes('%');
  if (printable && value.length <= MAX_METADATA_VALUE) return value;
  let chars = Array.from(value);
  let encoded = encodeURIComponent(value);
  while (encoded.length > MAX_METADATA_VALUE) {
    chars = chars.slice(0, -1);
    encoded = encodeURIComponent(chars.join(''));
  }
  return encoded;
};

const metadataFor = (
  job: MediaJob,
  spooled: { size: number; sha256Hex: string },
  download: MediaDownload,
): ArchiveMetadata => {
  const metadata: ArchiveMetadata = {
    'account-sid': job.accountSid,
    'message-sid': job.messageSid,
    'media-sid': job.mediaSid,
    sha256: spooled.sha256Hex,
    size: String(spooled.size),
    'received-at': job.receivedAt,
  };
  if (download.etag) metadata['source-etag'] = asciiMetadataValue(download.etag);
  if (download.lastModified) {
    metadata['source-last-modified'] = asciiMetadataValue(download.lastModified);
  }
  if (download.filename) metadata['original-filename'] = asciiMetadataValue(download.filename);
  if (job.from) metadata.from = asciiMetadataValue(job.from);
  if (job.to) metadata.to = asciiMetadataValue(job.to);
  return metadata;
};

/**
 * The use case: exists? → fetch → spool + hash → one verified PUT → index marker → delete at
 * Twilio. The media is deleted only once this invocation saw a verified copy in the archive.
 */
export const archiveMedia = async (
  deps: ArchiveMediaDeps,
  job: MediaJob,
  context: ArchiveContext,
): Promise<ArchiveOutcome> => {
  const { source, store, config } = deps;
  const logger = deps.logger ?? defaultLogger;
  const metrics = deps.metrics ?? defaultMetrics;
  const { signal } = context;
  if (!(deps.isAllowedAccount?.(job.accountSid) ?? job.accountSid === config.accountSid)) {
    throw new ForeignAccountError('job belongs to an account this deployment does not serve');
  }
  const key = archiveKeyFor(config.archivePrefix, job);
  const ref: MediaRef = {
    accountSid: job.accountSid,
    messageSid: job.messageSid,
    mediaSid: job.mediaSid,
  };
  const ids = { messageSid: job.messageSid, mediaSid: job.mediaSid, key };

  // The first delivery skips the HEAD: the conditional PUT finds an existing copy for free.
  let existing: StoredObject | undefined;
  let headed = false;
  let verified: VerifiedCopy | undefined;
  if (context.attempt > 1) {
    existing = await store.head(key);
    headed = true;
    verified = verifiedCopyOf(existing);
  }
  let archive: ArchiveOutcome['archive'] = verified ? 'already-archived' : 'archived';

  if (!verified) {
    const result = await download(deps, job, ref, key, existing, headed, context);
    verified = result.copy;
    archive = result.archive;
  } else {
    logger.info('verified copy found, no download', ids);
  }
  if (archive === 'already-archived') {
    metrics.addMetric(MetricName.DuplicatesSkipped, MetricUnit.Count, 1);
  }

  signal?.throwIfAborted();
  if (job.index === 0) {
    await store.putMarker(messageIndexKeyFor(config.archivePrefix, job), {
      'account-sid': job.accountSid,
      'message-sid': job.messageSid,
      'received-at': job.receivedAt,
    });
  }

  let twilio: ArchiveOutcome['twilio'] = 'kept';
  if (config.deleteAfterArchive) {
    signal?.throwIfAborted();
    twilio = await source.deleteMedia(ref);
    if (twilio === 'deleted') metrics.addMetric(MetricName.DeletedAtTwilio, MetricUnit.Count, 1);
  }
  logger.info('media archived', { ...ids, archive, twilio, size: verified.size });
  return { key, archive, twilio, size: verified.size, sha256: verified.sha256 };
};

/** Fetches and writes the media; returns the verified copy S3 now holds. */
const download = async (
  deps: ArchiveMediaDeps,
  job: MediaJob,
  ref: MediaRef,
  key: string,
  existing: StoredObject | undefined,
  headed: boolean,
  context: ArchiveContext,
): Promise<{ copy: VerifiedCopy; archive: ArchiveOutcome['archive'] }> => {
  const { source, store, config } = deps;
  const logger = deps.logger ?? defaultLogger;
  const metrics = deps.metrics ?? defaultMetrics;
  const { signal } = context;
  const ids = { messageSid: job.messageSid, mediaSid: job.mediaSid, key };

  const validators: SourceValidators = {};
  if (existing?.metadata['source-etag']) validators.etag = existing.metadata['source-etag'];
  if (existing?.metadata['source-last-modified']) {
    validators.lastModified = existing.metadata['source-last-modified'];
  }
  const conditional = validators.etag !== undefined || validators.lastModified !== undefined;

  const fetchOrNotFound = async (withValidators: boolean) => {
    try {
      return await source.fetchMedia(ref, {
        ...(withValidators && conditional ? { validators } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (!(error instanceof MediaNotYetAvailableError)) throw error;
      // A duplicate job may have archived and deleted it already: 404 is then expected.
      let found = verifiedCopyOf(headed ? existing : await store.head(key));
      // A retried webhook that crossed UTC midnight names the same media under the other day.
      for (const neighbour of found ? [] : neighbourDayKeysFor(config.archivePrefix, job)) {
        found = verifiedCopyOf(await store.head(neighbour));
        if (found) break;
      }
      if (found) return { ...found, foundAfterNotFound: true as const };
      if (context.attempt >= config.notFoundAttempts) {
        throw new MediaNotFoundError(
          `Twilio answered 404 on attempt ${context.attempt} and no archived copy exists`,
          { cause: error },
        );
      }
      throw error;
    }
  };

  let answer = await fetchOrNotFound(true);
  if ('foundAfterNotFound' in answer) return { copy: answer, archive: 'already-archived' };
  if (answer.status === 'not-modified') {
    // Unchanged at the source: the copy is good if it is whole; otherwise fetch it afresh.
    if (existing && existing.metadata.size === String(existing.size)) {
      logger.info('source unchanged (304), keeping the archived copy', ids);
      return {
        copy: { size: existing.size, sha256: existing.metadata.sha256 },
        archive: 'already-archived',
      };
    }
    answer = await fetchOrNotFound(false);
    if ('foundAfterNotFound' in answer) return { copy: answer, archive: 'already-archived' };
    if (answer.status === 'not-modified') {
      throw new VerificationFailedError('Twilio answered 304 to an unconditional GET');
    }
  }

  const spool = (download: MediaDownload) => {
    if (download.contentLength !== undefined && download.contentLength > config.maxMediaBytes) {
      download.body.destroy();
      throw new MediaTooLargeError(
        `media announces ${download.contentLength} bytes, more than ${config.maxMediaBytes}`,
      );
    }
    return spoolMedia(download.body, {
      dir: config.spoolDir,
      ...(config.spoolMemoryBytes !== undefined ? { memoryBytes: config.spoolMemoryBytes } : {}),
      maxBytes: config.maxMediaBytes,
      ...(download.contentLength !== undefined ? { expectedLength: download.contentLength } : {}),
      ...(signal ? { signal } : {}),
    });
  };
  let media = answer;
  let spooled: SpooledMedia;
  try {
    spooled = await spool(media);
  } catch (error) {
    // A body cut off mid-way is usually a one-off: download it once more before giving the
    // record back to the queue (which would cost a whole visibility timeout).
    if (!(error instanceof TruncatedMediaError) || signal?.aborted) throw error;
    logger.warn('media body truncated, downloading it again', { ...ids, reason: error.message });
    const again = await fetchOrNotFound(false);
    if ('foundAfterNotFound' in again) return { copy: again, archive: 'already-archived' };
    if (again.status === 'not-modified') throw error;
    media = again;
    spooled = await spool(media);
  }
  try {
    signal?.throwIfAborted();
    const object = {
      key,
      body: spooled.body,
      size: spooled.size,
      sha256Hex: spooled.sha256Hex,
      md5Base64: spooled.md5Base64,
      contentType: media.contentType,
      metadata: metadataFor(job, spooled, media),
    };
    // Only an object we saw and judged unverified is overwritten; anything else is create-only.
    let put = await store.put({ ...object, ifNoneMatch: existing === undefined });
    if (put.outcome === 'exists') {
      const found = verifiedCopyOf(await store.head(key));
      if (found) {
        if (found.sha256 !== spooled.sha256Hex) {
          logger.warn(
            'archived copy differs from the fresh download; keeping the archived one',
            ids,
          );
        }
        return { copy: found, archive: 'already-archived' };
      }
      logger.warn('unverified object at the archive key, overwriting it', ids);
      put = await store.put({ ...object, ifNoneMatch: false });
      if (put.outcome === 'exists') {
        throw new VerificationFailedError('S3 refused an unconditional PUT as existing');
      }
    }
    metrics.addMetric(MetricName.MediaArchived, MetricUnit.Count, 1);
    metrics.addMetric(MetricName.BytesArchived, MetricUnit.Bytes, spooled.size);
    return { copy: { size: spooled.size, sha256: spooled.sha256Hex }, archive: 'archived' };
  } finally {
    await spooled.remove();
  }
};
