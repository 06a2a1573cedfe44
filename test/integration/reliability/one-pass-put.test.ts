import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ArchiveStore } from '../../../lib/adapters/s3-archive-store.ts';
import { MediaTooLargeError, TruncatedMediaError } from '../../../lib/domain/errors.ts';
import { startFauxqsServer } from '../../../lib/local/fauxqs-server.ts';
import type { ArchiveStore, PutArchiveObject } from '../../../lib/ports.ts';
import { meterMedia } from '../../../lib/spool.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';
import { startMotoServer } from '../../helpers/moto-server.ts';

const BUCKET = 'one-pass-archive';
const SIZE = 3 * 1024 * 1024 + 123;
const BODY = makeMediaBody(SIZE, 51);

/**
 * A download as it arrives, in 64 KiB chunks: `endAt` ends it cleanly there (no local S3 checks
 * the decoded length), `failAt` drops the connection there, `extra` sends bytes past the end.
 */
const download = (cut: { endAt?: number; failAt?: number; extra?: number } = {}) => {
  const bytes = cut.extra ? Buffer.concat([BODY, makeMediaBody(cut.extra, 52)]) : BODY;
  const end = cut.endAt ?? cut.failAt ?? bytes.length;
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= end) {
        if (cut.failAt !== undefined) this.destroy(new Error('media host connection reset'));
        else this.push(null);
        return;
      }
      const next = Math.min(end, offset + 64 * 1024);
      this.push(bytes.subarray(offset, next));
      offset = next;
    },
  });
};

/** What the archiver hands the store on the one-pass path: the metered download, sent once. */
const onePass = (key: string, body: Readable, maxBytes = 16 * 1024 * 1024): PutArchiveObject => {
  const metered = meterMedia(body, { expectedLength: SIZE, maxBytes });
  return {
    key,
    body: () => metered.stream,
    size: SIZE,
    sha256Hex: async () => (await metered.digest).sha256Hex,
    oneShot: true,
    contentType: 'video/mp4',
    metadata: {
      'account-sid': 'AC1',
      'message-sid': 'MM1',
      'media-sid': 'ME1',
      size: String(SIZE),
      'received-at': '2026-12-01T10:00:00.000Z',
    },
    ifNoneMatch: true,
  };
};

interface Target {
  name: string;
  start(): Promise<{ client: S3Client; stop(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'fauxqs',
    start: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'one-pass-'));
      const server = await startFauxqsServer({ directory: dir, buckets: [BUCKET] });
      const client = new S3Client({
        endpoint: server.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        forcePathStyle: true,
      });
      return {
        client,
        stop: async () => {
          client.destroy();
          await server.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'moto_server',
    start: async () => {
      const moto = await startMotoServer();
      await moto.createBucket(BUCKET);
      const client = moto.s3();
      return {
        client,
        stop: async () => {
          client.destroy();
          await moto.stop();
        },
      };
    },
  },
];

describe.each(targets)('one-pass PUT against $name (SDK default checksums)', (target) => {
  let client: S3Client;
  let stop: () => Promise<void>;
  let store: ArchiveStore;

  beforeAll(async () => {
    ({ client, stop } = await target.start());
    store = createS3ArchiveStore({ client, bucket: BUCKET });
  });

  afterAll(async () => {
    await stop?.();
  });

  const exists = async (key: string) => {
    try {
      await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return false;
      throw error;
    }
  };

  it("stores the whole body once, proven by S3's echo of the SHA-256 computed in the same pass", async () => {
    // Act
    const result = await store.put(onePass('whole', download()));

    // Assess
    expect(result).toMatchObject({
      outcome: 'created',
      verifiedBy: 'checksum',
      proof: 's3-checksum',
    });
    const stored = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'whole' }));
    const bytes = Buffer.from((await stored.Body?.transformToByteArray()) ?? []);
    expect(sha256Hex(bytes)).toBe(sha256Hex(BODY));
    const head = await store.head('whole');
    expect(Buffer.from(head?.checksumSha256 ?? '', 'base64').toString('hex')).toBe(sha256Hex(BODY));
  });

  it('refuses a body that ends cleanly short of its length: the PUT fails, no object', async () => {
    // Act
    const result = store.put(onePass('short', download({ endAt: 1024 * 1024 })));

    // Assess
    await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
    expect(await exists('short')).toBe(false);
  });

  it('refuses a body longer than its length: the PUT fails, no object', async () => {
    // Act
    const result = store.put(onePass('long', download({ extra: 70_000 })));

    // Assess
    await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
    expect(await exists('long')).toBe(false);
  });

  it('fails the PUT, keeps the process up and leaves no object when the download breaks', async () => {
    // Act
    const result = store.put(onePass('broken', download({ failAt: 2 * 1024 * 1024 })));

    // Assess
    await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
    expect(await exists('broken')).toBe(false);
  });

  it('refuses a body past the media limit while streaming, leaving no object', async () => {
    // Act
    const result = store.put(onePass('too-large', download(), 1024 * 1024));

    // Assess
    await expect(result).rejects.toBeInstanceOf(MediaTooLargeError);
    expect(await exists('too-large')).toBe(false);
  });
});
