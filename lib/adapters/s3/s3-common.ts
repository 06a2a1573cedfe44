import { createHash } from 'node:crypto';
import type { HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { StorageUnavailableError } from '../../domain/errors.ts';
import type { StoredObject } from '../../ports/pipeline.ts';

/**
 * What the S3 adapters share: how they read an SDK failure, the checksums their small in-memory
 * PUTs carry, and the part of a HEAD answer every stored object describes.
 */

interface S3ErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}

export const statusOf = (error: unknown) => (error as S3ErrorShape)?.$metadata?.httpStatusCode;
export const nameOf = (error: unknown) => (error as S3ErrorShape)?.name ?? 'Error';

export const isNotFound = (error: unknown) =>
  statusOf(error) === 404 || ['NotFound', 'NoSuchKey'].includes(nameOf(error));

/** A create-only PUT (`If-None-Match: *`) that found the key taken. */
export const isPreconditionFailed = (error: unknown) =>
  statusOf(error) === 412 || nameOf(error) === 'PreconditionFailed';

export const unavailable = (action: string, error: unknown) =>
  new StorageUnavailableError(`S3 ${action} failed: ${nameOf(error)}`, { cause: error });

/**
 * Both checksums of a body held in memory, as PutObject fields: S3 checks the bytes against each,
 * and Object Lock refuses a write without one (even of zero bytes).
 */
export const bodyChecksums = (bytes: Uint8Array) => ({
  ContentMD5: createHash('md5').update(bytes).digest('base64'),
  ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
});

/** Size, metadata, type, ETag and encryption of a HEAD answer; checksums are each caller's reading. */
export const storedObjectOf = (key: string, answer: HeadObjectCommandOutput): StoredObject => {
  const stored: StoredObject = {
    key,
    size: answer.ContentLength ?? 0,
    metadata: { ...(answer.Metadata ?? {}) },
  };
  if (answer.ContentType) stored.contentType = answer.ContentType;
  if (answer.ETag) stored.etag = answer.ETag;
  if (answer.ServerSideEncryption) stored.serverSideEncryption = answer.ServerSideEncryption;
  return stored;
};
