import { provenStoredCopy, type WholeBy, wholeness } from '../../domain/archive-proof.ts';
import {
  TruncatedMediaError,
  UnstableMediaError,
  VerificationFailedError,
} from '../../domain/errors.ts';
import type { MediaDownload } from '../../ports/pipeline.ts';
import { measureMedia, type SpooledMedia, spoolMedia } from '../spool.ts';
import { archivedBefore, type FetchAgain, refuseTooLarge } from './fetch.ts';
import { approveOverwrite, countArchived, type Invocation, type Stored } from './invocation.ts';
import { metadataFor } from './metadata.ts';

const spool = (invocation: Invocation, media: MediaDownload): Promise<SpooledMedia> => {
  const { config, signal } = invocation;
  refuseTooLarge(invocation, media);
  return spoolMedia(media.body, {
    dir: config.spoolDir,
    ...(config.spoolMemoryBytes !== undefined ? { memoryBytes: config.spoolMemoryBytes } : {}),
    maxBytes: config.maxMediaBytes,
    ...(media.contentLength !== undefined ? { expectedLength: media.contentLength } : {}),
    ...(signal ? { signal } : {}),
  });
};

/**
 * A body without an announced length: spooled and hashed, proven whole (`proveWhole`), then one
 * PUT from the re-readable spool that S3 confirms.
 */
export const spoolInto = async (
  invocation: Invocation,
  first: MediaDownload,
  createOnly: boolean,
  fetchAgain: FetchAgain,
): Promise<Stored> => {
  const { store, job, key, ids, logger, signal } = invocation;
  let media = first;
  let spooled: SpooledMedia;
  try {
    spooled = await spool(invocation, media);
  } catch (error) {
    // A body cut off mid-way is usually a one-off: download it once more before giving the
    // record back to the queue (which would cost a whole visibility timeout).
    if (!(error instanceof TruncatedMediaError) || signal?.aborted) throw error;
    logger.warn('media body truncated, downloading it again', { ...ids, reason: error.message });
    const again = await fetchAgain();
    if ('foundAfterNotFound' in again) return archivedBefore(again);
    media = again;
    spooled = await spool(invocation, media);
  }
  try {
    const wholeBy = await proveWhole(invocation, spooled, media, fetchAgain);
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
    let put = await store.put({ ...object, ifNoneMatch: createOnly });
    if (put.outcome === 'exists') {
      const found = provenStoredCopy(await store.head(key));
      if (found && found.sha256Hex === spooled.sha256Hex && found.size === spooled.size) {
        return { proof: { ...found, wholeBy }, archive: 'already-archived' };
      }
      // The download is proven Twilio's bytes; the object is not (or is other bytes).
      await approveOverwrite(
        invocation,
        found,
        'archived copy differs from the proven download; overwriting it (old version kept)',
      );
      put = await store.put({ ...object, ifNoneMatch: false });
      if (put.outcome === 'exists') {
        throw new VerificationFailedError('S3 refused an unconditional PUT as existing');
      }
    }
    countArchived(invocation, spooled.size);
    return {
      proof: { size: spooled.size, sha256Hex: spooled.sha256Hex, wholeBy, s3: put.proof },
      archive: 'archived',
      contentType: media.contentType,
    };
  } finally {
    await spooled.remove();
  }
};

/**
 * A matching announced length proves the body whole. Without one (a close-delimited body, or an
 * encoded transfer whose length counts the encoded bytes) a second, independent download must
 * give the same SHA-256; otherwise the media stays at Twilio.
 */
const proveWhole = async (
  { config, ids, logger, signal }: Invocation,
  spooled: SpooledMedia,
  media: MediaDownload,
  fetchAgain: FetchAgain,
): Promise<WholeBy> => {
  const first = {
    size: spooled.size,
    sha256Hex: spooled.sha256Hex,
    announcedLength: media.contentLength,
  };
  const byLength = wholeness(first);
  if (typeof byLength === 'string') return byLength;
  logger.info('no usable Content-Length: downloading again to compare', {
    ...ids,
    ...(media.contentEncoding ? { contentEncoding: media.contentEncoding } : {}),
  });
  const again = await fetchAgain();
  if ('foundAfterNotFound' in again) {
    throw new UnstableMediaError('the media vanished at Twilio between two downloads; kept');
  }
  const second = await measureMedia(again.body, {
    maxBytes: config.maxMediaBytes,
    ...(signal ? { signal } : {}),
  });
  const verdict = wholeness(first, second);
  if (typeof verdict === 'string') return verdict;
  throw new UnstableMediaError(`${verdict?.disagree ?? 'no second download'}; kept at Twilio`);
};
