import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3MessageRecordStore } from '../../../lib/adapters/s3/s3-message-record-store.ts';
import { LOCAL_AWS_CREDENTIALS, LOCAL_REGION } from '../../../lib/config/local-constants.ts';
import { type LocalFauxqsServer, startFauxqsServer } from '../../../lib/stand-ins/fauxqs-server.ts';

const BUCKET = 'records';
const KEY = `media/_records/AC${'a'.repeat(32)}/2026/12/08/MM${'b'.repeat(32)}.json`;

/**
 * Issue 25: the local stack logged one message record as written twice. Two jobs that complete a
 * message together both read no record and both PUT it create-only; the local S3 overwrote instead
 * of answering the second 412, so both writers were told "created".
 */
describe('the S3 message record store on the local S3', () => {
  let server: LocalFauxqsServer;
  let directory: string;
  let s3: S3Client;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'record-store-'));
    server = await startFauxqsServer({ directory, buckets: [BUCKET] });
    s3 = new S3Client({
      endpoint: server.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_AWS_CREDENTIALS,
      forcePathStyle: true,
    });
  });

  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('lets exactly one of two concurrent create-only writers create the record', async () => {
    // Prepare
    const store = createS3MessageRecordStore({ client: s3, bucket: BUCKET });
    const texts = ['{"writer":1}\n', '{"writer":2}\n'];

    // Act
    const outcomes = await Promise.all(texts.map((text) => store.putRecord(KEY, text)));
    const stored = await store.getRecord(KEY);
    const again = await store.putRecord(KEY, '{"writer":3}\n');

    // Assess
    expect([...outcomes].sort()).toEqual(['created', 'exists']);
    expect(stored).toBe(texts[outcomes.indexOf('created')]);
    expect(again).toBe('exists');
    expect(await store.getRecord(KEY)).toBe(stored);
  });
});
