import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { asciiMetadataValue } from '../../lib/archive-media.ts';
import { archiveKeyFor, messageIndexKeyFor } from '../../lib/domain/archive-key.ts';
import type { ArchiveMetadata } from '../../lib/ports.ts';
import { sha256Hex } from './media-fixtures.ts';

export interface ArchivedMediaSeed {
  accountSid: string;
  messageSid: string;
  mediaSid: string;
  /** Position in the message: the archiver writes the message's index entry for index 0. */
  index: number;
  contentType: string;
  receivedAt: string;
  body: Buffer;
  originalFilename?: string;
}

/** A client for the local S3 (fauxqs), with AWS's default integrity settings. */
export const localS3Client = (endpoint: string): S3Client =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

/**
 * Writes objects shaped exactly like the archiver's (key, content type, user metadata) plus the
 * per-message index entry, without running the archiver. Returns the keys written.
 */
export const putArchivedMedia = async (
  s3: S3Client,
  bucket: string,
  prefix: string,
  seeds: readonly ArchivedMediaSeed[],
): Promise<string[]> => {
  const keys: string[] = [];
  for (const seed of seeds) {
    const key = archiveKeyFor(prefix, seed);
    const metadata: ArchiveMetadata = {
      'account-sid': seed.accountSid,
      'message-sid': seed.messageSid,
      'media-sid': seed.mediaSid,
      sha256: sha256Hex(seed.body),
      size: String(seed.body.length),
      'received-at': seed.receivedAt,
    };
    if (seed.originalFilename) {
      metadata['original-filename'] = asciiMetadataValue(seed.originalFilename);
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: seed.body,
        ContentType: seed.contentType,
        Metadata: { ...metadata },
      }),
    );
    keys.push(key);
    if (seed.index === 0) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: messageIndexKeyFor(prefix, seed),
          Body: '',
          ContentLength: 0,
          Metadata: {
            'account-sid': seed.accountSid,
            'message-sid': seed.messageSid,
            'received-at': seed.receivedAt,
          },
        }),
      );
    }
  }
  return keys;
};
