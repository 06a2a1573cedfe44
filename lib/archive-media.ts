import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ArchiverConfig } from './config.ts';
import { archiveKeyFor, messageIndexKeyFor, neighbourDayKeysFor } from './domain/archive-key.ts';
import {
  type ArchiveProof,
  deletableWith,
  provenStoredCopy,
  type WholeBy,
  wholeness,
} from './domain/archive-proof.ts';
import {
  ForeignAccountError,
  MediaNotFoundError,
  MediaNotYetAvailableError,
  MediaTooLargeError,
  StorageUnavailableError,
  TruncatedMediaError,
  UnprovenArchiveError,
  UnstableMediaError,
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
  StoredObject,
} from './ports.ts';
import { measureMedia, meterMedia, type SpooledMedia, spoolMedia } from './spool.ts';

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
  /** How this invocation knows S3 holds Twilio's bytes. */
  proof: ArchiveProof;
}

const MAX_METADATA_VALUE = 512;

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
  measured: { size: number; sha256Hex?: string },
  download: MediaDownload,
): ArchiveMetadata => {
  // A one-pass write sends its headers before the last byte: no sha256 there, S3's own stored
  // checksum is the digest (archive-proof.ts).
  const metadata: ArchiveMetadata = {
    'account-sid': job.accountSid,
    'message-sid': job.messageSid,
    'media-sid': job.mediaSid,
    ...(measured.sha256Hex ? { sha256: measured.sha256Hex } : {}),
    size: String(measured.size),
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
 * The use case: exists? → fetch → with an announced length, the download piped through a
 * length guard and SHA-256 into one PUT; without one, spool + hash + a second download that must
 * agree → one PUT S3 confirms → index marker → delete at Twilio. The DELETE is sent only
 * with an `ArchiveProof` of this invocation (`archive-proof.ts`); anything else keeps the media.
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
  let proof: ArchiveProof | undefined;
  if (context.attempt > 1) {
    existing = await store.head(key);
    headed = true;
    proof = provenStoredCopy(existing);
    if (existing && !proof) {
      logger.warn('object at the archive key lacks S3-confirmed checksums; downloading', ids);
    }
  }
  let archive: ArchiveOutcome['archive'] = proof ? 'already-archived' : 'archived';

  if (!proof) {
    const result = await download(deps, job, ref, key, existing, headed, context);
    proof = result.proof;
    archive = result.archive;
  } else {
    logger.info('S3-confirmed copy found, no download', { ...ids, proof: proof.s3 });
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
    if (!deletableWith(proof)) {
      throw new UnprovenArchiveError('no proof that S3 holds the media; kept at Twilio');
    }
    twilio = await source.deleteMedia(ref);
    if (twilio === 'deleted') metrics.addMetric(MetricName.DeletedAtTwilio, MetricUnit.Count, 1);
  }
  logger.info('media archived', {
    ...ids,
    archive,
    twilio,
    size: proof.size,
    wholeBy: proof.wholeBy,
    proof: proof.s3,
  });
  return { key, archive, twilio, size: proof.size, sha256: proof.sha256Hex, proof };
};

/** Fetches and writes the media; returns the proof that S3 now holds it. */
const download = async (
  deps: ArchiveMediaDeps,
  job: MediaJob,
  ref: MediaRef,
  key: string,
  existing: StoredObject | undefined,
  headed: boolean,
  context: ArchiveContext,
): Promise<{ proof: ArchiveProof; archive: ArchiveOutcome['archive'] }> => {
  const { source, store, config } = deps;
  const logger = deps.logger ?? defaultLogger;
  const metrics = deps.metrics ?? defaultMetrics;
  const { signal } = context;
  const ids = { messageSid: job.messageSid, mediaSid: job.mediaSid, key };

  // No conditional GET: a 304 would vouch for a stored copy only as far as its metadata does, and
  // a copy with S3's own proof never gets here.
  const fetchOrNotFound = async () => {
    try {
      const answer = await source.fetchMedia(ref, signal ? { signal } : {});
      if (answer.status === 'not-modified') {
        throw new VerificationFailedError('Twilio answered 304 to an unconditional GET');
      }
      return answer;
    } catch (error) {
      if (!(error instanceof MediaNotYetAvailableError)) throw error;
      // A duplicate job may have archived and deleted it already: 404 is then expected.
      let found = provenStoredCopy(headed ? existing : await store.head(key));
      // A retried webhook that crossed UTC midnight names the same media under the other day.
      for (const neighbour of found ? [] : neighbourDayKeysFor(config.archivePrefix, job)) {
        found = provenStoredCopy(await store.head(neighbour));
        if (found) break;
      }
      if (found) return { foundAfterNotFound: found };
      if (context.attempt >= config.notFoundAttempts) {
        throw new MediaNotFoundError(
          `Twilio answered 404 on attempt ${context.attempt} and no archived copy exists`,
          { cause: error },
        );
      }
      throw error;
    }
  };

  const tooLarge = (media: MediaDownload) => {
    if (media.contentLength !== undefined && media.contentLength > config.maxMediaBytes) {
      media.body.destroy();
      throw new MediaTooLargeError(
        `media announces ${media.contentLength} bytes, more than ${config.maxMediaBytes}`,
      );
    }
  };
  const spool = (media: MediaDownload) => {
    tooLarge(media);
    return spoolMedia(media.body, {
      dir: config.spoolDir,
      ...(config.spoolMemoryBytes !== undefined ? { memoryBytes: config.spoolMemoryBytes } : {}),
      maxBytes: config.maxMediaBytes,
      ...(media.contentLength !== undefined ? { expectedLength: media.contentLength } : {}),
      ...(signal ? { signal } : {}),
    });
  };

  let answer = await fetchOrNotFound();
  if ('foundAfterNotFound' in answer) {
    return { proof: answer.foundAfterNotFound, archive: 'already-archived' };
  }
  if (answer.contentLength !== undefined) {
    return streamInto(deps, job, key, answer, existing, fetchOrNotFound, ids, signal);
  }
  let media = answer;
  let spooled: SpooledMedia;
  try {
    spooled = await spool(media);
  } catch (error) {
    // A body cut off mid-way is usually a one-off: download it once more before giving the
    // record back to the queue (which would cost a whole visibility timeout).
    if (!(error instanceof TruncatedMediaError) || signal?.aborted) throw error;
    logger.warn('media body truncated, downloading it again', { ...ids, reason: error.message });
    answer = await fetchOrNotFound();
    if ('foundAfterNotFound' in answer) {
      return { proof: answer.foundAfterNotFound, archive: 'already-archived' };
    }
    media = answer;
    spooled = await spool(media);
  }
  try {
    const wholeBy = await proveWhole(spooled, media, fetchOrNotFound, deps, ids, signal);
    signal?.throwIfAborted();
    const object = {
      key,
      body: spooled.body,
      size: spooled.size,
      sha256Hex: async () => spooled.sha256Hex,
      contentType: media.contentType,
      metadata: metadataFor(job, spooled, media),
      ...(signal ? { signal } : {}),
    };
    // Only an object we saw and judged unproven is overwritten; anything else is create-only.
    let put = await store.put({ ...object, ifNoneMatch: existing === undefined });
    if (put.outcome === 'exists') {
      const found = provenStoredCopy(await store.head(key));
      if (found && found.sha256Hex === spooled.sha256Hex && found.size === spooled.size) {
        return { proof: { ...found, wholeBy }, archive: 'already-archived' };
      }
      // Never "already archived" on its own word: the download is proven Twilio's bytes, the
      // object is not (or is other bytes). The bucket is versioned, so the old one is kept.
      logger.warn(
        found
          ? 'archived copy differs from the proven download; overwriting it (old version kept)'
          : 'object at the archive key lacks S3-confirmed checksums; overwriting it',
        ids,
      );
      metrics.addMetric(MetricName.ArchiveOverwritten, MetricUnit.Count, 1);
      put = await store.put({ ...object, ifNoneMatch: false });
      if (put.outcome === 'exists') {
        throw new VerificationFailedError('S3 refused an unconditional PUT as existing');
      }
    }
    metrics.addMetric(MetricName.MediaArchived, MetricUnit.Count, 1);
    metrics.addMetric(MetricName.BytesArchived, MetricUnit.Bytes, spooled.size);
    return {
      proof: { size: spooled.size, sha256Hex: spooled.sha256Hex, wholeBy, s3: put.proof },
      archive: 'archived',
    };
  } finally {
    await spooled.remove();
  }
};

/** Downloads per invocation on the one-pass path: a body can be sent once, so a retry re-downloads. */
const STREAM_DOWNLOADS = 2;

/**
 * One pass: the download, counted and hashed on its way, is the PUT's body (no spool, no second
 * read). The announced length proves the bytes whole once the meter let all of them through; S3's
 * echo (or HEAD) of the SHA-256 of those same bytes confirms them. A body that breaks, or a PUT
 * that fails, costs a fresh download (within `STREAM_DOWNLOADS`), never a second read.
 */
const streamInto = async (
  deps: ArchiveMediaDeps,
  job: MediaJob,
  key: string,
  first: MediaDownload,
  existing: StoredObject | undefined,
  fetchAgain: () => Promise<MediaDownload | { foundAfterNotFound: ArchiveProof }>,
  ids: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<{ proof: ArchiveProof; archive: ArchiveOutcome['archive'] }> => {
  const { store, config } = deps;
  const logger = deps.logger ?? defaultLogger;
  const metrics = deps.metrics ?? defaultMetrics;
  // Only an object we saw and judged unproven is overwritten; anything else is create-only.
  let ifNoneMatch = existing === undefined;
  let budget = STREAM_DOWNLOADS;
  let media: MediaDownload = first;
  for (let download = 1; ; download += 1) {
    const size = media.contentLength;
    if (size === undefined) {
      media.body.destroy();
      throw new UnstableMediaError('a second download of the media announced no length; kept');
    }
    if (size > config.maxMediaBytes) {
      media.body.destroy();
      throw new MediaTooLargeError(
        `media announces ${size} bytes, more than ${config.maxMediaBytes}`,
      );
    }
    const metered = meterMedia(media.body, {
      expectedLength: size,
      maxBytes: config.maxMediaBytes,
      ...(signal ? { signal } : {}),
    });
    let reason: string;
    try {
      const put = await store.put({
        key,
        body: () => metered.stream,
        size,
        sha256Hex: async () => (await metered.digest).sha256Hex,
        oneShot: true,
        contentType: media.contentType,
        metadata: metadataFor(job, { size }, media),
        ifNoneMatch,
        ...(signal ? { signal } : {}),
      });
      if (put.outcome === 'created') {
        const { sha256Hex } = await metered.digest;
        metrics.addMetric(MetricName.MediaArchived, MetricUnit.Count, 1);
        metrics.addMetric(MetricName.BytesArchived, MetricUnit.Bytes, size);
        return {
          proof: { size, sha256Hex, wholeBy: 'announced-length', s3: put.proof },
          archive: 'archived',
        };
      }
      if (!ifNoneMatch) {
        throw new VerificationFailedError('S3 refused an unconditional PUT as existing');
      }
      // 412: S3 may answer before reading the whole body; our digest is known only if it did.
      metered.stream.destroy();
      const ours = await metered.digest.catch(() => undefined);
      const found = provenStoredCopy(await store.head(key));
      if (found && found.size === size && (!ours || ours.sha256Hex === found.sha256Hex)) {
        return {
          proof: ours ? { ...found, wholeBy: 'announced-length' } : found,
          archive: 'already-archived',
        };
      }
      // Never "already archived" on its own word. The bucket is versioned: the old one is kept.
      logger.warn(
        found
          ? 'archived copy differs from the download; overwriting it (old version kept)'
          : 'object at the archive key lacks S3-confirmed checksums; overwriting it',
        ids,
      );
      metrics.addMetric(MetricName.ArchiveOverwritten, MetricUnit.Count, 1);
      ifNoneMatch = false;
      // The body went into the refused PUT: the overwrite needs a download of its own.
      budget += 1;
      reason = 'conditional PUT refused';
    } catch (error) {
      metered.stream.destroy();
      const transient =
        error instanceof TruncatedMediaError || error instanceof StorageUnavailableError;
      if (!transient || signal?.aborted || download >= budget) throw error;
      reason = (error as Error).message;
    }
    logger.warn('media not stored in one pass, downloading it again', { ...ids, reason });
    signal?.throwIfAborted();
    const again = await fetchAgain();
    if ('foundAfterNotFound' in again) {
      return { proof: again.foundAfterNotFound, archive: 'already-archived' };
    }
    media = again;
  }
};

/**
 * A matching announced length proves the body whole. Without one (a close-delimited body, or an
 * encoded transfer whose length counts the encoded bytes) a second, independent download must
 * give the same SHA-256; otherwise the media stays at Twilio.
 */
const proveWhole = async (
  spooled: SpooledMedia,
  media: MediaDownload,
  fetchAgain: () => Promise<MediaDownload | { foundAfterNotFound: ArchiveProof }>,
  deps: ArchiveMediaDeps,
  ids: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<WholeBy> => {
  const first = {
    size: spooled.size,
    sha256Hex: spooled.sha256Hex,
    announcedLength: media.contentLength,
  };
  const byLength = wholeness(first);
  if (typeof byLength === 'string') return byLength;
  (deps.logger ?? defaultLogger).info('no usable Content-Length: downloading again to compare', {
    ...ids,
    ...(media.contentEncoding ? { contentEncoding: media.contentEncoding } : {}),
  });
  const again = await fetchAgain();
  if ('foundAfterNotFound' in again) {
    throw new UnstableMediaError('the media vanished at Twilio between two downloads; kept');
  }
  const second = await measureMedia(again.body, {
    maxBytes: deps.config.maxMediaBytes,
    ...(signal ? { signal } : {}),
  });
  const verdict = wholeness(first, second);
  if (typeof verdict === 'string') return verdict;
  throw new UnstableMediaError(`${verdict?.disagree ?? 'no second download'}; kept at Twilio`);
};
