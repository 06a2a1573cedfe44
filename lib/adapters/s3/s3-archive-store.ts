import { setTimeout as delay } from 'node:timers/promises';
import {
  GetBucketVersioningCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type Digest, s3Confirms } from '../../domain/archive-proof.ts';
import { ArchiverError, VerificationFailedError } from '../../domain/errors.ts';
import type {
  ArchiveStore,
  PutArchiveObject,
  PutResult,
  StoredObject,
} from '../../ports/pipeline.ts';
import {
  bodyChecksums,
  isNotFound,
  isPreconditionFailed,
  nameOf,
  storedObjectOf,
  unavailable,
} from './s3-common.ts';

export interface S3ArchiveStoreOptions {
  client: S3Client;
  bucket: string;
  /** Tries per PUT: the SDK never retries a streamed body, so we do, with a fresh stream. */
  putAttempts?: number;
}

/** S3's ways of saying "the bytes you sent do not match the checksum you sent". */
const DIGEST_ERRORS = new Set([
  'BadDigest',
  'InvalidDigest',
  'XAmzContentChecksumMismatch',
  'XAmzContentSHA256Mismatch',
]);

/** Object Lock refuses writes without a checksum, even of zero bytes. */
const EMPTY_BODY_CHECKSUMS = bodyChecksums(new Uint8Array());
const base64ToHex = (base64: string) => Buffer.from(base64, 'base64').toString('hex');
const isAbort = (error: unknown, signal: AbortSignal | undefined) =>
  signal?.aborted === true || nameOf(error) === 'AbortError';
const unquote = (etag: string | undefined) => etag?.replace(/^"|"$/g, '');

/**
 * The SDK wraps a streamed body in an aws-chunked stream that is destroyed with the source's
 * error, and its HTTP handler only `pipe`s that wrapper into the request: with nobody listening
 * for its 'error', a download that fails mid-body would be an uncaught exception ending the
 * process (docs/LOCAL-S3.md). The PUT itself is aborted by `putOnce` when the body fails.
 */
const listenOnChunkedBody = (client: S3Client) => {
  client.middlewareStack.add(
    (next) => async (args) => {
      const body = (args.request as { body?: { on?: (event: string, f: () => void) => void } })
        .body;
      if (typeof body?.on === 'function') body.on('error', () => undefined);
      return next(args);
    },
    { step: 'finalizeRequest', name: 'archiveChunkedBodyErrorListener', override: true },
  );
};

/**
 * The archive bucket on S3 (or an S3-compatible endpoint). Every PUT asks the SDK for a SHA-256
 * computed on the fly (a trailing `x-amz-checksum-sha256` on an aws-chunked body), so S3 itself
 * checks the bytes it received; "created" is returned only once S3's echo (or a HEAD) matches
 * the SHA-256 we computed over the same bytes.
 */
export const createS3ArchiveStore = ({
  client,
  bucket,
  putAttempts = 3,
}: S3ArchiveStoreOptions): ArchiveStore => {
  listenOnChunkedBody(client);
  const head = async (key: string): Promise<StoredObject | undefined> => {
    try {
      // ChecksumMode: S3's own stored checksum is the only proof of a copy we did not just write.
      const answer = await client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      const stored = storedObjectOf(key, answer);
      if (answer.LastModified) stored.lastModified = answer.LastModified;
      if (answer.ChecksumSHA256) stored.checksumSha256 = answer.ChecksumSHA256;
      if (answer.ChecksumType) stored.checksumType = answer.ChecksumType;
      return stored;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw unavailable('HEAD', error);
    }
  };

  /** A HEAD after a PUT whose answer proved nothing: S3's stored checksum must match. */
  const confirmByHead = async (object: PutArchiveObject, expected: Digest) => {
    const stored = await head(object.key);
    if (!stored || stored.size !== object.size) {
      throw new VerificationFailedError('S3 does not hold the object just written');
    }
    const proof = s3Confirms(stored, expected);
    if (!proof) {
      throw new VerificationFailedError(
        'S3 confirmed no checksum of the object just written (no SHA-256 echo, none on HEAD)',
      );
    }
    return proof;
  };

  const putOnce = async (object: PutArchiveObject): Promise<PutResult> => {
    const body = object.body();
    // A body that fails (a dropped download, a length guard) must fail the PUT, not hang it.
    const bodyFailed = new AbortController();
    let bodyError: unknown;
    body.once('error', (error) => {
      bodyError = error;
      bodyFailed.abort(error);
    });
    const abortSignal = object.signal
      ? AbortSignal.any([object.signal, bodyFailed.signal])
      : bodyFailed.signal;
    const sendPut = () =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: object.key,
          Body: body,
          ContentLength: object.size,
          ContentType: object.contentType,
          ChecksumAlgorithm: 'SHA256',
          Metadata: { ...object.metadata },
          ...(object.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
        }),
        { abortSignal },
      );
    let answer: Awaited<ReturnType<typeof sendPut>>;
    try {
      answer = await sendPut();
    } catch (error) {
      body.destroy();
      if (bodyError !== undefined && !object.signal?.aborted) throw bodyError;
      throw error;
    }
    const expected: Digest = { size: object.size, sha256Hex: await object.sha256Hex() };
    const etag = unquote(answer.ETag);
    const base = etag ? { etag } : {};
    if (
      answer.ChecksumSHA256 !== undefined &&
      base64ToHex(answer.ChecksumSHA256) !== expected.sha256Hex
    ) {
      throw new VerificationFailedError('S3 echoed another SHA-256 than the bytes sent');
    }
    const proof = s3Confirms(
      {
        checksumSha256: answer.ChecksumSHA256,
        checksumType: answer.ChecksumType,
        serverSideEncryption: answer.ServerSideEncryption,
      },
      expected,
    );
    if (proof) return { outcome: 'created', verifiedBy: 'checksum', proof, ...base };
    return {
      outcome: 'created',
      verifiedBy: 'head',
      proof: await confirmByHead(object, expected),
      ...base,
    };
  };

  const put = async (object: PutArchiveObject): Promise<PutResult> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await putOnce(object);
      } catch (error) {
        if (isPreconditionFailed(error)) return { outcome: 'exists' };
        // The body's own failure (truncated, too large) is the download's, not S3's.
        if (error instanceof ArchiverError) throw error;
        if (isAbort(error, object.signal))
          throw unavailable('PUT (stopped at the deadline)', error);
        if (attempt < putAttempts && !object.oneShot) {
          await delay(100 * attempt);
          continue;
        }
        if (DIGEST_ERRORS.has(nameOf(error))) {
          throw new VerificationFailedError(`S3 refused the checksums: ${nameOf(error)}`, {
            cause: error,
          });
        }
        throw unavailable('PUT', error);
      }
    }
  };

  const putMarker = async (key: string, metadata: Record<string, string>): Promise<void> => {
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: '',
          ContentLength: 0,
          ...EMPTY_BODY_CHECKSUMS,
          Metadata: metadata,
        }),
      );
    } catch (error) {
      throw unavailable('PUT marker', error);
    }
  };

  // Asked only before an overwrite (rare); a bucket's versioning can be turned on but never off,
  // so a yes is kept for the process, a no is asked again next time.
  let versioned = false;
  const keepsOldVersions = async (): Promise<boolean> => {
    if (versioned) return true;
    try {
      const { Status } = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
      versioned = Status === 'Enabled';
    } catch {
      versioned = false;
    }
    return versioned;
  };

  return { head, put, putMarker, keepsOldVersions };
};
