import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { archiveKeyFor } from '../../../lib/domain/archive-key.ts';
import { type MediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { startFauxqsServer } from '../../../lib/local/fauxqs-server.ts';
import type { LocalS3Server } from '../../../lib/local/s3-server.ts';
import { type SqsPoller, startSqsPoller } from '../../../lib/local/sqs-poller.ts';
import { type LocalSqsServer, startLocalSqsServer } from '../../../lib/local/sqs-server.ts';
import {
  type SeededMessage,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/local/twilio-emulator.ts';
import {
  approximateCount,
  createQueueWithDlq,
  localSqsClient,
  receiveAll,
  waitFor,
} from '../../helpers/local-sqs.ts';
import { makeSeedMedia, sha256Hex } from '../../helpers/media-fixtures.ts';

/**
 * The Lambda module itself, configured only through the environment as on AWS, fed by a local
 * event-source poller from a real queue.
 */
describe('functions/archiver handler', () => {
  let workDir: string;
  let s3Server: LocalS3Server;
  let sqsServer: LocalSqsServer;
  let emulator: TwilioEmulator;
  let sqs: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;
  let poller: SqsPoller | undefined;

  const jobFor = (message: SeededMessage, accountSid = emulator.accountSid): MediaJob => ({
    version: 1,
    accountSid,
    messageSid: message.sid,
    mediaSid: message.media[0]?.sid as string,
    contentType: 'image/png',
    receivedAt: '2025-06-01T12:00:00.000Z',
    index: 0,
    source: 'webhook',
  });

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'archiver-fn-'));
    await mkdir(join(workDir, 'spool'));
    [s3Server, sqsServer, emulator] = await Promise.all([
      startFauxqsServer({ directory: join(workDir, 's3'), buckets: ['fn-archive'] }),
      startLocalSqsServer(),
      startTwilioEmulator(),
    ]);
    sqs = localSqsClient(sqsServer.endpoint);
    ({ queueUrl, dlqUrl } = await createQueueWithDlq(sqs, 'media-jobs', { visibilityTimeout: 5 }));
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL_S3: s3Server.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsServer.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      TWILIO_ACCOUNT_SID: emulator.accountSid,
      TWILIO_AUTH_TOKEN: emulator.authToken,
      TWILIO_API_BASE_URL: emulator.apiBaseUrl,
      TWILIO_MEDIA_ORIGINS: emulator.cdnBaseUrl,
      ARCHIVE_BUCKET: 'fn-archive',
      S3_FORCE_PATH_STYLE: 'true',
      DEAD_LETTER_QUEUE_URL: dlqUrl,
      MEDIA_QUEUE_URL: queueUrl,
      SPOOL_DIR: join(workDir, 'spool'),
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  });

  afterAll(async () => {
    await poller?.stop();
    vi.unstubAllEnvs();
    await Promise.all([s3Server?.close(), sqsServer?.close(), emulator?.close()]);
    await rm(workDir, { recursive: true, force: true });
  });

  it('archives and deletes queued media and dead-letters a foreign job with its reason', async () => {
    // Prepare
    const { handler } = await import('../../../functions/archiver.ts');
    const good = emulator.addMessage({ media: [makeSeedMedia({ size: 300_000, seed: 11 })] });
    const foreign = emulator.addMessage({ media: [makeSeedMedia({ size: 10 })] });
    const goodJob = jobFor(good);
    const foreignJob = jobFor(foreign, `AC${'c'.repeat(32)}`);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [goodJob, foreignJob].map((job, index) => ({
          Id: String(index),
          MessageBody: serializeMediaJob(job),
        })),
      }),
    );

    // Act
    poller = startSqsPoller({ client: sqs, queueUrl, handler, visibilityTimeoutSeconds: 5 });
    await waitFor(async () => (await approximateCount(sqs, queueUrl)) === 0, {
      what: 'an empty job queue',
    });

    // Assess
    const s3 = new S3Client({
      endpoint: s3Server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      forcePathStyle: true,
    });
    const object = await s3.send(
      new GetObjectCommand({ Bucket: 'fn-archive', Key: archiveKeyFor('media/', goodJob) }),
    );
    const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    expect(sha256Hex(bytes)).toBe(good.media[0]?.sha256);
    expect(emulator.hasMedia(goodJob.mediaSid)).toBe(false);
    expect(emulator.hasMedia(foreignJob.mediaSid)).toBe(true);
    const dead = await receiveAll(sqs, dlqUrl);
    expect(dead.map((message) => message.Body)).toEqual([serializeMediaJob(foreignJob)]);
    expect(dead[0]?.MessageAttributes?.ErrorName?.StringValue).toBe('ForeignAccountError');
    expect(dead[0]?.MessageAttributes?.FailedAt?.StringValue).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(emulator.requests.filter((r) => r.origin === 'cdn' && r.hadAuthorization)).toEqual([]);
    expect(await readdir(join(workDir, 'spool'))).toEqual([]);
  });
});
