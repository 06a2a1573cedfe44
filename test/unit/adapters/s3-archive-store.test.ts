import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createS3ArchiveStore } from '../../../lib/adapters/s3-archive-store.ts';
import { StorageUnavailableError, VerificationFailedError } from '../../../lib/domain/errors.ts';
import type { PutArchiveObject } from '../../../lib/ports.ts';

const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });

const BODY = Buffer.from('archived bytes');
const SHA256_HEX = createHash('sha256').update(BODY).digest('hex');
const MD5 = createHash('md5').update(BODY);

const MD5_HEX = MD5.digest('hex');

const METADATA: Record<string, string> = {
  'account-sid': 'AC1',
  'message-sid': 'MM1',
  'media-sid': 'ME1',
  sha256: SHA256_HEX,
  size: String(BODY.length),
  'received-at': '2025-03-04T05:06:07.000Z',
};

const object = (overrides: Partial<PutArchiveObject> = {}): PutArchiveObject => ({
  key: 'media/AC1/2025/03/04/MM1/ME1.jpg',
  body: () => Readable.from([BODY]),
  size: BODY.length,
  sha256Hex: async () => SHA256_HEX,
  contentType: 'image/jpeg',
  metadata: {
    'account-sid': 'AC1',
    'message-sid': 'MM1',
    'media-sid': 'ME1',
    sha256: SHA256_HEX,
    size: String(BODY.length),
    'received-at': '2025-03-04T05:06:07.000Z',
  },
  ...overrides,
});

describe('createS3ArchiveStore', () => {
  const s3 = mockClient(S3Client);
  const store = () => createS3ArchiveStore({ client: new S3Client({}), bucket: 'archive' });

  beforeEach(() => {
    s3.reset();
  });

  describe('put', () => {
    it("sends one conditional PUT with length, an on-the-fly SHA-256 and metadata; S3's echo verifies it", async () => {
      // Prepare
      s3.on(PutObjectCommand).resolves({
        ETag: `"${MD5_HEX}"`,
        ChecksumSHA256: Buffer.from(SHA256_HEX, 'hex').toString('base64'),
      });

      // Act
      const result = await store().put(object({ ifNoneMatch: true }));

      // Assess
      expect(result).toEqual({
        outcome: 'created',
        verifiedBy: 'checksum',
        proof: 's3-checksum',
        etag: MD5_HEX,
      });
      const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(input).toMatchObject({
        Bucket: 'archive',
        Key: object().key,
        ContentLength: BODY.length,
        ContentType: 'image/jpeg',
        ChecksumAlgorithm: 'SHA256',
        IfNoneMatch: '*',
        Metadata: object().metadata,
      });
      // The SDK computes the trailer over the bytes it sends; no MD5, no precomputed header.
      expect(input?.ContentMD5).toBeUndefined();
      expect(input?.ChecksumSHA256).toBeUndefined();
      expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
    });

    it('does not take an MD5-looking ETag as proof of a new write: it asks a HEAD', async () => {
      // Prepare
      s3.on(PutObjectCommand).resolves({ ETag: `"${MD5_HEX}"` });
      s3.on(HeadObjectCommand).resolves({ ContentLength: BODY.length, Metadata: METADATA });

      // Act
      const result = store().put(object());

      // Assess
      await expect(result).rejects.toBeInstanceOf(VerificationFailedError);
      expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(1);
    });

    it('never retries a one-pass body: one PUT, then StorageUnavailableError', async () => {
      // Prepare
      s3.on(PutObjectCommand).rejects(s3Error('InternalError', 500));

      // Act
      const result = store().put(object({ oneShot: true }));

      // Assess
      await expect(result).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    });

    it('reports a 412 as exists', async () => {
      // Prepare
      s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));

      // Act
      const result = await store().put(object({ ifNoneMatch: true }));

      // Assess
      expect(result).toEqual({ outcome: 'exists' });
    });

    it('accepts an echoed SHA-256 and refuses a different one', async () => {
      // Prepare
      const good = Buffer.from(SHA256_HEX, 'hex').toString('base64');
      s3.on(PutObjectCommand)
        .resolvesOnce({ ChecksumSHA256: good, ETag: '"kms-etag"' })
        .resolvesOnce({ ChecksumSHA256: 'AAAA', ETag: '"kms-etag"' });

      // Act
      const first = await store().put(object());
      const second = store().put(object());

      // Assess
      expect(first).toMatchObject({ outcome: 'created', verifiedBy: 'checksum' });
      await expect(second).rejects.toBeInstanceOf(VerificationFailedError);
    });

    it("confirms by a HEAD reading S3's stored SHA-256 when the answer proves nothing", async () => {
      // Prepare
      s3.on(PutObjectCommand).resolves({ ETag: '"not-an-md5"' });
      s3.on(HeadObjectCommand).resolves({
        ContentLength: BODY.length,
        ChecksumSHA256: Buffer.from(SHA256_HEX, 'hex').toString('base64'),
        ChecksumType: 'FULL_OBJECT',
        Metadata: METADATA,
      });

      // Act
      const result = await store().put(object());

      // Assess
      expect(result).toMatchObject({
        outcome: 'created',
        verifiedBy: 'head',
        proof: 's3-checksum',
      });
      expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input.ChecksumMode).toBe('ENABLED');
    });

    it('refuses a HEAD whose only word is the metadata (issue 12)', async () => {
      // Prepare: no stored checksum, a KMS ETag, metadata that names our digest.
      s3.on(PutObjectCommand).resolves({ ETag: `"${MD5_HEX}"`, ServerSideEncryption: 'aws:kms' });
      s3.on(HeadObjectCommand).resolves({
        ContentLength: BODY.length,
        ETag: `"${MD5_HEX}"`,
        ServerSideEncryption: 'aws:kms',
        Metadata: METADATA,
      });

      // Act
      const result = store().put(object());

      // Assess
      await expect(result).rejects.toThrow(/S3 confirmed no checksum/);
    });

    it('refuses a composite (multipart) SHA-256 as proof of the whole object', async () => {
      // Prepare
      s3.on(PutObjectCommand).resolves({});
      s3.on(HeadObjectCommand).resolves({
        ContentLength: BODY.length,
        ChecksumSHA256: Buffer.from(SHA256_HEX, 'hex').toString('base64'),
        ChecksumType: 'COMPOSITE',
        Metadata: METADATA,
      });

      // Act
      const result = store().put(object());

      // Assess
      await expect(result).rejects.toBeInstanceOf(VerificationFailedError);
    });

    it('hands the deadline signal to the SDK and does not retry an aborted PUT', async () => {
      // Prepare
      const controller = new AbortController();
      controller.abort();
      const aborted = Object.assign(new Error('aborted'), { name: 'AbortError' });
      s3.on(PutObjectCommand).rejects(aborted);

      // Act
      const result = store().put(object({ signal: controller.signal }));

      // Assess
      await expect(result).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
      const call = s3.commandCalls(PutObjectCommand)[0];
      const sendOptions: unknown = (call?.args as unknown[] | undefined)?.[1];
      expect(sendOptions).toMatchObject({
        abortSignal: controller.signal,
      });
    });

    it('fails verification when the HEAD shows other content', async () => {
      // Prepare
      s3.on(PutObjectCommand).resolves({});
      s3.on(HeadObjectCommand).resolves({ ContentLength: 3, Metadata: METADATA });

      // Act
      const result = store().put(object());

      // Assess
      await expect(result).rejects.toBeInstanceOf(VerificationFailedError);
    });

    it('retries with a fresh body stream, then maps lasting errors to StorageUnavailableError', async () => {
      // Prepare
      let bodies = 0;
      s3.on(PutObjectCommand).rejects(s3Error('InternalError', 500));

      // Act
      const result = store().put(
        object({
          body: () => {
            bodies += 1;
            return Readable.from([BODY]);
          },
        }),
      );

      // Assess
      await expect(result).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(3);
      expect(bodies).toBe(3);
    });

    it('recovers when a retry succeeds', async () => {
      // Prepare
      s3.on(PutObjectCommand)
        .rejectsOnce(s3Error('BadDigest', 400))
        .resolves({ ChecksumSHA256: Buffer.from(SHA256_HEX, 'hex').toString('base64') });

      // Act
      const result = await store().put(object());

      // Assess
      expect(result.outcome).toBe('created');
    });
  });

  describe('head', () => {
    it('returns size, type and metadata', async () => {
      // Prepare
      s3.on(HeadObjectCommand).resolves({
        ContentLength: 14,
        ContentType: 'image/jpeg',
        ETag: '"x"',
        Metadata: { sha256: SHA256_HEX },
      });

      // Act
      const stored = await store().head('k');

      // Assess
      expect(stored).toMatchObject({
        key: 'k',
        size: 14,
        contentType: 'image/jpeg',
        metadata: { sha256: SHA256_HEX },
      });
    });

    it("asks for S3's stored checksum and returns it with the encryption", async () => {
      // Prepare
      s3.on(HeadObjectCommand).resolves({
        ContentLength: 14,
        ETag: '"x"',
        ChecksumSHA256: 'c2hh',
        ChecksumType: 'FULL_OBJECT',
        ServerSideEncryption: 'aws:kms',
        Metadata: {},
      });

      // Act
      const stored = await store().head('k');

      // Assess
      expect(s3.commandCalls(HeadObjectCommand)[0]?.args[0].input).toMatchObject({
        Key: 'k',
        ChecksumMode: 'ENABLED',
      });
      expect(stored).toMatchObject({
        checksumSha256: 'c2hh',
        checksumType: 'FULL_OBJECT',
        serverSideEncryption: 'aws:kms',
      });
    });

    it('returns undefined for a missing key and throws StorageUnavailableError otherwise', async () => {
      // Prepare
      s3.on(HeadObjectCommand)
        .rejectsOnce(s3Error('NotFound', 404))
        .rejectsOnce(s3Error('AccessDenied', 403));

      // Act
      const missing = await store().head('k');
      const denied = store().head('k');

      // Assess
      expect(missing).toBeUndefined();
      await expect(denied).rejects.toBeInstanceOf(StorageUnavailableError);
    });
  });

  describe('putMarker', () => {
    it('writes a zero-byte object and maps errors', async () => {
      // Prepare
      s3.on(PutObjectCommand).resolvesOnce({}).rejectsOnce(s3Error('SlowDown', 503));

      // Act
      await store().putMarker('media/_index/MM1/AC1/2025/03/04', { 'message-sid': 'MM1' });
      const failed = store().putMarker('m', {});

      // Assess
      expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
        Key: 'media/_index/MM1/AC1/2025/03/04',
        ContentLength: 0,
        Metadata: { 'message-sid': 'MM1' },
      });
      await expect(failed).rejects.toBeInstanceOf(StorageUnavailableError);
    });
  });
});
