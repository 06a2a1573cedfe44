import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateQueueCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createArchiverDeps } from '../../../lib/compose/lambda.ts';
import { type ArchiverConfig, readArchiverConfig } from '../../../lib/config/lambda.ts';
import { archiveKeyFor, messageIndexKeyFor } from '../../../lib/domain/archive-key.ts';
import { type MediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { createArchiverHandler } from '../../../lib/handlers/archiver-handler.ts';
import { startFauxqsServer } from '../../../lib/stand-ins/fauxqs-server.ts';
import type { LocalS3Server } from '../../../lib/stand-ins/s3-server.ts';
import { type LocalSqsServer, startLocalSqsServer } from '../../../lib/stand-ins/sqs-server.ts';
import {
  type SeededMedia,
  type SeededMessage,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import { localSqsClient, receiveAll } from '../../helpers/local-sqs.ts';
import { makeSeedMedia, sha256Hex } from '../../helpers/media-fixtures.ts';
import { sqsEventFactory, sqsRecordFactory } from '../../helpers/sqs-event.ts';

const BUCKET = 'archive';
const MIB = 1024 * 1024;

describe('archiver against fauxqs (S3), local SQS and the Twilio emulator', () => {
  let workDir: string;
  let spoolDir: string;
  let s3Server: LocalS3Server;
  let sqsServer: LocalSqsServer;
  let emulator: TwilioEmulator;
  let s3: S3Client;
  let sqs: SQSClient;
  let dlqUrl: string;
  let config: ArchiverConfig;
  /** Emulator request seq at the moment each archive PUT completed. */
  const putCompletedAtSeq = new Map<string, number>();
  /** Values the emulator's fault dice return next; 0.99 (no fault) once empty. */
  const dice: number[] = [];

  const lastSeq = () => emulator.requests.at(-1)?.seq ?? 0;

  const handlerWith = (overrides: Partial<ArchiverConfig> = {}, client: S3Client = s3) =>
    createArchiverHandler(
      createArchiverDeps(
        { ...config, ...overrides },
        {
          s3: client,
          sqs,
          twilio: {
            retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
            notFoundRetryDelaysMs: [5],
          },
        },
      ),
    );

  const jobFor = (message: SeededMessage, index = 0): MediaJob => {
    const media = message.media[index] as SeededMedia;
    return {
      version: 1,
      accountSid: emulator.accountSid,
      messageSid: message.sid,
      mediaSid: media.sid,
      contentType: media.contentType,
      receivedAt: '2025-03-04T05:06:07.000Z',
      index,
      source: 'webhook',
    };
  };

  const deliver = async (
    jobs: (MediaJob | string)[],
    receiveCount = 1,
    handler = handlerWith(),
  ) => {
    const records = jobs.map((job) =>
      sqsRecordFactory(typeof job === 'string' ? job : serializeMediaJob(job), { receiveCount }),
    );
    const response = await handler(sqsEventFactory(records), lambdaContext());
    return { records, failed: response.batchItemFailures.map((failure) => failure.itemIdentifier) };
  };

  const objectBytes = async (key: string) => {
    const answer = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
  };

  const exists = async (key: string) => {
    try {
      await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      return true;
    } catch (error) {
      if ((error as Error).name === 'NotFound') return false;
      throw error;
    }
  };

  /** Receiving hides messages for a while, so everything read from the DLQ is kept here. */
  const dlqMessages: Message[] = [];
  const deadLettered = async (mediaSid: string): Promise<Message | undefined> => {
    dlqMessages.push(...(await receiveAll(sqs, dlqUrl)));
    return dlqMessages.find((message) => message.Body?.includes(mediaSid));
  };

  const cdnRequestsWithCredentials = () =>
    emulator.requests.filter((request) => request.origin === 'cdn' && request.hadAuthorization);

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'archiver-it-'));
    spoolDir = join(workDir, 'spool');
    await mkdir(spoolDir);
    [s3Server, sqsServer, emulator] = await Promise.all([
      startFauxqsServer({ directory: join(workDir, 's3'), buckets: [BUCKET] }),
      startLocalSqsServer(),
      startTwilioEmulator({ random: () => dice.shift() ?? 0.99 }),
    ]);
    s3 = new S3Client({
      endpoint: s3Server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'PutObjectCommand') {
          putCompletedAtSeq.set((args.input as { Key: string }).Key, lastSeq());
        }
        return result;
      },
      { step: 'initialize', name: 'recordPutCompletion' },
    );
    sqs = localSqsClient(sqsServer.endpoint);
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'archiver-dlq' })))
      .QueueUrl as string;
    config = readArchiverConfig({
      TWILIO_ACCOUNT_SID: emulator.accountSid,
      TWILIO_API_KEY_SID: emulator.apiKey.sid,
      TWILIO_API_KEY_SECRET: emulator.apiKey.secret,
      TWILIO_API_BASE_URL: emulator.apiBaseUrl,
      TWILIO_MEDIA_ORIGINS: emulator.cdnBaseUrl,
      ARCHIVE_BUCKET: BUCKET,
      S3_FORCE_PATH_STYLE: 'true',
      DEAD_LETTER_QUEUE_URL: dlqUrl,
      NOT_FOUND_ATTEMPTS: '2',
      MAX_RECEIVE_COUNT: '4',
      RETRY_BACKOFF_SECONDS: '0',
      SPOOL_DIR: spoolDir,
    });
  });

  afterAll(async () => {
    await Promise.all([s3Server?.close(), sqsServer?.close(), emulator?.close()]);
    await rm(workDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    emulator.clearRequests();
    dice.length = 0;
  });

  afterEach(async () => {
    emulator.setFaults({
      throttleRate: 0,
      serverErrorRate: 0,
      resetRate: 0,
      truncateRate: 0,
      transientNotFoundMs: 0,
    });
    // Assess (shared): no spool file survives, and the CDN never saw credentials.
    expect(await readdir(spoolDir)).toEqual([]);
    expect(cdnRequestsWithCredentials()).toEqual([]);
  });

  it('archives 1 KB, 5 MB and 16 MB byte for byte and deletes each only after its object existed', async () => {
    // Prepare
    const message = emulator.addMessage({
      media: [
        makeSeedMedia({ size: 1024, seed: 1, filename: 'note été.jpg' }),
        makeSeedMedia({ size: 5 * MIB, seed: 2, contentType: 'video/mp4' }),
        makeSeedMedia({ size: 16 * MIB, seed: 3, contentType: 'application/pdf' }),
      ],
    });
    const jobs = message.media.map((_, index) => jobFor(message, index));

    // Act
    const { failed } = await deliver(jobs);

    // Assess
    expect(failed).toEqual([]);
    for (const [index, media] of message.media.entries()) {
      const key = archiveKeyFor(config.archivePrefix, jobs[index] as MediaJob);
      const bytes = await objectBytes(key);
      expect(bytes.length).toBe(media.size);
      expect(sha256Hex(bytes)).toBe(media.sha256);
      // One pass: the metadata names the size; S3's own stored SHA-256 is the digest.
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }),
      );
      expect(head.Metadata).toMatchObject({ size: String(media.size) });
      expect(head.Metadata?.sha256).toBeUndefined();
      expect(Buffer.from(head.ChecksumSHA256 ?? '', 'base64').toString('hex')).toBe(media.sha256);
      expect(emulator.hasMedia(media.sid)).toBe(false);
      const deletion = emulator.deletion(media.sid);
      const putSeq = putCompletedAtSeq.get(key);
      expect(putSeq).toBeDefined();
      expect(deletion?.seq).toBeGreaterThan(putSeq as number);
    }
    const first = archiveKeyFor(config.archivePrefix, jobs[0] as MediaJob);
    const firstHead = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: first }));
    expect(firstHead.Metadata?.['original-filename']).toBe(encodeURIComponent('note été.jpg'));
    expect(await exists(messageIndexKeyFor(config.archivePrefix, jobs[0] as MediaJob))).toBe(true);
    const apiUsers = emulator.requests
      .filter((request) => request.origin === 'api')
      .map((request) => request.authorizedAs);
    expect(new Set(apiUsers)).toEqual(new Set([emulator.apiKey.sid]));
  });

  it('refuses 16 MB + 1 byte: no object, media kept at Twilio, dead-lettered with the reason', async () => {
    // Prepare
    const message = emulator.addMessage({ media: [makeSeedMedia({ size: 16 * MIB + 1 })] });
    const job = jobFor(message);

    // Act
    const { failed } = await deliver([job]);

    // Assess
    expect(failed).toEqual([]);
    expect(await exists(archiveKeyFor(config.archivePrefix, job))).toBe(false);
    expect(emulator.hasMedia(job.mediaSid)).toBe(true);
    const dead = await deadLettered(job.mediaSid);
    expect(dead?.MessageAttributes?.ErrorName?.StringValue).toBe('MediaTooLargeError');
    expect(dead?.MessageAttributes?.FailureReason?.StringValue).toContain('16777216');
  });

  it('replays of an archived job download nothing and confirm the deletion', async () => {
    // Prepare
    const message = emulator.addMessage({ media: [makeSeedMedia({ size: 2048, seed: 9 })] });
    const job = jobFor(message);
    await deliver([job]);
    emulator.clearRequests();

    // Act
    const later = await deliver([job], 2);
    const duplicate = await deliver([job], 1);

    // Assess
    expect(later.failed).toEqual([]);
    expect(duplicate.failed).toEqual([]);
    expect(emulator.requests.filter((request) => request.origin === 'cdn')).toEqual([]);
    const deletes = emulator.requests.filter((request) => request.method === 'DELETE');
    expect(deletes.map((request) => request.status)).toEqual([404, 404]);
  });

  it('retries a 429 in-process and archives', async () => {
    // Prepare
    const message = emulator.addMessage({ media: [makeSeedMedia({ size: 4096, seed: 4 })] });
    emulator.setFaults({ throttleRate: 0.5 });
    dice.push(0.1);

    // Act
    const { failed } = await deliver([jobFor(message)]);

    // Assess
    expect(failed).toEqual([]);
    expect(emulator.requests.filter((request) => request.fault === 'throttle')).toHaveLength(1);
    expect(emulator.hasMedia(message.media[0]?.sid as string)).toBe(false);
  });

  it.each([
    ['lasting 429', { throttleRate: 1 }],
    ['5xx', { serverErrorRate: 1 }],
    ['connection resets', { resetRate: 1 }],
    ['truncated bodies', { truncateRate: 1 }],
  ])(
    'treats %s as transient: the record fails, nothing is deleted, a later delivery archives',
    async (_name, faults) => {
      // Prepare
      const message = emulator.addMessage({ media: [makeSeedMedia({ size: 64 * 1024, seed: 5 })] });
      const job = jobFor(message);
      emulator.setFaults(faults);

      // Act
      const first = await deliver([job], 1);
      emulator.setFaults({ throttleRate: 0, serverErrorRate: 0, resetRate: 0, truncateRate: 0 });
      const second = await deliver([job], 2);

      // Assess
      expect(first.failed).toEqual([first.records[0]?.messageId]);
      expect(second.failed).toEqual([]);
      expect(await deadLettered(job.mediaSid)).toBeUndefined();
      const bytes = await objectBytes(archiveKeyFor(config.archivePrefix, job));
      expect(sha256Hex(bytes)).toBe(message.media[0]?.sha256);
      expect(emulator.hasMedia(job.mediaSid)).toBe(false);
    },
  );

  it('treats a 404 as transient on early attempts and dead-letters it from NOT_FOUND_ATTEMPTS on', async () => {
    // Prepare
    const message = emulator.addMessage({ media: [makeSeedMedia({ size: 10 })] });
    const job = { ...jobFor(message), mediaSid: `ME${'0'.repeat(32)}` };

    // Act
    const first = await deliver([job], 1);
    const second = await deliver([job], 2);

    // Assess
    expect(first.failed).toHaveLength(1);
    expect(second.failed).toEqual([]);
    const dead = await deadLettered(job.mediaSid);
    expect(dead?.MessageAttributes?.ErrorName?.StringValue).toBe('MediaNotFoundError');
  });

  it('reports refused credentials as TwilioAuthError and retries the record', async () => {
    // Prepare
    const message = emulator.addMessage({ media: [makeSeedMedia({ size: 10 })] });
    const job = jobFor(message);
    const handler = handlerWith({
      credentials: { username: emulator.apiKey.sid, password: 'wrong-secret' },
    });

    // Act
    const { failed } = await deliver([job], 1, handler);

    // Assess
    expect(failed).toHaveLength(1);
    expect(emulator.requests.map((request) => request.status)).toEqual([401]);
    expect(emulator.hasMedia(job.mediaSid)).toBe(true);
  });

  it('archives media of an in-flight message, retries the 20009 delete, then deletes', async () => {
    // Prepare
    const message = emulator.addMessage({
      direction: 'outbound-api',
      status: 'sending',
      media: [makeSeedMedia({ size: 3000, seed: 6 })],
    });
    const job = jobFor(message);

    // Act
    const first = await deliver([job], 1);
    emulator.setMessageStatus(message.sid, 'delivered');
    emulator.clearRequests();
    const second = await deliver([job], 2);

    // Assess
    expect(first.failed).toHaveLength(1);
    expect(await exists(archiveKeyFor(config.archivePrefix, job))).toBe(true);
    expect(second.failed).toEqual([]);
    expect(emulator.requests.map((request) => request.method)).toEqual(['DELETE']);
    expect(emulator.hasMedia(job.mediaSid)).toBe(false);
  });

  it('dead-letters a job of another account and a malformed job without calling Twilio', async () => {
    // Prepare
    const message = emulator.addMessage({ media: [makeSeedMedia({ size: 10 })] });
    const foreign = { ...jobFor(message), accountSid: `AC${'f'.repeat(32)}` };
    const malformed = `{"version":1,"mediaSid":"ME${'e'.repeat(32)}"}`;

    // Act
    const { failed } = await deliver([foreign, malformed]);

    // Assess
    expect(failed).toEqual([]);
    expect(emulator.requests).toEqual([]);
    expect((await deadLettered(foreign.mediaSid))?.MessageAttributes?.ErrorName?.StringValue).toBe(
      'ForeignAccountError',
    );
    expect((await deadLettered('e'.repeat(32)))?.MessageAttributes?.ErrorName?.StringValue).toBe(
      'InvalidJobError',
    );
  });

  it('handles a conditional write answered 412 by checking the existing copy (S3 client mock)', async () => {
    // Prepare
    const message = emulator.addMessage({ media: [makeSeedMedia({ size: 500, seed: 8 })] });
    const job = jobFor(message);
    const media = message.media[0] as SeededMedia;
    const mockedClient = new S3Client({ region: 'us-east-1' });
    const mocked = mockClient(mockedClient);
    mocked.on(PutObjectCommand).rejects(
      Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    // S3's own stored SHA-256 (ChecksumMode: ENABLED) of the bytes just downloaded: proof.
    mocked.on(HeadObjectCommand).resolves({
      ContentLength: media.size,
      ChecksumSHA256: Buffer.from(media.sha256, 'hex').toString('base64'),
      ChecksumType: 'FULL_OBJECT',
      Metadata: { sha256: media.sha256, size: String(media.size) },
    });

    // Act
    const { failed } = await deliver([{ ...job, index: 1 }], 1, handlerWith({}, mockedClient));

    // Assess
    expect(failed).toEqual([]);
    const puts = mocked.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input.IfNoneMatch).toBe('*');
    expect(mocked.commandCalls(HeadObjectCommand)).toHaveLength(1);
    expect(mocked.commandCalls(HeadObjectCommand)[0]?.args[0].input.ChecksumMode).toBe('ENABLED');
    expect(emulator.hasMedia(job.mediaSid)).toBe(false);
  });

  /** A 412 on the create-only PUT, then a HEAD showing only self-consistent metadata (no S3 proof). */
  const unprovenObjectAtTheKey = (versioning: 'Enabled' | undefined) => {
    const message = emulator.addMessage({ media: [makeSeedMedia({ size: 500, seed: 9 })] });
    const media = message.media[0] as SeededMedia;
    const mockedClient = new S3Client({ region: 'us-east-1' });
    const mocked = mockClient(mockedClient);
    mocked
      .on(PutObjectCommand)
      .rejectsOnce(
        Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        }),
      )
      .resolves({
        ChecksumSHA256: Buffer.from(media.sha256, 'hex').toString('base64'),
        ETag: '"kms"',
      });
    mocked.on(GetBucketVersioningCommand).resolves(versioning ? { Status: versioning } : {});
    mocked.on(HeadObjectCommand).resolves({
      ContentLength: media.size,
      ETag: '"0123456789abcdef0123456789abcdef"',
      Metadata: { sha256: media.sha256, size: String(media.size) },
    });
    return { job: jobFor(message), mocked, mockedClient };
  };

  it.each([
    {
      bucket: 'versioned (as deployed): overwrites, the old object stays a version, then deletes',
      versioning: 'Enabled' as const,
      puts: ['*', undefined],
      keptAtTwilio: false,
    },
    {
      bucket: 'without versioning: overwrites nothing, dead-letters, keeps the media at Twilio',
      versioning: undefined,
      puts: ['*'],
      keptAtTwilio: true,
    },
  ])(
    'does not take a 412 object whose HEAD shows only self-consistent metadata; bucket $bucket (S3 client mock)',
    async ({ versioning, puts, keptAtTwilio }) => {
      // Prepare
      const { job, mocked, mockedClient } = unprovenObjectAtTheKey(versioning);

      // Act
      const { failed } = await deliver([{ ...job, index: 1 }], 1, handlerWith({}, mockedClient));

      // Assess: never retried (a refusal is permanent and dead-lettered with its reason).
      expect(failed).toEqual([]);
      const sent = mocked.commandCalls(PutObjectCommand);
      expect(sent.map((put) => put.args[0].input.IfNoneMatch)).toEqual(puts);
      expect(emulator.hasMedia(job.mediaSid)).toBe(keptAtTwilio);
    },
  );
});
