import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@aws-sdk/client-sqs';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArchiverDeps } from '../../../lib/compose/lambda.ts';
import { readArchiverConfig } from '../../../lib/config/lambda.ts';
import { type MediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { mediaResourcePath } from '../../../lib/domain/sids.ts';
import { createArchiverHandler } from '../../../lib/handlers/archiver-handler.ts';
import { startFauxqsServer } from '../../../lib/stand-ins/fauxqs-server.ts';
import type { LocalS3Server } from '../../../lib/stand-ins/s3-server.ts';
import { type LocalSqsServer, startLocalSqsServer } from '../../../lib/stand-ins/sqs-server.ts';
import { localS3Client } from '../../helpers/archived-objects.ts';
import { captureOutput } from '../../helpers/capture-stdout.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import { localSqsClient, receiveAll } from '../../helpers/local-sqs.ts';
import { type ArchivedObject, readArchive } from '../../helpers/local-stack.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';
import { sqsEventFactory, sqsRecordFactory } from '../../helpers/sqs-event.ts';

const ACCOUNT = `AC${'5'.repeat(32)}`;
const MESSAGE = `MM${'6'.repeat(32)}`;
const TOKEN = 'the-auth-token-of-the-media-origins-test';
const BUCKET = 'origins-archive';
const BODY = makeMediaBody(20_000, 12);
const mediaSid = (n: number) => `ME${String(n).padStart(32, '0')}`;

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
}

/** A real HTTP server on a free loopback port, recording every connection and request. */
const startServer = async (
  answer: (req: IncomingMessage) => {
    status: number;
    headers?: Record<string, string>;
    body?: Buffer;
  },
) => {
  const seen: Seen[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    seen.push({
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      authorization: req.headers.authorization,
    });
    const { status, headers = {}, body = Buffer.alloc(0) } = answer(req);
    res.writeHead(status, { 'Content-Length': String(body.length), ...headers });
    res.end(body);
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    seen,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
type TestServer = Awaited<ReturnType<typeof startServer>>;

const media = () => ({
  status: 200,
  headers: { 'Content-Type': 'image/jpeg' },
  body: BODY,
});

/**
 * Issue 12: a content redirect to anything but a TWILIO_MEDIA_ORIGINS origin is refused before a
 * request is made; the media stays at Twilio and the job is dead-lettered with a reason that
 * names host and path only. Real servers of our own for the API origin, the allowed media host
 * and another loopback port; the local S3 (fauxqs) and local SQS; the real archiver handler.
 */
describe('redirects outside TWILIO_MEDIA_ORIGINS, through the archiver handler', () => {
  let workDir: string;
  let s3Server: LocalS3Server;
  let sqsServer: LocalSqsServer;
  let sqs: SQSClient;
  let dlqUrl: string;
  let api: TestServer;
  let cdn: TestServer;
  let elsewhere: TestServer;
  let archive: ArchivedObject[];
  let deadLetters: Message[];
  let requested: string[];
  let logs: string;
  /** Where the API redirects each media; filled before the batch runs. */
  const redirects = new Map<string, string>();

  const cases = {
    allowed: 1,
    otherLoopbackPort: 2,
    userinfo: 3,
    metadataService: 4,
    privateAddress: 5,
    apiOrigin: 6,
  } as const;
  const sidOf = (name: keyof typeof cases) => mediaSid(cases[name]);
  const deadLetterOf = (name: keyof typeof cases) =>
    deadLetters.find((message) => message.Body?.includes(sidOf(name)));
  const reasonOf = (name: keyof typeof cases) =>
    deadLetterOf(name)?.MessageAttributes?.FailureReason?.StringValue ?? '';
  const deletesAtTwilio = () => api.seen.filter((r) => r.method === 'DELETE').map((r) => r.path);

  beforeAll(async () => {
    // Prepare
    workDir = await mkdtemp(join(tmpdir(), 'media-origins-'));
    await mkdir(join(workDir, 'spool'));
    [s3Server, sqsServer] = await Promise.all([
      startFauxqsServer({ directory: join(workDir, 's3'), buckets: [BUCKET] }),
      startLocalSqsServer(),
    ]);
    sqs = localSqsClient(sqsServer.endpoint);
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'origins-dlq' })))
      .QueueUrl as string;
    cdn = await startServer(media);
    elsewhere = await startServer(media);
    api = await startServer((req) => {
      if (req.method === 'DELETE') return { status: 204 };
      const sid = /Media\/(ME[0-9a-f]{32})$/i.exec(req.url ?? '')?.[1];
      const location = sid ? redirects.get(sid) : undefined;
      // Anything else on the API origin answers the media bytes: following it would archive them.
      return location ? { status: 307, headers: { Location: location } } : media();
    });
    const signed = (origin: string, n: number) =>
      `${origin}/v1/${n}/${mediaSid(n)}?Expires=1&Signature=sig-${n}-s3cr3t`;
    redirects.set(sidOf('allowed'), signed(cdn.baseUrl, cases.allowed));
    redirects.set(sidOf('otherLoopbackPort'), signed(elsewhere.baseUrl, cases.otherLoopbackPort));
    redirects.set(
      sidOf('userinfo'),
      signed(`http://cdnuser:hunter2@127.0.0.1:${cdn.port}`, cases.userinfo),
    );
    redirects.set(
      sidOf('metadataService'),
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/?Signature=sig-4-s3cr3t',
    );
    redirects.set(sidOf('privateAddress'), signed('http://10.0.0.7:8080', cases.privateAddress));
    redirects.set(
      sidOf('apiOrigin'),
      `${api.baseUrl}${mediaResourcePath(ACCOUNT, MESSAGE, mediaSid(99))}?Signature=sig-6-s3cr3t`,
    );

    const config = readArchiverConfig({
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_API_BASE_URL: api.baseUrl,
      TWILIO_MEDIA_ORIGINS: cdn.baseUrl,
      ARCHIVE_BUCKET: BUCKET,
      S3_FORCE_PATH_STYLE: 'true',
      DEAD_LETTER_QUEUE_URL: dlqUrl,
      RETRY_BACKOFF_SECONDS: '0',
      SPOOL_DIR: join(workDir, 'spool'),
    });
    requested = [];
    const recordingFetch: typeof globalThis.fetch = (input, init) => {
      requested.push(String(input));
      return globalThis.fetch(input, init);
    };
    const s3 = localS3Client(s3Server.endpoint);
    const handler = createArchiverHandler(
      createArchiverDeps(config, {
        s3,
        sqs,
        twilio: { fetch: recordingFetch, retry: { attempts: 0 } },
      }),
    );
    const jobs: MediaJob[] = Object.values(cases).map((n) => ({
      version: 1,
      accountSid: ACCOUNT,
      messageSid: MESSAGE,
      mediaSid: mediaSid(n),
      contentType: 'image/jpeg',
      receivedAt: '2025-06-01T12:00:00.000Z',
      index: 0,
      source: 'webhook',
    }));
    const output = captureOutput();

    // Act
    try {
      await handler(
        sqsEventFactory(jobs.map((job) => sqsRecordFactory(serializeMediaJob(job)))),
        lambdaContext(),
      );
    } finally {
      logs = output.text();
      output.restore();
    }
    archive = await readArchive(s3, BUCKET);
    deadLetters = await receiveAll(sqs, dlqUrl);
    s3.destroy();
  });

  afterAll(async () => {
    await Promise.all([api?.close(), cdn?.close(), elsewhere?.close()]);
    await Promise.all([s3Server?.close(), sqsServer?.close()]);
    sqs?.destroy();
    await rm(workDir, { recursive: true, force: true });
  });

  it('archives and deletes the media whose redirect stays on the allowed origin', () => {
    // Assess: the control case, so the refusals below are the allow-list's doing.
    expect(archive).toHaveLength(1);
    expect(archive[0]?.key).toContain(sidOf('allowed'));
    expect(archive[0]?.sha256).toBe(sha256Hex(BODY));
    expect(deletesAtTwilio()).toEqual([
      `${mediaResourcePath(ACCOUNT, MESSAGE, sidOf('allowed'))}.json`,
    ]);
    expect(deadLetterOf('allowed')).toBeUndefined();
  });

  it('refuses a redirect to another loopback port: no connection, nothing in S3, no DELETE', () => {
    // Assess
    expect(elsewhere.connections()).toBe(0);
    expect(elsewhere.seen).toEqual([]);
    expect(archive.some((object) => object.key.includes(sidOf('otherLoopbackPort')))).toBe(false);
    expect(deletesAtTwilio().some((path) => path.includes(sidOf('otherLoopbackPort')))).toBe(false);
    expect(deadLetterOf('otherLoopbackPort')?.MessageAttributes?.ErrorName?.StringValue).toBe(
      'UnsafeRedirectError',
    );
    expect(reasonOf('otherLoopbackPort')).toBe(
      `redirect to a loopback address outside TWILIO_MEDIA_ORIGINS refused (127.0.0.1:${elsewhere.port}/v1/2/${sidOf('otherLoopbackPort')})`,
    );
  });

  it('refuses a Location with userinfo even on the allowed origin, and never repeats it', () => {
    // Assess
    expect(cdn.seen.filter((r) => r.path.includes(sidOf('userinfo')))).toEqual([]);
    expect(archive.some((object) => object.key.includes(sidOf('userinfo')))).toBe(false);
    expect(deletesAtTwilio().some((path) => path.includes(sidOf('userinfo')))).toBe(false);
    expect(reasonOf('userinfo')).toBe(
      `redirect to a URL with userinfo refused (127.0.0.1:${cdn.port}/v1/3/${sidOf('userinfo')})`,
    );
  });

  it.each([
    [
      'metadataService',
      'a link-local address',
      '169.254.169.254/latest/meta-data/iam/security-credentials/',
    ],
    ['privateAddress', 'a private address', `10.0.0.7:8080/v1/5/${mediaSid(5)}`],
  ] as const)(
    'refuses a redirect to the %s without any connection attempt',
    (name, kind, where) => {
      // Assess
      expect(
        requested.filter((url) => !url.startsWith(api.baseUrl) && !url.startsWith(cdn.baseUrl)),
      ).toEqual([]);
      expect(archive.some((object) => object.key.includes(sidOf(name)))).toBe(false);
      expect(deletesAtTwilio().some((path) => path.includes(sidOf(name)))).toBe(false);
      expect(deadLetterOf(name)?.MessageAttributes?.ErrorName?.StringValue).toBe(
        'UnsafeRedirectError',
      );
      expect(reasonOf(name)).toBe(
        `redirect to ${kind} outside TWILIO_MEDIA_ORIGINS refused (${where})`,
      );
    },
  );

  it('refuses a redirect back to the API origin: no request to it, so no credentials either', () => {
    // Assess
    const target = mediaResourcePath(ACCOUNT, MESSAGE, mediaSid(99));
    expect(api.seen.filter((r) => r.path.startsWith(target))).toEqual([]);
    expect(archive.some((object) => object.key.includes(sidOf('apiOrigin')))).toBe(false);
    expect(deletesAtTwilio().some((path) => path.includes(sidOf('apiOrigin')))).toBe(false);
    expect(reasonOf('apiOrigin')).toBe(
      `redirect back to the Twilio API origin refused (127.0.0.1:${api.port}${target})`,
    );
  });

  it('puts neither userinfo nor a signed query into a dead-letter reason or a log line', () => {
    // Assess
    expect(deadLetters).toHaveLength(5);
    const reasons = deadLetters.map(
      (message) => message.MessageAttributes?.FailureReason?.StringValue ?? '',
    );
    for (const text of [...reasons, logs]) {
      for (const secret of ['hunter2', 'cdnuser', 's3cr3t', 'Signature', 'Expires', '?']) {
        expect(text).not.toContain(secret);
      }
    }
    expect(logs).toContain('job failed permanently');
    expect(cdn.seen.concat(elsewhere.seen).filter((r) => r.authorization !== undefined)).toEqual(
      [],
    );
  });
});
