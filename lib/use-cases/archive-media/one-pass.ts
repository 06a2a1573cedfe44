import { provenStoredCopy } from '../../domain/archive-proof.ts';
import {
  StorageUnavailableError,
  TruncatedMediaError,
  UnstableMediaError,
  VerificationFailedError,
} from '../../domain/errors.ts';
import type { MediaDownload } from '../../ports/pipeline.ts';
import { meterMedia } from '../spool.ts';
import { archivedBefore, type FetchAgain, refuseTooLarge } from './fetch.ts';
import { approveOverwrite, countArchived, type Invocation, type Stored } from './invocation.ts';
import { metadataFor } from './metadata.ts';

/** Downloads per invocation on the one-pass path: a body can be sent once, so a retry re-downloads. */
const STREAM_DOWNLOADS = 2;

/**
 * One pass: the download, counted and hashed on its way, is the PUT's body (no spool, no second
 * read). The announced length proves the bytes whole once the meter let all of them through; S3's
 * echo (or HEAD) of the SHA-256 of those same bytes confirms them. A body that breaks, or a PUT
 * that fails, costs a fresh download (within `STREAM_DOWNLOADS`), never a second read.
 */
export const streamInto = async (
  invocation: Invocation,
  first: MediaDownload,
  createOnly: boolean,
  fetchAgain: FetchAgain,
): Promise<Stored> => {
  const { store, config, job, key, ids, logger, signal } = invocation;
  let ifNoneMatch = createOnly;
  let budget = STREAM_DOWNLOADS;
  let media: MediaDownload = first;
  for (let download = 1; ; download += 1) {
    const size = media.contentLength;
    if (size === undefined) {
      media.body.destroy();
      throw new UnstableMediaError('a second download of the media announced no length; kept');
    }
    refuseTooLarge(invocation, media);
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
        countArchived(invocation, size);
        return {
          proof: { size, sha256Hex, wholeBy: 'announced-length', s3: put.proof },
          archive: 'archived',
          contentType: media.contentType,
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
      await approveOverwrite(
        invocation,
        found,
        'archived copy differs from the download; overwriting it (old version kept)',
      );
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
    if ('foundAfterNotFound' in again) return archivedBefore(again);
    media = again;
  }
};
