import { messageIndexKeyFor } from '../domain/archive-key.ts';
import { type ArchiveProof, deletableWith, provenStoredCopy } from '../domain/archive-proof.ts';
import { ForeignAccountError, UnprovenArchiveError } from '../domain/errors.ts';
import type { MediaJob } from '../domain/media-job.ts';
import { MetricName, MetricUnit } from '../domain/metric-names.ts';
import type { ArchiveStore, StoredObject } from '../ports/pipeline.ts';
import { archivedBefore, fetchOrNotFound } from './archive-media/fetch.ts';
import {
  type ArchiveContext,
  type ArchiveMediaDeps,
  type ArchiveState,
  createOnly,
  headsFirst,
  type Invocation,
  invocationFor,
  type Stored,
  servesAccount,
} from './archive-media/invocation.ts';
import { streamInto } from './archive-media/one-pass.ts';
import { spoolInto } from './archive-media/spooled.ts';

export type {
  ArchiveContext,
  ArchiveMediaConfig,
  ArchiveMediaDeps,
  ArchiveMediaLogger,
  ArchiveMediaMetrics,
} from './archive-media/invocation.ts';
export { asciiMetadataValue } from './archive-media/metadata.ts';

export interface ArchiveOutcome {
  key: string;
  /** `archived`: written and verified now; `already-archived`: a verified copy was found. */
  archive: ArchiveState;
  twilio: 'deleted' | 'already-gone' | 'kept';
  size: number;
  sha256?: string | undefined;
  /** How this invocation knows S3 holds Twilio's bytes. */
  proof: ArchiveProof;
  /** The Content-Type S3 holds, when this invocation wrote or read it. */
  contentType?: string | undefined;
}

/**
 * The use case: exists? → fetch → with an announced length, the download piped through a
 * length guard and SHA-256 into one PUT (`one-pass.ts`); without one, spool + hash + a second
 * download that must agree → one PUT S3 confirms (`spooled.ts`) → delete at Twilio. The index
 * marker goes before the download, so a redelivery that finds the media proven knows it is there. The DELETE is sent only with an `ArchiveProof` of this invocation (`archive-proof.ts`);
 * anything else keeps the media.
 */
export const archiveMedia = async (
  deps: ArchiveMediaDeps,
  job: MediaJob,
  context: ArchiveContext,
): Promise<ArchiveOutcome> => {
  if (!servesAccount(deps, job.accountSid)) {
    throw new ForeignAccountError('job belongs to an account this deployment does not serve');
  }
  const invocation = invocationFor(deps, job, context);
  const { key, ids, logger, metrics } = invocation;
  const { proof, archive, contentType } = await storedCopy(invocation);
  if (archive === 'already-archived') {
    metrics.addMetric(MetricName.DuplicatesSkipped, MetricUnit.Count, 1);
  }
  const twilio = await deleteAtTwilio(invocation, proof);
  logger.info('media archived', {
    ...ids,
    archive,
    twilio,
    size: proof.size,
    wholeBy: proof.wholeBy,
    proof: proof.s3,
  });
  return {
    key,
    archive,
    twilio,
    size: proof.size,
    sha256: proof.sha256Hex,
    proof,
    ...(contentType ? { contentType } : {}),
  };
};

/** A copy S3 already proves (redeliveries only), else a download written now. */
const storedCopy = async (invocation: Invocation): Promise<Stored> => {
  const { store, key, ids, logger } = invocation;
  let existing: StoredObject | undefined;
  if (headsFirst(invocation)) {
    existing = await store.head(key);
    const proof = provenStoredCopy(existing);
    if (proof) {
      logger.info('S3-confirmed copy found, no download', { ...ids, proof: proof.s3 });
      // Its marker (if any) went in before that copy was written (below): no write, no second read.
      return { proof, archive: 'already-archived', contentType: existing?.contentType };
    }
    if (existing) {
      logger.warn('object at the archive key lacks S3-confirmed checksums; downloading', ids);
    }
  }
  await markMessage(invocation);
  return download(invocation, existing);
};

/** Fetches and writes the media; returns the proof that S3 now holds it. */
const download = async (
  invocation: Invocation,
  existing: StoredObject | undefined,
): Promise<Stored> => {
  const fetchAgain = () => fetchOrNotFound(invocation, existing);
  const first = await fetchAgain();
  if ('foundAfterNotFound' in first) return archivedBefore(first);
  // An unproven object found up front is replaced by an unconditional PUT only where the old one
  // survives as a version; elsewhere the PUT stays create-only and its 412 decides (the same
  // bytes: archived; other bytes: refused, the media kept at Twilio).
  const replaceable = existing !== undefined && (await invocation.store.keepsOldVersions());
  const write = first.contentLength !== undefined ? streamInto : spoolInto;
  return write(invocation, first, createOnly(existing) || !replaceable, fetchAgain);
};

/**
 * Where no record will index the message (records off, jobs without their message), its first
 * media writes the index marker, before its media: whenever the media is proven in S3, its marker
 * is too, so a redelivery need not write or read it again. A marker whose media then fails still
 * names the day the message reached us, which is all it says. A recorded message is found by its
 * record (`_records/{AC}/{day}/{MessageSid}.json`), or by the marker its dead letter writes.
 */
const markMessage = async ({ store, config, job, signal, recorded }: Invocation): Promise<void> => {
  signal?.throwIfAborted();
  if (job.index !== 0 || recorded) return;
  await putMessageMarker(store, config.archivePrefix, job);
};

/** The zero-byte `_index/{MessageSid}/{AC}/{YYYY}/{MM}/{DD}` entry; idempotent. */
export const putMessageMarker = (
  store: Pick<ArchiveStore, 'putMarker'>,
  archivePrefix: string,
  job: MediaJob,
): Promise<void> =>
  store.putMarker(messageIndexKeyFor(archivePrefix, job), {
    'account-sid': job.accountSid,
    'message-sid': job.messageSid,
    'received-at': job.receivedAt,
  });

const deleteAtTwilio = async (
  { source, config, ref, metrics, signal }: Invocation,
  proof: ArchiveProof,
): Promise<ArchiveOutcome['twilio']> => {
  if (!config.deleteAfterArchive) return 'kept';
  signal?.throwIfAborted();
  if (!deletableWith(proof)) {
    throw new UnprovenArchiveError('no proof that S3 holds the media; kept at Twilio');
  }
  const twilio = await source.deleteMedia(ref);
  if (twilio === 'deleted') metrics.addMetric(MetricName.DeletedAtTwilio, MetricUnit.Count, 1);
  return twilio;
};
