import { createHash } from 'node:crypto';
import { StorageUnavailableError } from '../../domain/errors.ts';

/** How the S3 adapters read an SDK failure, and the checksums their small in-memory PUTs carry. */

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
