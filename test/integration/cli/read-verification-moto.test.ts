import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveKeyFor } from '../../../lib/domain/archive-key.ts';
import { type ArchivedMediaSeed, putArchivedMedia } from '../../helpers/archived-objects.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

const BUCKET = 'read-verify-archive';
const PREFIX = 'media/';
const sid = (kind: string, n: number) => `${kind}${String(n).padStart(32, '0')}`;
const DAY = '2026-12-02';

const seedOf = (n: number, size: number): ArchivedMediaSeed => ({
  accountSid: `AC${'a'.repeat(32)}`,
  messageSid: sid('MM', n),
  mediaSid: sid('ME', n),
  index: 0,
  contentType: 'image/jpeg',
  receivedAt: `${DAY}T10:00:00.000Z`,
  body: makeMediaBody(size, n),
});

/**
 * moto_server keeps the SHA-256 a PUT names and returns it on GET/HEAD in checksum mode, without
 * checking it against the body (S3 refuses such a PUT): the one stand-in that can hold an object
 * whose bytes differ from S3's own checksum, as storage corruption or a faulty endpoint would.
 * The AWS SDK's own response check (checksum mode) stops such a read first; the reader turns its
 * plain Error into StoredChecksumMismatchError, which `get` answers like any mismatch.
 */
describe('get against moto_server: S3 checksum versus the bytes', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let workDir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    moto = await startMoto();
    workDir = await mkdtemp(join(tmpdir(), 'read-verify-'));
    s3 = new S3Client({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    env = {
      ARCHIVE_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    };
  }, 40_000);

  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("verifies a media against S3's own SHA-256, and refuses bytes that differ from it", async () => {
    // Prepare: one written as the archiver does; one whose stored SHA-256 names other bytes
    const whole = seedOf(1, 1500);
    const corrupt = seedOf(2, 1500);
    await putArchivedMedia(s3, BUCKET, PREFIX, [whole]);
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: archiveKeyFor(PREFIX, corrupt),
        Body: corrupt.body,
        ContentType: corrupt.contentType,
        Metadata: { sha256: sha256Hex(corrupt.body), size: String(corrupt.body.length) },
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: createHash('sha256').update(makeMediaBody(1500, 3)).digest('base64'),
      }),
    );

    // Act
    const good = await runMediaArchive(
      ['get', whole.mediaSid, '--message', whole.messageSid, '-o', 'whole.jpg'],
      env,
      workDir,
    );
    const bad = await runMediaArchive(
      ['get', corrupt.mediaSid, '--date', DAY, '-o', 'corrupt.jpg'],
      env,
      workDir,
    );

    // Assess
    expect(good.code).toBe(0);
    expect(good.stderr).toContain("verified against S3's own checksum");
    expect(await readFile(join(workDir, 'whole.jpg'))).toEqual(whole.body);
    expect(bad.code).toBe(1);
    // One line: the typed error, not a crash on an error nobody listened to yet.
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('its bytes differ from the SHA-256 S3 stored for it');
    await expect(readFile(join(workDir, 'corrupt.jpg'))).rejects.toThrow(/ENOENT/);
  });
});
