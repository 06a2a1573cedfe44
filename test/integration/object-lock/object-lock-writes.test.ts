import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ArchiveStore } from '../../../lib/adapters/s3/s3-archive-store.ts';
import { createS3MessageRecordStore } from '../../../lib/adapters/s3/s3-message-record-store.ts';
import { type MotoServer, startMoto } from '../../helpers/moto.ts';
import { runMediaArchive } from '../../helpers/run-cli.ts';

const BUCKET = 'locked-archive';
const PREFIX = `media/AC${'1'.repeat(32)}/2026/12/01/MM${'2'.repeat(32)}/`;
const RECORD_KEY = `media/_records/AC${'1'.repeat(32)}/2026/12/01/MM${'2'.repeat(32)}.json`;

/**
 * The archiver's writes against moto_server with a bucket under Object Lock and a default
 * retention, which (like S3) refuses a PutObject carrying neither Content-MD5 nor an SDK checksum.
 * The client is configured as for the local stack (`WHEN_REQUIRED`: the SDK adds no checksum of
 * its own), so only the checksums the adapters send themselves are on the wire.
 */
describe('writes under Object Lock (moto_server)', () => {
  let moto: MotoServer;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client({
      endpoint: moto.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: BUCKET,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } },
        },
      }),
    );
  }, 40_000);

  afterAll(async () => {
    s3?.destroy();
    await moto?.stop();
  });

  // HEAD carries the retention (moto answers GET ?retention with the object itself).
  const retentionOf = async (key: string) => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return { Mode: head.ObjectLockMode, RetainUntilDate: head.ObjectLockRetainUntilDate };
  };

  it('refuses a write without a checksum (control)', async () => {
    // Act
    const write = s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}bare`, Body: 'x' }),
    );

    // Assess
    await expect(write).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
  });

  it('accepts the media, the index marker and the message record, each under the default retention', async () => {
    // Prepare
    const bytes = Buffer.from('jpeg bytes under lock');
    const mediaKey = `${PREFIX}ME${'3'.repeat(32)}.jpg`;
    const markerKey = `media/_index/MM${'2'.repeat(32)}/AC${'1'.repeat(32)}/2026/12/01`;
    const recordKey = RECORD_KEY;
    const store = createS3ArchiveStore({ client: s3, bucket: BUCKET, putAttempts: 1 });
    const records = createS3MessageRecordStore({ client: s3, bucket: BUCKET });

    // Act
    const put = await store.put({
      key: mediaKey,
      body: () => Readable.from([bytes]),
      size: bytes.length,
      sha256Hex: async () => createHash('sha256').update(bytes).digest('hex'),
      contentType: 'image/jpeg',
      metadata: {
        'account-sid': `AC${'1'.repeat(32)}`,
        'message-sid': `MM${'2'.repeat(32)}`,
        'media-sid': `ME${'3'.repeat(32)}`,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        size: String(bytes.length),
        'received-at': '2026-12-01T10:00:00.000Z',
      },
      ifNoneMatch: true,
    });
    await store.putMarker(markerKey, { 'message-sid': `MM${'2'.repeat(32)}` });
    const record = await records.putRecord(recordKey, '{"schema":"test"}\n');

    // Assess
    expect(put.outcome).toBe('created');
    expect(record).toBe('created');
    for (const key of [mediaKey, markerKey, recordKey]) {
      const retention = await retentionOf(key);
      expect(retention?.Mode).toBe('GOVERNANCE');
      expect(retention?.RetainUntilDate?.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    }
  });

  it('hold sets and releases a legal hold on every media of a message and its record; ls --details shows it', async () => {
    // Prepare
    const env = {
      ARCHIVE_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    };
    const message = `MM${'2'.repeat(32)}`;
    const holdOf = async (key: string) =>
      (await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })))
        .ObjectLockLegalHoldStatus;
    const mediaKey = `${PREFIX}ME${'3'.repeat(32)}.jpg`;
    const recordKey = RECORD_KEY;

    // Act
    const held = await runMediaArchive(['hold', message, '--date', '2026-12-01', '--json'], env);
    const listed = await runMediaArchive(
      ['ls', '--message', message, '--date', '2026-12-01', '--details', '--json'],
      env,
    );
    const holdsAfterSet = [await holdOf(mediaKey), await holdOf(recordKey)];
    const released = await runMediaArchive(
      ['hold', message, '--date', '2026-12-01', '--release'],
      env,
    );
    const holdsAfterRelease = [await holdOf(mediaKey), await holdOf(recordKey)];

    // Assess
    expect(held.code, held.stderr).toBe(0);
    expect(JSON.parse(held.stdout)).toEqual({ legalHold: 'ON', keys: [mediaKey, recordKey] });
    expect(holdsAfterSet).toEqual(['ON', 'ON']);
    expect(listed.code, listed.stderr).toBe(0);
    const [media] = JSON.parse(listed.stdout).media;
    expect(media).toMatchObject({
      key: mediaKey,
      legalHold: 'ON',
      retention: { mode: 'GOVERNANCE' },
    });
    expect(released.code, released.stderr).toBe(0);
    expect(released.stdout).toContain(`${recordKey}\thold=OFF`);
    expect(holdsAfterRelease).toEqual(['OFF', 'OFF']);
  }, 60_000);

  it('hold refuses what is not a SID, and reports a message not in the archive with exit 2', async () => {
    // Prepare
    const env = {
      ARCHIVE_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    };

    // Act
    const bad = await runMediaArchive(['hold', 'nope'], env);
    const missing = await runMediaArchive(
      ['hold', `MM${'9'.repeat(32)}`, '--date', '2026-12-01'],
      env,
    );

    // Assess
    expect(bad.code).toBe(64);
    expect(missing.code).toBe(2);
  }, 60_000);

  it('hold refuses in one line, before any write, on a bucket without Object Lock', async () => {
    // Prepare: a plain bucket holding one message's media
    const plain = 'plain-archive';
    const mediaKey = `${PREFIX}ME${'4'.repeat(32)}.jpg`;
    const bytes = Buffer.from('jpeg bytes, no lock');
    await s3.send(new CreateBucketCommand({ Bucket: plain }));
    await s3.send(new PutObjectCommand({ Bucket: plain, Key: mediaKey, Body: bytes }));
    const env = {
      ARCHIVE_BUCKET: plain,
      AWS_ENDPOINT_URL_S3: moto.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
    };

    // Act
    const held = await runMediaArchive(
      ['hold', `MM${'2'.repeat(32)}`, '--date', '2026-12-01'],
      env,
    );
    const after = await s3.send(new GetObjectCommand({ Bucket: plain, Key: mediaKey }));

    // Assess
    expect(held.code).toBe(1);
    expect(held.stderr.trim().split('\n')).toEqual([
      `media-archive hold: bucket ${plain} has no Object Lock (S3 answered ObjectLockConfigurationNotFoundError): a legal hold needs a bucket created with Object Lock (deploy param objectLockMode); nothing was changed`,
    ]);
    expect(Buffer.from(await (after.Body?.transformToByteArray() ?? new Uint8Array()))).toEqual(
      bytes,
    );
    expect(after.ObjectLockLegalHoldStatus).toBeUndefined();
  }, 60_000);
});
