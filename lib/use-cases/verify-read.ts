import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import {
  type ObservedObject,
  type ReadEvidence,
  type ReadVerdict,
  verifyReadBack,
} from '../domain/read-verification.ts';
import type { ArchiveEntryDetails, RecordLookup } from '../ports/archive-reader.ts';

/**
 * The evidence a read path holds for one media: S3's checksum from its GET/HEAD, the record's entry
 * for it (matched by Media SID) when a readable record exists, and its metadata as a mere claim.
 */
export const readEvidenceOf = (
  details: Pick<ArchiveEntryDetails, 's3' | 'size' | 'metadataSha256'> | undefined,
  record: RecordLookup | undefined,
  mediaKey: string,
): ReadEvidence => {
  const name = mediaKey.slice(mediaKey.lastIndexOf('/') + 1);
  const recorded =
    record?.state === 'found'
      ? record.record.media.find((media) => name.startsWith(media.mediaSid))
      : undefined;
  return {
    s3: details?.s3 ?? {},
    ...(recorded ? { recorded: { size: recorded.size, sha256: recorded.sha256 } } : {}),
    claimed: { size: details?.size, sha256: details?.metadataSha256 },
  };
};

/** Verdict on a message record's own bytes: only S3's checksum can speak for them. */
export const verifyRecordBytes = (record: Extract<RecordLookup, { state: 'found' }>): ReadVerdict =>
  verifyReadBack(
    {
      size: record.bytes.length,
      sha256Hex: createHash('sha256').update(record.bytes).digest('hex'),
    },
    { s3: record.s3 },
  );

export interface VerifyingStream extends Transform {
  /** Size and digests of everything that passed; complete once the stream ended. */
  observed(): ObservedObject;
}

/**
 * Hashes (SHA-256) and counts the bytes passing through. With `check`, an Error it returns
 * at the end fails the stream, and the last chunk is held back until then: a client reading the
 * stream never gets a complete body that failed the check.
 */
export const verifyingStream = (
  check?: (observed: ObservedObject) => Error | undefined,
): VerifyingStream => {
  const sha256 = createHash('sha256');
  let size = 0;
  let held: Buffer | undefined;
  let result: ObservedObject | undefined;
  const observed = (): ObservedObject => {
    result ??= { size, sha256Hex: sha256.digest('hex') };
    return result;
  };
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sha256.update(chunk);
      size += chunk.length;
      const previous = held;
      held = check ? chunk : undefined;
      done(null, check ? previous : chunk);
    },
    flush(done) {
      const failure = check?.(observed());
      if (failure) return done(failure);
      done(null, held);
    },
  }) as VerifyingStream;
  stream.observed = observed;
  return stream;
};
