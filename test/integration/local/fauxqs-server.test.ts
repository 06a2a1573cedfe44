import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalFauxqsServer, startFauxqsServer } from '../../../lib/local/fauxqs-server.ts';

const BUCKET = 'fauxqs-archive';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const BODY = randomBytes(2 * 1024 * 1024 + 17);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('base64');

/** Production settings: the SDK's default checksums (WHEN_SUPPORTED), only path style differs. */
const s3For = (endpoint: string): S3Client => {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    credentials: CREDENTIALS,
    forcePathStyle: true,
    maxAttempts: 1,
  });
  // The SDK's aws-chunked wrapper re-emits a source error with no listener (docs/LOCAL-S3.md): the
  // streaming adapter will need this too; without it a failed download ends the test process.
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.request as { body?: Readable }).body?.on?.('error', () => {});
      return next(args);
    },
    { step: 'finalizeRequest', name: 'chunkedBodyErrorListener' },
  );
  return client;
};

/** The body in 64 KiB chunks, as a download arrives; `failAt` drops the connection there. */
const download = (bytes: Buffer, failAt?: number): Readable => {
  let offset = 0;
  const end = failAt ?? bytes.length;
  return new Readable({
    read() {
      if (offset >= end) {
        if (failAt === undefined) this.push(null);
        else this.destroy(new Error('media host connection reset'));
        return;
      }
      const next = Math.min(end, offset + 64 * 1024);
      this.push(bytes.subarray(offset, next));
      offset = next;
    },
  });
};

const streamedPut = (s3: S3Client, key: string, body: Readable, signal?: AbortSignal) =>
  s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: body,
      ContentLength: BODY.length,
      ContentType: 'video/mp4',
      ChecksumAlgorithm: 'SHA256',
      Metadata: { 'message-sid': 'MM1' },
    }),
    { abortSignal: signal },
  );

const statusOf = async (promise: Promise<unknown>): Promise<number | undefined> => {
  try {
    await promise;
    return 200;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  }
};

describe('startFauxqsServer', () => {
  let dir: string;
  let server: LocalFauxqsServer;
  let s3: S3Client;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fauxqs-server-'));
    server = await startFauxqsServer({ directory: join(dir, 's3'), buckets: [BUCKET] });
    s3 = s3For(server.endpoint);
  });
  afterEach(() => {
    server.resetRequestCounts();
  });
  afterAll(async () => {
    s3?.destroy();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a streamed PUT with a trailing SHA-256 intact and echoes the checksum', async () => {
    // Act
    const put = await streamedPut(s3, 'media/streamed', download(BODY));
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'media/streamed' }));
    const stored = Buffer.from(
      await (
        object.Body as Readable & { transformToByteArray(): Promise<Uint8Array> }
      ).transformToByteArray(),
    );
    // Assess
    expect(put.ChecksumSHA256).toBe(sha256(BODY));
    expect(stored.equals(BODY)).toBe(true);
    expect(object.ContentType).toBe('video/mp4');
    expect(object.Metadata).toEqual({ 'message-sid': 'MM1' });
  });

  it("returns S3's stored SHA-256 on HEAD with ChecksumMode ENABLED", async () => {
    // Prepare
    await streamedPut(s3, 'media/head', download(BODY));
    // Act
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'media/head', ChecksumMode: 'ENABLED' }),
    );
    // Assess
    expect(head.ChecksumSHA256).toBe(sha256(BODY));
    expect(head.ContentLength).toBe(BODY.length);
  });

  it('leaves no object when the download fails mid-body and the PUT is aborted', async () => {
    // Prepare
    const abort = new AbortController();
    const body = download(BODY, 1024 * 1024);
    body.on('error', () => abort.abort());
    // Act
    const putStatus = await streamedPut(s3, 'media/truncated', body, abort.signal).then(
      () => 'stored',
      (error: Error) => error.name,
    );
    const headStatus = await statusOf(
      s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'media/truncated' })),
    );
    // Assess
    expect(putStatus).toBe('AbortError');
    expect(headStatus).toBe(404);
  });

  it('listens on loopback only, although fauxqs itself binds 0.0.0.0', async () => {
    // Prepare: the running server. Act: nothing. Assess: the address the child bound.
    expect(server.boundAddress).toBe('127.0.0.1');
  });

  it('counts and logs the requests it served', async () => {
    // Prepare
    server.resetRequestCounts();
    // Act
    await streamedPut(s3, 'media/counted', download(BODY));
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'media/counted' }));
    await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'media/' }));
    const counts = await server.requestCounts();
    const log = await server.requestLog();
    // Assess
    expect(counts).toEqual({ PUT: 1, HEAD: 1, GET: 1 });
    expect(log.at(-3)).toMatchObject({
      method: 'PUT',
      path: `/${BUCKET}/media/counted`,
      status: 200,
    });
  });

  it('serves SQS on the same port', async () => {
    // Prepare
    const sqs = new SQSClient({
      endpoint: server.sqsEndpoint,
      region: 'us-east-1',
      credentials: CREDENTIALS,
    });
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'media-jobs' }));
      // Act
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"job":1}' }));
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      const message = received.Messages?.[0];
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle }));
      // Assess
      expect(message?.Body).toBe('{"job":1}');
    } finally {
      sqs.destroy();
    }
  });

  it('keeps objects and their checksums across a restart on the same directory', async () => {
    // Prepare
    await streamedPut(s3, 'media/kept', download(BODY));
    await server.close();
    s3.destroy();
    // Act
    server = await startFauxqsServer({ directory: join(dir, 's3'), buckets: [BUCKET] });
    s3 = s3For(server.endpoint);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'media/kept', ChecksumMode: 'ENABLED' }),
    );
    // Assess
    expect(head.ChecksumSHA256).toBe(sha256(BODY));
    expect(head.ContentLength).toBe(BODY.length);
  });
});
