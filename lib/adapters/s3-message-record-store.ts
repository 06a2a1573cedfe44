import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StorageUnavailableError, VerificationFailedError } from '../domain/errors.ts';
import type { MessageRecordStore, StoredObject } from '../ports.ts';

interface S3ErrorShape {
  name?: string;
  $metadata?: { httpStatusCode?: number };
}
const statusOf = (error: unknown) => (error as S3ErrorShape)?.$metadata?.httpStatusCode;
const nameOf = (error: unknown) => (error as S3ErrorShape)?.name ?? 'Error';
const isNotFound = (error: unknown) =>
  statusOf(error) === 404 || ['NotFound', 'NoSuchKey'].includes(nameOf(error));
const isPreconditionFailed = (error: unknown) =>
  statusOf(error) === 412 || nameOf(error) === 'PreconditionFailed';
const unavailable = (action: string, error: unknown) =>
  new StorageUnavailableError(`S3 ${action} failed: ${nameOf(error)}`, { cause: error });

/**
 * Message records in the archive bucket. Their writes carry the same two checksums as media
 * writes (which also satisfies Object Lock's checksum requirement), and a record counts as written
 * only once S3 echoed its SHA-256, its ETag is the MD5 we sent, or a read-back matches.
 */
export const createS3MessageRecordStore = ({
  client,
  bucket,
}: {
  client: S3Client;
  bucket: string;
}): MessageRecordStore => {
  const getRecord = async (key: string): Promise<string | undefined> => {
    try {
      const answer = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      return (await answer.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw unavailable('GET record', error);
    }
  };

  return {
    async keysUnder(prefix) {
      const keys = new Set<string>();
      let token: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          for (const object of page.Contents ?? []) if (object.Key) keys.add(object.Key);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      } catch (error) {
        throw unavailable('LIST', error);
      }
      return keys;
    },

    async headWithChecksum(key) {
      try {
        const answer = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
        );
        const stored: StoredObject = {
          key,
          size: answer.ContentLength ?? 0,
          metadata: { ...(answer.Metadata ?? {}) },
        };
        if (answer.ContentType) stored.contentType = answer.ContentType;
        if (answer.ETag) stored.etag = answer.ETag;
        if (answer.ServerSideEncryption) stored.serverSideEncryption = answer.ServerSideEncryption;
        if (answer.ChecksumSHA256) {
          stored.checksumSha256 = answer.ChecksumSHA256;
          // A composite SHA-256 (`…-N`, multipart) hashes part hashes, not the bytes.
          const type =
            answer.ChecksumType ?? (answer.ChecksumSHA256.includes('-') ? 'COMPOSITE' : undefined);
          if (type) stored.checksumType = type;
        }
        return stored;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw unavailable('HEAD', error);
      }
    },

    async putRecord(key, text) {
      const bytes = Buffer.from(text, 'utf8');
      const sha256 = createHash('sha256').update(bytes).digest();
      const md5 = createHash('md5').update(bytes).digest();
      let answer: { ETag?: string; ChecksumSHA256?: string };
      try {
        answer = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: 'application/json',
            ContentMD5: md5.toString('base64'),
            ChecksumSHA256: sha256.toString('base64'),
            IfNoneMatch: '*',
          }),
        );
      } catch (error) {
        if (isPreconditionFailed(error)) return 'exists';
        throw unavailable('PUT record', error);
      }
      if (answer.ChecksumSHA256 !== undefined) {
        if (answer.ChecksumSHA256 !== sha256.toString('base64')) {
          throw new VerificationFailedError('S3 echoed another SHA-256 for the message record');
        }
        return 'created';
      }
      if (answer.ETag?.replace(/^"|"$/g, '') === md5.toString('hex')) return 'created';
      const back = await getRecord(key);
      if (back !== text)
        throw new VerificationFailedError('S3 does not hold the record just written');
      return 'created';
    },

    getRecord,
  };
};
