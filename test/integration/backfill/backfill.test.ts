import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ReconcileStatusReader } from '../../../lib/adapters/s3/s3-reconcile-status.ts';
import { createSqsDeadLetter } from '../../../lib/adapters/sqs/sqs-dead-letter.ts';
import { createSqsJobQueue } from '../../../lib/adapters/sqs/sqs-job-queue.ts';
import { command as backfillCommand } from '../../../lib/cli/commands/backfill.ts';
import { command as reconcileCommand } from '../../../lib/cli/commands/reconcile.ts';
import { command as redriveCommand } from '../../../lib/cli/commands/redrive.ts';
import { createArchiverDeps } from '../../../lib/compose/lambda.ts';
import { createCatalogFor, presenceFor } from '../../../lib/compose/reconcile.ts';
import { readBackfillConfig } from '../../../lib/config/cli.ts';
import { type ArchiverConfig, readArchiverConfig } from '../../../lib/config/lambda.ts';
import {
  DEMO_CREDENTIALS_FILE,
  localDemoCredentials,
} from '../../../lib/config/local-stack-files.ts';
import { archiveKeyFor } from '../../../lib/domain/archive-key.ts';
import { type MediaJob, parseMediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { createArchiverHandler } from '../../../lib/handlers/archiver-handler.ts';
import { startFauxqsServer } from '../../../lib/stand-ins/fauxqs-server.ts';
import type { LocalS3Server } from '../../../lib/stand-ins/s3-server.ts';
import { startSqsPoller } from '../../../lib/stand-ins/sqs-poller.ts';
import { type LocalSqsServer, startLocalSqsServer } from '../../../lib/stand-ins/sqs-server.ts';
import {
  type SeededMessage,
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { backfill } from '../../../lib/use-cases/backfill/backfill.ts';
import {
  checkpointPath,
  createFileCheckpointStore,
} from '../../../lib/use-cases/backfill/checkpoint.ts';
import { createDryRunSink, createQueueSink } from '../../../lib/use-cases/backfill/job-sinks.ts';
import { localS3Client } from '../../helpers/archived-objects.ts';
import { createQueueWithDlq, localSqsClient, waitFor } from '../../helpers/local-sqs.ts';
import { runnerOf } from '../../helpers/run-cli.ts';
import { approximateMessageCount, drainQueue } from '../../helpers/sqs-queue.ts';
import { captureStream, seededRandom, seedMessage } from './seed.ts';

const runBackfill = runnerOf(backfillCommand);
const runReconcile = runnerOf(reconcileCommand);
const runRedrive = runnerOf(redriveCommand);

const BUCKET = 'twilio-media-archive';
const PREFIX = 'media/';
const DAYS = ['2025-01-10', '2025-01-11', '2025-01-12', '2025-01-13', '2025-01-14'];
const MESSAGES = 2_500;
const PAGE_SIZE = '200';

interface Seeded {
  message: SeededMessage;
  inbound: boolean;
  dateCreated: Date;
}

const jobOf = (accountSid: string, seeded: Seeded, index: number, receivedAt: Date): MediaJob => {
  const media = seeded.message.media[index];
  if (!media) throw new Error('no such media');
  return {
    version: 1,
    accountSid,
    messageSid: seeded.message.sid,
    mediaSid: media.sid,
    contentType: media.contentType,
    receivedAt: receivedAt.toISOString(),
    index,
    source: 'webhook',
  };
};

describe('backfill, reconcile and redrive against the emulator, fauxqs (S3) and local SQS', () => {
  let dataDir: string;
  let s3Server: LocalS3Server;
  let sqsServer: LocalSqsServer;
  let emulator: TwilioEmulator;
  let s3: S3Client;
  let sqs: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;
  let env: Record<string, string>;
  const corpus: Seeded[] = [];
  /** Media SIDs of inbound messages with no archived copy: what backfill must enqueue. */
  const missing = new Set<string>();
  let preArchived = 0;
  let inboundMedia = 0;

  /**
   * What the archiver leaves in S3: an object at the job's key whose metadata names its digest, so
   * S3's MD5 ETag proves it (a bare key is no proof for the presence check, issue 12).
   */
  const ARCHIVED_BODY = Buffer.from('x');
  const ARCHIVED_METADATA = {
    sha256: createHash('sha256').update(ARCHIVED_BODY).digest('hex'),
    size: String(ARCHIVED_BODY.length),
    md5: createHash('md5').update(ARCHIVED_BODY).digest('hex'),
  };
  const putArchived = async (jobs: readonly MediaJob[]) => {
    const limit = pLimit(16);
    await Promise.all(
      jobs.map((job) =>
        limit(() =>
          s3.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: archiveKeyFor(PREFIX, job),
              Body: ARCHIVED_BODY,
              ContentType: job.contentType,
              Metadata: ARCHIVED_METADATA,
            }),
          ),
        ),
      ),
    );
  };

  const cli = async (
    command: typeof runBackfill,
    argv: string[],
    extra: { cwd?: string; now?: Date } = {},
  ) => {
    const stdout = captureStream();
    const stderr = captureStream();
    const code = await command(argv, {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env,
      ...(extra.cwd ? { cwd: extra.cwd } : {}),
      ...(extra.now ? { now: () => extra.now as Date } : {}),
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };

  /**
   * Everything in the media queue, deleted. A receive without waiting may come back empty while
   * messages remain, so drain until the queue's own count (in-flight included locally) is 0.
   * SQS is at-least-once: assertions count distinct media, and `enqueued` counts sends.
   */
  const drainedJobs = async () => {
    const jobs: MediaJob[] = [];
    await waitFor(
      async () => {
        const drained = await drainQueue(sqs, queueUrl);
        jobs.push(...drained.map((m) => parseMediaJob(m.Body ?? '')));
        return (await approximateMessageCount(sqs, queueUrl)) === 0;
      },
      { what: 'the media queue to drain' },
    );
    return jobs;
  };
  const distinctMedia = (jobs: readonly MediaJob[]) => new Set(jobs.map((job) => job.mediaSid));

  beforeAll(async () => {
    // Prepare: servers on free ports, the local stack's queue names, a seeded corpus.
    dataDir = await mkdtemp(join(tmpdir(), 'backfill-it-'));
    s3Server = await startFauxqsServer({ directory: join(dataDir, 's3'), buckets: [BUCKET] });
    sqsServer = await startLocalSqsServer();
    emulator = await startTwilioEmulator({ random: seededRandom(99) });
    s3 = localS3Client(s3Server.endpoint);
    sqs = localSqsClient(sqsServer.endpoint);
    ({ queueUrl, dlqUrl } = await createQueueWithDlq(sqs, 'media-jobs'));
    // createQueueWithDlq assumes the ARN local-aws-sqs gives; check it so redrive can rely on it.
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    expect(Attributes?.QueueArn).toBe('arn:aws:sqs:us-east-1:123456789012:media-jobs-dlq');
    env = {
      TWILIO_ACCOUNT_SID: emulator.accountSid,
      TWILIO_AUTH_TOKEN: emulator.authToken,
      LOCAL_S3_PORT: String(s3Server.port),
      LOCAL_SQS_PORT: String(sqsServer.port),
      LOCAL_TWILIO_PORT: new URL(emulator.apiBaseUrl).port,
      LOCAL_TWILIO_CDN_PORT: new URL(emulator.cdnBaseUrl).port,
      LOCAL_DATA_DIR: dataDir,
    };
    // As npm start does: the emulator's demo account in the data dir, the one --local may use.
    await writeFile(
      join(dataDir, DEMO_CREDENTIALS_FILE),
      JSON.stringify({
        accountSid: emulator.accountSid,
        authToken: emulator.authToken,
        apiKey: emulator.apiKey,
      }),
    );

    const random = seededRandom(2025);
    for (let n = 0; n < MESSAGES; n += 1) {
      const day = DAYS[n % DAYS.length] as string;
      const seed = seedMessage(random, day, n);
      corpus.push({
        message: emulator.addMessage(seed),
        inbound: seed.direction === 'inbound',
        dateCreated: seed.dateCreated,
      });
    }
    // Two seconds before midnight: the webhook arrived the next day, so its key is on 01-12.
    const nearMidnight = new Date('2025-01-11T23:59:59.000Z');
    corpus.push({
      message: emulator.addMessage({
        dateCreated: nearMidnight,
        media: [1, 2].map((i) => ({ contentType: 'image/jpeg', body: Buffer.from(`late${i}`) })),
      }),
      inbound: true,
      dateCreated: nearMidnight,
    });

    const archived: MediaJob[] = [];
    for (const [n, seeded] of corpus.entries()) {
      if (!seeded.inbound) continue;
      const webhookArrival = new Date(seeded.dateCreated.getTime() + 1_500);
      // Some messages fully archived, some only their first media, the near-midnight one whole.
      const share = n === corpus.length - 1 ? 1 : random() < 0.25 ? 1 : random() < 0.1 ? 0.5 : 0;
      seeded.message.media.forEach((media, index) => {
        inboundMedia += 1;
        const isArchived = share === 1 || (share === 0.5 && index === 0);
        if (isArchived) archived.push(jobOf(emulator.accountSid, seeded, index, webhookArrival));
        else missing.add(media.sid);
      });
    }
    preArchived = archived.length;
    await putArchived(archived);
    expect(missing.size).toBeGreaterThan(500);
    expect(preArchived).toBeGreaterThan(100);
  });

  afterAll(async () => {
    s3?.destroy();
    sqs?.destroy();
    await Promise.all([emulator?.close(), sqsServer?.close(), s3Server?.close()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('enqueues exactly the missing inbound media, with the webhook job schema', async () => {
    // Prepare
    const cwd = join(dataDir, 'run1');

    // Act
    const result = await cli(
      runBackfill,
      [
        '--since',
        DAYS[0] as string,
        '--until',
        DAYS.at(-1) as string,
        '--local',
        '--json',
        '--page-size',
        PAGE_SIZE,
      ],
      { cwd },
    );
    const jobs = await drainedJobs();

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.complete).toBe(true);
    expect(summary.counts.enqueued).toBe(missing.size);
    expect(summary.counts.alreadyArchived).toBe(preArchived);
    expect(summary.counts.mediaFound).toBe(inboundMedia);
    expect(summary.counts.pages).toBeGreaterThanOrEqual(15);
    expect(distinctMedia(jobs)).toEqual(missing);
    const byMessage = new Map(corpus.map((seeded) => [seeded.message.sid, seeded]));
    for (const job of jobs) {
      const seeded = byMessage.get(job.messageSid);
      expect(seeded?.inbound).toBe(true);
      expect(job.receivedAt).toBe(seeded?.dateCreated.toISOString());
      expect(job.source).toBe('backfill');
      expect(job.accountSid).toBe(emulator.accountSid);
    }
    expect(existsSync(join(cwd, '.media-archive'))).toBe(true);
  });

  it('resumes an interrupted run from its checkpoint and ends with the same set, no duplicates', async () => {
    // Prepare
    const cwd = join(dataDir, 'run2');
    const config = readBackfillConfig(
      { local: true, ...(await localDemoCredentials(true, env)) },
      env,
    ).archiver;
    const run = {
      accountSid: config.accountSid,
      since: DAYS[0] as string,
      until: DAYS.at(-1) as string,
      direction: 'inbound' as const,
    };
    const controller = new AbortController();

    // Act: stop after 4 pages, then resume through the CLI.
    const first = await backfill(
      {
        catalog: createCatalogFor(config),
        presence: presenceFor(s3, config),
        sink: createQueueSink(createSqsJobQueue({ client: sqs, queueUrl })),
        checkpoints: createFileCheckpointStore(checkpointPath(cwd, run)),
      },
      {
        ...run,
        source: 'backfill',
        pageSize: Number(PAGE_SIZE),
        signal: controller.signal,
        onProgress: (counts) => {
          if (counts.pages === 4) controller.abort();
        },
      },
    );
    const firstJobs = await drainedJobs();
    const resumed = await cli(
      runBackfill,
      [
        '--since',
        run.since,
        '--until',
        run.until,
        '--local',
        '--json',
        '--page-size',
        PAGE_SIZE,
        '--resume',
      ],
      { cwd },
    );
    const secondJobs = await drainedJobs();

    // Assess
    expect(first.complete).toBe(false);
    expect(first.counts.pages).toBe(4);
    expect(firstJobs.length).toBeGreaterThan(0);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary.complete).toBe(true);
    expect(summary.resumedFrom.day).toBe(DAYS[1]);
    expect(summary.counts.enqueued).toBe(missing.size);
    // No page was sent twice: the two runs' sends add up to the missing media exactly.
    expect(distinctMedia(firstJobs).size).toBe(first.counts.enqueued);
    expect(distinctMedia(secondJobs).size).toBe(summary.counts.enqueued - first.counts.enqueued);
    expect(distinctMedia([...firstJobs, ...secondJobs])).toEqual(missing);
    expect([...distinctMedia(firstJobs)].some((m) => distinctMedia(secondJobs).has(m))).toBe(false);
    expect(existsSync(checkpointPath(cwd, run))).toBe(false);
  });

  it('retries listing pages Twilio throttles with 429', async () => {
    // Prepare
    const config = readBackfillConfig(
      { local: true, ...(await localDemoCredentials(true, env)) },
      env,
    ).archiver;
    const day = DAYS[2] as string;
    const expected = new Set(
      corpus
        .filter((s) => s.dateCreated.toISOString().startsWith(day))
        .flatMap((s) => s.message.media.map((m) => m.sid))
        .filter((sid) => missing.has(sid)),
    );
    const found: MediaJob[] = [];
    emulator.clearRequests();
    emulator.setFaults({ throttleRate: 0.3 });

    // Act
    let result: Awaited<ReturnType<typeof backfill>>;
    try {
      result = await backfill(
        {
          // Retry-After: 1 is capped by maxDelayMs here, so the test stays fast.
          catalog: createCatalogFor(config, {
            retry: { attempts: 20, baseDelayMs: 1, maxDelayMs: 5 },
          }),
          presence: presenceFor(s3, config),
          sink: createDryRunSink((job) => found.push(job)),
        },
        {
          ...{ accountSid: config.accountSid, since: day, until: day, direction: 'inbound' },
          source: 'backfill',
          pageSize: 100,
        },
      );
    } finally {
      emulator.setFaults({ throttleRate: 0 });
    }

    // Assess
    const throttledLists = emulator.requests.filter(
      (r) => r.status === 429 && r.path.endsWith('/Messages.json'),
    );
    expect(throttledLists.length).toBeGreaterThan(0);
    expect(result.complete).toBe(true);
    expect(new Set(found.map((job) => job.mediaSid))).toEqual(expected);
    expect(found).toHaveLength(expected.size);
  });

  it('enqueues nothing on a second run once the archive holds what the first run enqueued', async () => {
    // Prepare: the archiver's effect on S3 (an object at each job's key) for every missing media.
    const config = readBackfillConfig(
      { local: true, ...(await localDemoCredentials(true, env)) },
      env,
    ).archiver;
    const jobs: MediaJob[] = [];
    await backfill(
      {
        catalog: createCatalogFor(config),
        presence: presenceFor(s3, config),
        sink: createDryRunSink((job) => jobs.push(job)),
      },
      {
        accountSid: config.accountSid,
        since: DAYS[0] as string,
        until: DAYS.at(-1) as string,
        direction: 'inbound',
        source: 'backfill',
      },
    );
    expect(jobs).toHaveLength(missing.size);
    await putArchived(jobs);

    // Act
    const second = await cli(
      runBackfill,
      ['--since', DAYS[0] as string, '--until', DAYS.at(-1) as string, '--local', '--json'],
      { cwd: join(dataDir, 'run3') },
    );

    // Assess
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary.counts.enqueued).toBe(0);
    expect(summary.counts.alreadyArchived).toBe(inboundMedia);
    expect(await approximateMessageCount(sqs, queueUrl)).toBe(0);
  });

  describe('reconcile and redrive', () => {
    const NOW = new Date('2025-02-20T12:00:00.000Z');
    const lost = new Set<string>();
    let tooRecentMedia = 0;
    let archiverConfig: ArchiverConfig;

    beforeAll(async () => {
      // Prepare: recent traffic whose webhooks mostly arrived, some lost.
      const random = seededRandom(7);
      const webhookArchived: MediaJob[] = [];
      const add = (dateCreated: Date, media: number, archived: boolean) => {
        const message = emulator.addMessage({
          dateCreated,
          media: Array.from({ length: media }, (_, i) => ({
            contentType: 'image/png',
            body: Buffer.from(`r${i}`),
          })),
        });
        const seeded = { message, inbound: true, dateCreated };
        const arrival = new Date(dateCreated.getTime() + 2_000);
        message.media.forEach((item, index) => {
          if (archived) webhookArchived.push(jobOf(emulator.accountSid, seeded, index, arrival));
          else lost.add(item.sid);
        });
        return message;
      };
      for (let n = 0; n < 40; n += 1) {
        const age = 20 * 60_000 + Math.floor(random() * 2.4 * 86_400_000);
        add(new Date(NOW.getTime() - age), 1 + Math.floor(random() * 3), n % 7 !== 3);
      }
      add(new Date('2025-02-18T23:59:59.000Z'), 2, true);
      tooRecentMedia = add(new Date(NOW.getTime() - 5 * 60_000), 2, false).media.length;
      // Outside the window: not reconcile's business.
      add(new Date('2025-02-15T10:00:00.000Z'), 1, false);
      for (const sid of [...lost].slice(-3)) lost.delete(sid);
      await putArchived(webhookArchived);
      archiverConfig = readArchiverConfig({
        ...env,
        ARCHIVE_BUCKET: BUCKET,
        TWILIO_API_BASE_URL: emulator.apiBaseUrl,
        TWILIO_MEDIA_ORIGINS: emulator.cdnBaseUrl,
        S3_FORCE_PATH_STYLE: 'true',
        RETRY_BACKOFF_SECONDS: '0',
        MEDIA_QUEUE_URL: queueUrl,
        DEAD_LETTER_QUEUE_URL: dlqUrl,
      });
    });

    it('reconcile enqueues exactly the media lost webhooks left behind', async () => {
      // Act
      const result = await cli(runReconcile, ['--local', '--json'], { now: NOW });
      const jobs = await drainedJobs();

      // Assess
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout);
      expect(summary.since).toBe('2025-02-18');
      expect(summary.until).toBe('2025-02-20');
      expect(summary.counts.skippedRecent).toBe(tooRecentMedia);
      expect(distinctMedia(jobs)).toEqual(lost);
      expect(summary.counts.enqueued).toBe(lost.size);
      expect(jobs.every((job) => job.source === 'reconcile')).toBe(true);
      // What `media-archive doctor` reads back.
      const status = await createS3ReconcileStatusReader(s3).read(BUCKET, PREFIX);
      expect(status).toMatchObject({
        complete: true,
        since: '2025-02-18',
        until: '2025-02-20',
        counts: { enqueued: lost.size },
      });
    });

    it('redrive lists dead-lettered jobs with their reasons, moves them back, and they archive', async () => {
      // Prepare: three of the lost media's jobs dead-lettered by the archiver's own adapter.
      const deadLetter = createSqsDeadLetter({ client: sqs, queueUrl: dlqUrl });
      const config = readBackfillConfig(
        { local: true, ...(await localDemoCredentials(true, env)) },
        env,
      ).archiver;
      const jobs: MediaJob[] = [];
      await backfill(
        {
          catalog: createCatalogFor(config),
          presence: presenceFor(s3, config),
          sink: createDryRunSink((job) => jobs.push(job)),
        },
        {
          accountSid: config.accountSid,
          since: '2025-02-18',
          until: '2025-02-19',
          direction: 'inbound',
          source: 'reconcile',
        },
      );
      const dead = jobs.slice(0, 3);
      expect(dead).toHaveLength(3);
      for (const job of dead) {
        await deadLetter.send(
          serializeMediaJob(job),
          'Twilio answered unexpected 418',
          'TwilioUnavailableError',
        );
      }

      // Act
      const listed = await cli(runRedrive, ['--dry-run', '--local', '--json']);
      const countAfterListing = await approximateMessageCount(sqs, dlqUrl);
      const one = await cli(runRedrive, ['--local', '--max', '1', '--json']);
      const rest = await cli(runRedrive, ['--local', '--json']);
      const poller = startSqsPoller({
        client: sqs,
        queueUrl,
        handler: createArchiverHandler(
          createArchiverDeps(archiverConfig, {
            s3,
            sqs,
            twilio: {
              retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
              notFoundRetryDelaysMs: [5],
            },
          }),
        ) as unknown as Parameters<typeof startSqsPoller>[0]['handler'],
        visibilityTimeoutSeconds: 5,
        onError: () => undefined,
      });
      try {
        await waitFor(async () => dead.every((job) => !emulator.hasMedia(job.mediaSid)), {
          what: 'the redriven jobs to archive',
        });
      } finally {
        await poller.stop();
      }

      // Assess
      expect(listed.code).toBe(0);
      const listing = JSON.parse(listed.stdout);
      expect(listing.count).toBe(3);
      expect(new Set(listing.jobs.map((j: { mediaSid: string }) => j.mediaSid))).toEqual(
        new Set(dead.map((job) => job.mediaSid)),
      );
      for (const job of listing.jobs) {
        expect(job.failureReason).toBe('Twilio answered unexpected 418');
        expect(job.errorName).toBe('TwilioUnavailableError');
      }
      expect(countAfterListing).toBe(3);
      expect(JSON.parse(one.stdout)).toMatchObject({ moved: 1, method: 'copy' });
      expect(rest.code).toBe(0);
      expect(JSON.parse(rest.stdout).moved).toBe(2);
      expect(await approximateMessageCount(sqs, dlqUrl)).toBe(0);
      for (const job of dead) {
        const head = await s3.send(
          new HeadObjectCommand({ Bucket: BUCKET, Key: archiveKeyFor(PREFIX, job) }),
        );
        expect(head.Metadata?.['media-sid']).toBe(job.mediaSid);
      }
    });
  });
});
