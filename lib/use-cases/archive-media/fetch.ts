import { neighbourDayKeysFor } from '../../domain/archive-key.ts';
import { type ArchiveProof, provenStoredCopy } from '../../domain/archive-proof.ts';
import {
  MediaNotFoundError,
  MediaNotYetAvailableError,
  MediaTooLargeError,
  VerificationFailedError,
} from '../../domain/errors.ts';
import type { MediaDownload, StoredObject } from '../../ports/pipeline.ts';
import { headsFirst, type Invocation, type Stored } from './invocation.ts';

/** A download, or — after Twilio's 404 — the proof of a copy already archived. */
export type Fetched = MediaDownload | { foundAfterNotFound: ArchiveProof };

/** A 404 after a duplicate job archived (and deleted) the media: its copy is the proof. */
export const archivedBefore = (fetched: { foundAfterNotFound: ArchiveProof }): Stored => ({
  proof: fetched.foundAfterNotFound,
  archive: 'already-archived',
});

/** Fetches the media again (same rules as the first time); each download path receives one. */
export type FetchAgain = () => Promise<Fetched>;

/**
 * One GET at Twilio. No conditional GET: a 304 would vouch for a stored copy only as far as its
 * metadata does, and a copy with S3's own proof never gets here. `existing` is what the up-front
 * HEAD found, so a 404 needs no second HEAD of the same key.
 */
export const fetchOrNotFound = async (
  invocation: Invocation,
  existing: StoredObject | undefined,
): Promise<Fetched> => {
  const { source, store, config, job, ref, key, signal, attempt } = invocation;
  try {
    const answer = await source.fetchMedia(ref, signal ? { signal } : {});
    if (answer.status === 'not-modified') {
      throw new VerificationFailedError('Twilio answered 304 to an unconditional GET');
    }
    return answer;
  } catch (error) {
    if (!(error instanceof MediaNotYetAvailableError)) throw error;
    // A duplicate job may have archived and deleted it already: 404 is then expected.
    let found = provenStoredCopy(headsFirst(invocation) ? existing : await store.head(key));
    // A retried webhook that crossed UTC midnight names the same media under the other day.
    for (const neighbour of found ? [] : neighbourDayKeysFor(config.archivePrefix, job)) {
      found = provenStoredCopy(await store.head(neighbour));
      if (found) break;
    }
    if (found) return { foundAfterNotFound: found };
    if (attempt >= config.notFoundAttempts) {
      throw new MediaNotFoundError(
        `Twilio answered 404 on attempt ${attempt} and no archived copy exists`,
        { cause: error },
      );
    }
    throw error;
  }
};

/** Refuses, before reading a byte, a body that announces more than the limit. */
export const refuseTooLarge = ({ config }: Invocation, media: MediaDownload): void => {
  if (media.contentLength !== undefined && media.contentLength > config.maxMediaBytes) {
    media.body.destroy();
    throw new MediaTooLargeError(
      `media announces ${media.contentLength} bytes, more than ${config.maxMediaBytes}`,
    );
  }
};
