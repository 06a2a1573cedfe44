import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  RestoreObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalFauxqsServer, startFauxqsServer } from '../../../lib/stand-ins/fauxqs-server.ts';

const BUCKET = 'guarded-archive';
const KEY = 'media/AC1/2026/12/01/MM1/ME1.jpg';
const BYTES = Buffer.from('the archived jpeg, byte for byte');
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The AWS CLI on this image (Debian's awscli or pip's; both sign with SigV4). */
const aws = (args: string[], endpoint: string): Promise<{ code: number; out: string }> =>
  new Promise((resolve) => {
    execFile(
      'aws',
      ['--endpoint-url', endpoint, ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
          AWS_DEFAULT_REGION: 'us-east-1',
        },
        encoding: 'utf8',
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });

describe('local S3 (fauxqs) guard', () => {
  let directory: string;
  let server: LocalFauxqsServer;
  let s3: S3Client;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'fauxqs-guard-'));
    server = await startFauxqsServer({ directory, buckets: [BUCKET] });
    s3 = new S3Client({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
      forcePathStyle: true,
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    await rm(directory, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: BYTES }));
  });

  const storedHash = async (key = KEY): Promise<string | undefined> => {
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return sha256(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  };
  const exists = (key: string) =>
    s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
      () => true,
      () => false,
    );

  describe('refuses what fauxqs does not implement', () => {
    it.each([
      [
        'PutObjectLegalHold (?legal-hold)',
        () =>
          new PutObjectLegalHoldCommand({ Bucket: BUCKET, Key: KEY, LegalHold: { Status: 'ON' } }),
      ],
      [
        'PutObjectRetention (?retention)',
        () =>
          new PutObjectRetentionCommand({
            Bucket: BUCKET,
            Key: KEY,
            Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date('2030-01-01') },
          }),
      ],
      [
        'PutObjectTagging (?tagging)',
        () =>
          new PutObjectTaggingCommand({
            Bucket: BUCKET,
            Key: KEY,
            Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] },
          }),
      ],
      [
        'PutObjectAcl (?acl)',
        () => new PutObjectAclCommand({ Bucket: BUCKET, Key: KEY, ACL: 'private' }),
      ],
      [
        'DeleteObjectTagging (?tagging)',
        () => new DeleteObjectTaggingCommand({ Bucket: BUCKET, Key: KEY }),
      ],
      [
        'DeleteObject of a version (?versionId)',
        () => new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY, VersionId: 'v1' }),
      ],
      [
        'RestoreObject (POST ?restore)',
        () => new RestoreObjectCommand({ Bucket: BUCKET, Key: KEY, RestoreRequest: { Days: 1 } }),
      ],
      [
        'PutObjectLockConfiguration (?object-lock)',
        () =>
          new PutObjectLockConfigurationCommand({
            Bucket: BUCKET,
            ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' },
          }),
      ],
      [
        'PutBucketVersioning (?versioning)',
        () =>
          new PutBucketVersioningCommand({
            Bucket: BUCKET,
            VersioningConfiguration: { Status: 'Enabled' },
          }),
      ],
      [
        'PutBucketPolicy (?policy)',
        () => new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: '{}' }),
      ],
      [
        'GetObjectLockConfiguration (?object-lock)',
        () => new GetObjectLockConfigurationCommand({ Bucket: BUCKET }),
      ],
      [
        'GetBucketVersioning (?versioning)',
        () => new GetBucketVersioningCommand({ Bucket: BUCKET }),
      ],
    ])('%s: 501 NotImplemented naming it, the object untouched', async (_name, command) => {
      // Act
      // biome-ignore lint/suspicious/noExplicitAny: one table of differently typed commands
      const answer = s3.send(command() as any);

      // Assess
      await expect(answer).rejects.toMatchObject({
        name: 'NotImplemented',
        $metadata: { httpStatusCode: 501 },
      });
      await expect(answer).rejects.toThrow(/does not implement/);
      expect(await storedHash()).toBe(sha256(BYTES));
    });

    it.each([
      ['a legal hold', { ObjectLockLegalHoldStatus: 'ON' as const }],
      ['tags', { Tagging: 'a=b' }],
      ['server-side encryption', { ServerSideEncryption: 'aws:kms' as const }],
    ])('refuses a PutObject asking for %s it would skip, storing nothing', async (_name, extra) => {
      // Act
      const answer = s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${KEY}.new`, Body: 'x', ...extra }),
      );

      // Assess
      await expect(answer).rejects.toMatchObject({ name: 'NotImplemented' });
      expect(await exists(`${KEY}.new`)).toBe(false);
    });

    it('answers If-None-Match: * on an existing key with 412 and keeps the bytes', async () => {
      // Act
      const refused = await s3
        .send(
          new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: 'other bytes', IfNoneMatch: '*' }),
        )
        .catch((error: unknown) => error);
      const fresh = await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `${KEY}.2`, Body: 'new', IfNoneMatch: '*' }),
      );

      // Assess
      expect(refused).toMatchObject({
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      });
      expect(await storedHash()).toBe(sha256(BYTES));
      expect(fresh.$metadata.httpStatusCode).toBe(200);
    });

    it('still serves a multipart upload', async () => {
      // Prepare
      const key = `${KEY}.multipart`;
      const part = Buffer.alloc(5 * 1024 * 1024, 7);

      // Act
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }),
      );
      const { ETag } = await s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: 1, Body: part }),
      );
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: key,
          UploadId,
          MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
        }),
      );

      // Assess
      expect(await storedHash(key)).toBe(sha256(part));
    });

    it('serves a presigned GET as `media-archive url` signs it, with its response overrides', async () => {
      // Prepare
      const url = await getSignedUrl(
        s3,
        new GetObjectCommand({
          Bucket: BUCKET,
          Key: KEY,
          ResponseContentDisposition: 'attachment; filename="ME1.html"',
          ResponseContentType: 'application/octet-stream',
        }),
        { expiresIn: 60 },
      );

      // Act
      const response = await fetch(url);

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="ME1.html"');
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(sha256(BYTES));
    });

    it('serves the AWS CLI (ls, cp, presign) and refuses its put-object-legal-hold', async () => {
      // Prepare
      const file = join(directory, 'upload.txt');
      await writeFile(file, 'from the cli');

      // Act
      const listed = await aws(
        ['s3', 'ls', `s3://${BUCKET}/media/`, '--recursive'],
        server.endpoint,
      );
      const copied = await aws(
        ['s3', 'cp', file, `s3://${BUCKET}/cli/upload.txt`],
        server.endpoint,
      );
      const presigned = await aws(['s3', 'presign', `s3://${BUCKET}/${KEY}`], server.endpoint);
      const download = await fetch(presigned.out.trim());
      const held = await aws(
        [
          's3api',
          'put-object-legal-hold',
          '--bucket',
          BUCKET,
          '--key',
          KEY,
          '--legal-hold',
          'Status=ON',
        ],
        server.endpoint,
      );

      // Assess
      expect(listed.code, listed.out).toBe(0);
      expect(listed.out).toContain(KEY);
      expect(copied.code, copied.out).toBe(0);
      expect(await storedHash('cli/upload.txt')).toBe(sha256(Buffer.from('from the cli')));
      expect(download.status).toBe(200);
      expect(held.code).not.toBe(0);
      expect(held.out).toContain('NotImplemented');
      expect(await storedHash()).toBe(sha256(BYTES));
    });
  });

  describe('refuses what a web page could forge (as the local SQS does)', () => {
    const form = (key: string) => {
      const body = new FormData();
      body.set('key', key);
      body.set('file', new Blob(['forged by a page']), 'x.jpg');
      return body;
    };

    it('refuses a multipart form POST to /{bucket} from a foreign Origin with 403, storing nothing', async () => {
      // Act
      const response = await fetch(`${server.endpoint}/${BUCKET}`, {
        method: 'POST',
        headers: { origin: 'https://attacker.example' },
        body: form('forged/page.jpg'),
      });

      // Assess
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('<Code>AccessDenied</Code>');
      expect(await exists('forged/page.jpg')).toBe(false);
    });

    it.each([
      ['no Origin, no signature', '', {}],
      ['a presigned-looking query', '?X-Amz-Signature=0000&X-Amz-Credential=x', {}],
    ])('refuses a form POST over an archived key with %s', async (_name, query, headers) => {
      // Act
      const response = await fetch(`${server.endpoint}/${BUCKET}${query}`, {
        method: 'POST',
        headers,
        body: form(KEY),
      });

      // Assess
      expect(response.status).toBe(403);
      expect(await storedHash()).toBe(sha256(BYTES));
    });

    it.each([
      ['text/plain', 'replaced'],
      ['application/x-www-form-urlencoded', 'a=b'],
    ])('refuses an unsigned %s PUT over an archived key', async (contentType, body) => {
      // Act
      const response = await fetch(`${server.endpoint}/${BUCKET}/${KEY}`, {
        method: 'PUT',
        headers: { 'content-type': contentType },
        body,
      });

      // Assess
      expect(response.status).toBe(403);
      expect(await storedHash()).toBe(sha256(BYTES));
    });

    it('refuses an unsigned DeleteObjects POST ?delete', async () => {
      // Act
      const response = await fetch(`${server.endpoint}/${BUCKET}?delete`, {
        method: 'POST',
        body: `<Delete><Object><Key>${KEY}</Key></Object></Delete>`,
      });

      // Assess
      expect(response.status).toBe(403);
      expect(await storedHash()).toBe(sha256(BYTES));
    });

    it.each([
      ['a foreign Origin', 'null', 'foreign Origin null'],
      ['its own Origin (a page it served)', 'OWN', 'Origin http://127.0.0.1:'],
    ])(
      'refuses %s even with a SigV4-looking Authorization header',
      async (_name, origin, reason) => {
        // Act
        const response = await fetch(`${server.endpoint}/${BUCKET}/${KEY}`, {
          method: 'PUT',
          headers: {
            origin: origin === 'OWN' ? server.endpoint : origin,
            authorization: 'AWS4-HMAC-SHA256 Credential=x/20261201/us-east-1/s3/aws4_request',
            'content-type': 'image/jpeg',
          },
          body: 'forged',
        });

        // Assess
        expect(response.status).toBe(403);
        expect(await response.text()).toContain(reason);
        expect(await storedHash()).toBe(sha256(BYTES));
      },
    );

    it('refuses an unsigned GET and an unsigned listing', async () => {
      // Act
      const object = await fetch(`${server.endpoint}/${BUCKET}/${KEY}`);
      const listing = await fetch(`${server.endpoint}/${BUCKET}?list-type=2`);

      // Assess
      expect([object.status, listing.status]).toEqual([403, 403]);
    });

    it('still serves the AWS SDK', async () => {
      // Act
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'media/' }));

      // Assess
      expect(listed.Contents?.map((o) => o.Key)).toContain(KEY);
    });
  });
});
