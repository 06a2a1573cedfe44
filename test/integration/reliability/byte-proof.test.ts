import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArchiverDeps } from '../../../lib/compose/lambda.ts';
import { readArchiverConfig } from '../../../lib/config/lambda.ts';
import { archiveKeyFor } from '../../../lib/domain/archive-key.ts';
import { type MediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { createArchiverHandler } from '../../../lib/handlers/archiver-handler.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import { receiveAll } from '../../helpers/local-sqs.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';
import { type MotoServer, startMotoServer } from '../../helpers/moto-server.ts';
import { sqsEventFactory, sqsRecordFactory } from '../../helpers/sqs-event.ts';
import { TEST_ACCOUNT_SID, testMediaSid } from '../../helpers/twilio-webhook.ts';

const BUCKET = 'byte-proof-archive';
const MAX_RECEIVE_COUNT = 2;
const md5Hex = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

/** How the media host answers one request for a media: raw bytes on a raw socket. */
interface Answer {
  headers: Record<string, string>;
  body: Buffer;
  /** Write only this many bytes of `body`, then drop the connection. */
  cutAt?: number;
}
type Plan = (requestIndex: number) => Answer;

/**
 * The archiver's real adapters against servers of this test: a Twilio API origin (node:http) that
 * redirects each Media to a media host, the media host as a raw TCP server (so a body can be
 * close-delimited — no Content-Length, no chunking — and cut anywhere), and moto for S3 (it
 * honours If-None-Match) and for the dead-letter queue.
 */
describe('proof of the bytes before a DELETE at Twilio', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let sqs: SQSClient;
  let dlqUrl: string;
  let api: Server;
  let mediaHost: NetServer;
  let apiBase: string;
  let mediaBase: string;
  let spoolDir: string;
  let output: ReturnType<typeof captureOutput>;
  const plans = new Map<string, Plan>();
  const mediaRequests: { mediaSid: string; acceptEncoding: string | undefined }[] = [];
  const apiRequests: { method: string; mediaSid: string }[] = [];
  /** Every S3 PUT of a media object and every DELETE at Twilio, in order. */
  const events: string[] = [];
  const dlqSeen: Message[] = [];
  let nextSid = 1;

  const answerRaw = (socket: Socket, answer: Answer) => {
    const head = [
      'HTTP/1.1 200 OK',
      ...Object.entries(answer.headers).map(([name, value]) => `${name}: ${value}`),
      'Connection: close',
      '',
      '',
    ].join('\r\n');
    const body = answer.cutAt === undefined ? answer.body : answer.body.subarray(0, answer.cutAt);
    socket.write(head);
    // Written, then the connection dropped: for a close-delimited body, the end of the body.
    socket.write(body, () => socket.destroy());
  };

  beforeAll(async () => {
    output = captureOutput();
    spoolDir = await mkdtemp(join(tmpdir(), 'byte-proof-'));
    moto = await startMotoServer();
    await moto.createBucket(BUCKET);
    s3 = moto.s3();
    await s3.send(
      new PutBucketVersioningCommand({
        Bucket: BUCKET,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    );
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key ?? '';
        const record = context.commandName === 'PutObjectCommand' && !key.includes('_index');
        const what = `put ${key.split('/').pop()?.split('.')[0]}`;
        try {
          const result = await next(args);
          if (record) events.push(what);
          return result;
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
          if (record) events.push(`${what} → ${status?.httpStatusCode ?? 'error'}`);
          throw error;
        }
      },
      { step: 'initialize', name: 'recordPuts' },
    );
    sqs = moto.sqs();
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: 'byte-proof-dlq' }));
    dlqUrl = (dlq.QueueUrl as string).replace(/^https?:\/\/[^/]+/, moto.endpoint);

    mediaHost = createNetServer((socket) => {
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if (!received.includes('\r\n\r\n')) return;
        const [requestLine = '', ...lines] = received.split('\r\n');
        const mediaSid = /\/cdn\/(ME[0-9a-f]{32})/.exec(requestLine)?.[1] ?? '';
        const acceptEncoding = lines
          .find((line) => line.toLowerCase().startsWith('accept-encoding:'))
          ?.slice('accept-encoding:'.length)
          .trim();
        const index = mediaRequests.filter((request) => request.mediaSid === mediaSid).length;
        mediaRequests.push({ mediaSid, acceptEncoding });
        const plan = plans.get(mediaSid);
        if (!plan) {
          socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          return;
        }
        answerRaw(socket, plan(index));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => mediaHost.listen(0, '127.0.0.1', resolve));
    mediaBase = `http://127.0.0.1:${(mediaHost.address() as { port: number }).port}`;

    api = createHttpServer((req, res) => {
      req.resume();
      const mediaSid = /\/Media\/(ME[0-9a-f]{32})(?:\.json)?$/.exec(req.url ?? '')?.[1] ?? '';
      apiRequests.push({ method: req.method ?? 'GET', mediaSid });
      if (req.method === 'DELETE') {
        events.push(`delete ${mediaSid}`);
        res.writeHead(204).end();
        return;
      }
      res
        .writeHead(307, { Location: `${mediaBase}/cdn/${mediaSid}?Expires=1&Signature=sig` })
        .end();
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiBase = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    output?.restore();
    api?.closeAllConnections();
    await new Promise((resolve) => api?.close(resolve));
    await new Promise((resolve) => mediaHost?.close(resolve));
    await moto?.stop();
    await rm(spoolDir, { recursive: true, force: true });
  });

  const handler = () =>
    createArchiverHandler(
      createArchiverDeps(
        readArchiverConfig({
          TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
          TWILIO_AUTH_TOKEN: 'test-token',
          TWILIO_API_BASE_URL: apiBase,
          // The allow-list of media hosts (issue 12), where the running version knows it.
          TWILIO_MEDIA_ORIGINS: mediaBase,
          ARCHIVE_BUCKET: BUCKET,
          DEAD_LETTER_QUEUE_URL: dlqUrl,
          MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
          RETRY_BACKOFF_SECONDS: '0',
          SPOOL_DIR: spoolDir,
          SPOOL_MEMORY_BYTES: '0',
        }),
        {
          s3,
          sqs,
          twilio: {
            retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 5 },
            notFoundRetryDelaysMs: [],
          },
        },
      ),
    );

  const newJob = (plan?: Plan): MediaJob => {
    const mediaSid = testMediaSid(nextSid);
    nextSid += 1;
    if (plan) plans.set(mediaSid, plan);
    return {
      version: 1,
      accountSid: TEST_ACCOUNT_SID,
      messageSid: `MM${'7'.repeat(32)}`,
      mediaSid,
      contentType: 'image/jpeg',
      receivedAt: '2026-11-30T10:00:00.000Z',
      index: 1,
      source: 'webhook',
    };
  };

  const deliver = async (job: MediaJob, attempt: number) => {
    const record = sqsRecordFactory(serializeMediaJob(job), { receiveCount: attempt });
    const response = await handler()(sqsEventFactory([record]), lambdaContext());
    return response.batchItemFailures.length === 0;
  };

  const keyOf = (job: MediaJob) => archiveKeyFor('media/', job);

  const stored = async (job: MediaJob): Promise<Buffer | undefined> => {
    try {
      const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: keyOf(job) }));
      return Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  };

  const deadLetterReason = async (job: MediaJob) => {
    dlqSeen.push(...(await receiveAll(sqs, dlqUrl)));
    const message = dlqSeen.find((m) => m.Body?.includes(job.mediaSid));
    return message?.MessageAttributes?.FailureReason?.StringValue;
  };

  const deleted = (job: MediaJob) => events.includes(`delete ${job.mediaSid}`);
  const downloads = (job: MediaJob) => mediaRequests.filter((r) => r.mediaSid === job.mediaSid);
  const plain =
    (body: Buffer): Plan =>
    () => ({
      headers: { 'Content-Type': 'image/jpeg', 'Content-Length': String(body.length) },
      body,
    });

  describe('close-delimited bodies (no Content-Length, no chunking)', () => {
    it('keeps the media at Twilio when the connection drops at a random point each time', async () => {
      // Prepare: each download is cut at another random offset, so no two agree.
      const body = makeMediaBody(120_000, 21);
      const cuts: number[] = [];
      const job = newJob(() => {
        let cut = 1_000 + Math.floor(Math.random() * (body.length - 2_000));
        while (cuts.includes(cut)) cut += 1;
        cuts.push(cut);
        return { headers: { 'Content-Type': 'image/jpeg' }, body, cutAt: cut };
      });

      // Act
      const first = await deliver(job, 1);
      const last = await deliver(job, MAX_RECEIVE_COUNT);

      // Assess
      expect(first).toBe(false);
      expect(last).toBe(true);
      expect(await stored(job)).toBeUndefined();
      expect(deleted(job)).toBe(false);
      expect(await deadLetterReason(job)).toMatch(
        /two downloads without a usable Content-Length differ .*kept at Twilio/,
      );
      expect(await readdir(spoolDir)).toEqual([]);
    });

    it('archives the same body served whole only after two downloads agree, then deletes', async () => {
      // Prepare
      const body = makeMediaBody(120_000, 21);
      const job = newJob(() => ({ headers: { 'Content-Type': 'image/jpeg' }, body }));

      // Act
      const ok = await deliver(job, 1);

      // Assess
      expect(ok).toBe(true);
      expect((await stored(job))?.equals(body)).toBe(true);
      expect(downloads(job)).toHaveLength(2);
      expect(events.filter((e) => e.endsWith(job.mediaSid))).toEqual([
        `put ${job.mediaSid}`,
        `delete ${job.mediaSid}`,
      ]);
      expect(await deadLetterReason(job)).toBeUndefined();
    });
  });

  describe('compressed transfer', () => {
    it('asks for identity and archives the decoded bytes of a gzip body with its (compressed) length', async () => {
      // Prepare: the length is the compressed size, correct for the wire, wrong for the media.
      const body = Buffer.from('BEGIN:VCARD\nFN:Someone\nEND:VCARD\n'.repeat(400));
      const gzipped = gzipSync(body);
      const job = newJob(() => ({
        headers: {
          'Content-Type': 'text/vcard',
          'Content-Encoding': 'gzip',
          'Content-Length': String(gzipped.length),
        },
        body: gzipped,
      }));

      // Act
      const ok = await deliver(job, 1);

      // Assess
      expect(ok).toBe(true);
      expect((await stored(job))?.equals(body)).toBe(true);
      expect(downloads(job).map((r) => r.acceptEncoding)).toEqual(['identity', 'identity']);
      expect(deleted(job)).toBe(true);
    });

    it('archives a close-delimited gzip body (no length) after two matching downloads', async () => {
      // Prepare
      const body = Buffer.from('BEGIN:VCARD\nFN:Other\nEND:VCARD\n'.repeat(300));
      const job = newJob(() => ({
        headers: { 'Content-Type': 'text/vcard', 'Content-Encoding': 'gzip' },
        body: gzipSync(body),
      }));

      // Act
      const ok = await deliver(job, 1);

      // Assess
      expect(ok).toBe(true);
      expect((await stored(job))?.equals(body)).toBe(true);
      expect(downloads(job)).toHaveLength(2);
      expect(deleted(job)).toBe(true);
    });

    it('keeps the media when a gzip body ends short of its Content-Length: never loops, never deletes', async () => {
      // Prepare: the host announces more compressed bytes than it sends, then drops the line.
      const gzipped = gzipSync(makeMediaBody(50_000, 23));
      const job = newJob(() => ({
        headers: {
          'Content-Type': 'text/vcard',
          'Content-Encoding': 'gzip',
          'Content-Length': String(gzipped.length + 500),
        },
        body: gzipped,
      }));

      // Act
      await deliver(job, 1);
      const last = await deliver(job, MAX_RECEIVE_COUNT);

      // Assess
      expect(last).toBe(true);
      expect(await stored(job)).toBeUndefined();
      expect(deleted(job)).toBe(false);
      expect(await deadLetterReason(job)).toMatch(/media body ended early/);
      expect(downloads(job).length).toBeLessThanOrEqual(2 * MAX_RECEIVE_COUNT);
    });
  });

  describe('an object planted at the key (self-consistent metadata, other bytes)', () => {
    const plant = async (job: MediaJob, bytes: Buffer, metadata: Record<string, string>) => {
      await s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: keyOf(job),
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: 'image/jpeg',
          Metadata: metadata,
        }),
      );
      events.length = 0;
    };

    it('first delivery: the conditional PUT gets 412; the proven download replaces it (old version kept), then the DELETE', async () => {
      // Prepare: metadata true to the planted bytes (sha256, size, md5 = its MD5 ETag).
      const body = makeMediaBody(40_000, 31);
      const planted = makeMediaBody(40_000, 32);
      const job = newJob(plain(body));
      await plant(job, planted, {
        sha256: sha256Hex(planted),
        size: String(planted.length),
        md5: md5Hex(planted),
      });

      // Act
      const ok = await deliver(job, 1);

      // Assess
      expect(ok).toBe(true);
      expect((await stored(job))?.equals(body)).toBe(true);
      expect(events).toEqual([
        `put ${job.mediaSid} → 412`,
        `put ${job.mediaSid}`,
        `delete ${job.mediaSid}`,
      ]);
      const versions = await s3.send(
        new ListObjectVersionsCommand({ Bucket: BUCKET, Prefix: keyOf(job) }),
      );
      expect(versions.Versions?.map((v) => v.ETag?.replace(/"/g, '')).sort()).toEqual(
        [md5Hex(body), md5Hex(planted)].sort(),
      );
    });

    it("redelivery: a HEAD whose metadata claims Twilio's digest is not proof; downloads, overwrites, deletes", async () => {
      // Prepare: metadata names the real media's sha256/md5, the bytes are others of that size.
      const body = makeMediaBody(40_000, 33);
      const planted = makeMediaBody(40_000, 34);
      const job = newJob(plain(body));
      await plant(job, planted, {
        sha256: sha256Hex(body),
        size: String(body.length),
        md5: md5Hex(body),
      });

      // Act
      const ok = await deliver(job, 2);

      // Assess
      expect(ok).toBe(true);
      expect(downloads(job)).toHaveLength(1);
      expect((await stored(job))?.equals(body)).toBe(true);
      expect(events).toEqual([`put ${job.mediaSid}`, `delete ${job.mediaSid}`]);
    });
  });

  describe('happy path request counts', () => {
    it('costs 1 API GET, 1 media-host GET, 1 PUT and 1 DELETE; a replay downloads nothing', async () => {
      // Prepare
      const body = makeMediaBody(64_000, 41);
      const job = newJob(plain(body));
      events.length = 0;

      // Act
      const first = await deliver(job, 1);
      const replay = await deliver(job, 2);

      // Assess
      expect(first && replay).toBe(true);
      const apiCalls = apiRequests.filter((r) => r.mediaSid === job.mediaSid);
      expect(apiCalls.filter((r) => r.method === 'GET')).toHaveLength(1);
      expect(downloads(job)).toHaveLength(1);
      expect(events).toEqual([
        `put ${job.mediaSid}`,
        `delete ${job.mediaSid}`,
        `delete ${job.mediaSid}`,
      ]);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: keyOf(job), ChecksumMode: 'ENABLED' }),
      );
      // One pass: a trailing SHA-256 that moto keeps and returns; no MD5 and no sha256 metadata,
      // so the replay's proof was S3's own checksum over the size the metadata names.
      expect(Buffer.from(head.ChecksumSHA256 ?? '', 'base64').toString('hex')).toBe(
        sha256Hex(body),
      );
      expect(head.Metadata?.size).toBe(String(body.length));
      expect(head.Metadata?.md5).toBeUndefined();
      expect(head.Metadata?.sha256).toBeUndefined();
    });
  });
});
