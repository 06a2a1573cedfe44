import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { VerificationFailedError } from '../../domain/errors.ts';
import type { MessageRecordStore } from '../../ports/pipeline.ts';
import {
  bodyChecksums,
  isNotFound,
  isPreconditionFailed,
  storedObjectOf,
  unavailable,
} from './s3-common.ts';

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
    async headWithChecksum(key) {
      try {
        const answer = await client.send(
          new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
        );
        const stored = storedObjectOf(key, answer);
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
      const checksums = bodyChecksums(bytes);
      let answer: { ETag?: string; ChecksumSHA256?: string };
      try {
        answer = await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: 'application/json',
            ...checksums,
            IfNoneMatch: '*',
          }),
        );
      } catch (error) {
        if (isPreconditionFailed(error)) return 'exists';
        throw unavailable('PUT record', error);
      }
      if (answer.ChecksumSHA256 !== undefined) {
        if (answer.ChecksumSHA256 !== checksums.ChecksumSHA256) {
          throw new VerificationFailedError('S3 echoed another SHA-256 for the message record');
        }
        return 'created';
      }
      if (
        answer.ETag?.replace(/^"|"$/g, '') ===
        Buffer.from(checksums.ContentMD5, 'base64').toString('hex')
      )
        return 'created';
      const back = await getRecord(key);
      if (back !== text)
        throw new VerificationFailedError('S3 does not hold the record just written');
      return 'created';
    },

    getRecord,
  };
};
