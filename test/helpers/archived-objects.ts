import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_AWS_CREDENTIALS } from '../../lib/config/local-constants.ts';
import { archiveKeyFor, messageIndexKeyFor } from '../../lib/domain/archive-key.ts';
import {
  legacyRecordKeyFor,
  MESSAGE_RECORD_SCHEMA,
  MESSAGE_RECORD_VERSION,
  type MessageRecord,
  recordKeyFor,
  serializeMessageRecord,
} from '../../lib/domain/message-record.ts';
import type { ArchiveMetadata } from '../../lib/ports/pipeline.ts';
import { asciiMetadataValue } from '../../lib/use-cases/archive-media.ts';
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
    credentials: LOCAL_AWS_CREDENTIALS,
  });

/**
 * Writes objects shaped exactly like the archiver's (key, content type, user metadata) plus, unless
 * `marker: false` (a recorded message: its record is its index), the per-message index entry,
 * without running the archiver. Returns the keys written.
 */
export const putArchivedMedia = async (
  s3: S3Client,
  bucket: string,
  prefix: string,
  seeds: readonly ArchivedMediaSeed[],
  { marker = true }: { marker?: boolean } = {},
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
        // As the archiver writes: S3 keeps a full-object SHA-256 that HEAD/GET return in checksum mode.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    keys.push(key);
    if (seed.index === 0 && marker) {
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

/**
 * The message record the archiver would write for these media (one message), with the digests S3
 * confirmed; `text` replaces the record's bytes (a record that is not JSON). `legacy`: where
 * versions before `_records/` wrote it (`…/{MessageSid}/message.json`). Returns its key.
 */
export const putMessageRecord = async (
  s3: S3Client,
  bucket: string,
  prefix: string,
  seeds: readonly ArchivedMediaSeed[],
  text?: string,
  extra: Partial<MessageRecord> = {},
  layout: 'records' | 'legacy' = 'records',
): Promise<string> => {
  const first = seeds[0];
  if (!first) throw new Error('a record needs media');
  const record: MessageRecord = {
    schema: MESSAGE_RECORD_SCHEMA,
    version: MESSAGE_RECORD_VERSION,
    accountSid: first.accountSid,
    messageSid: first.messageSid,
    direction: 'inbound',
    receivedAt: first.receivedAt,
    numMedia: seeds.length,
    media: seeds.map((seed) => ({
      index: seed.index,
      mediaSid: seed.mediaSid,
      key: archiveKeyFor(prefix, seed),
      contentType: seed.contentType,
      size: seed.body.length,
      sha256: sha256Hex(seed.body),
      sha256Source: 's3',
    })),
    ...extra,
  };
  const mediaKey = archiveKeyFor(prefix, first);
  const key = layout === 'legacy' ? legacyRecordKeyFor(mediaKey) : recordKeyFor(mediaKey);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: text ?? serializeMessageRecord(record),
      ContentType: 'application/json',
      ChecksumAlgorithm: 'SHA256',
    }),
  );
  return key;
};
