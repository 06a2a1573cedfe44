import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ArchiverConfig } from '../../../lib/config/lambda.ts';
import { messageIndexKeyFor } from '../../../lib/domain/archive-key.ts';
import {
  MediaNotDeletableYetError,
  StorageUnavailableError,
  TwilioAuthError,
} from '../../../lib/domain/errors.ts';
import { type MediaJob, serializeMediaJob } from '../../../lib/domain/media-job.ts';
import { messageRecordKeyFor } from '../../../lib/domain/message-record.ts';
import { MetricName } from '../../../lib/domain/metric-names.ts';
import {
  type ArchiverDeps,
  createArchiverHandler,
} from '../../../lib/handlers/archiver-handler.ts';
import type { MessageRecordStore } from '../../../lib/ports/pipeline.ts';
import {
  FakeArchiveStore,
  FakeDeadLetter,
  FakeMediaSource,
  FakeRetryScheduler,
} from '../../helpers/fake-ports.ts';
import { lambdaContext } from '../../helpers/lambda-context.ts';
import { makeMediaBody } from '../../helpers/media-fixtures.ts';
import {
  ACCOUNT_SID,
  mediaJobFactory,
  sqsEventFactory,
  sqsRecordFactory,
} from '../../helpers/sqs-event.ts';

describe('createArchiverHandler', () => {
  let spoolDir: string;
  let source: FakeMediaSource;
  let store: FakeArchiveStore;
  let deadLetter: FakeDeadLetter;
  let retryScheduler: FakeRetryScheduler;
  let logger: Logger;
  let metrics: Metrics;
  let config: ArchiverConfig;

  const handler = (overrides: Partial<ArchiverDeps> = {}) =>
    createArchiverHandler({
      config,
      source,
      store,
      deadLetter,
      retryScheduler,
      logger,
      metrics,
      ...overrides,
    });

  const record = (body: string, receiveCount = 1) =>
    sqsRecordFactory(body, { receiveCount, messageId: `m-${Math.random()}` });

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'archiver-handler-'));
    source = new FakeMediaSource();
    store = new FakeArchiveStore();
    deadLetter = new FakeDeadLetter();
    retryScheduler = new FakeRetryScheduler();
    logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    metrics = new Metrics({ namespace: 'Test', serviceName: 'test' });
    // Keep EMF lines out of the test output; what was recorded is asserted through addMetric.
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    config = {
      accountSid: ACCOUNT_SID,
      archiveBucket: 'archive',
      archivePrefix: 'media/',
      credentials: { username: ACCOUNT_SID, password: 'token' },
      twilioApiBaseUrl: 'https://api.twilio.com',
      twilioMediaOrigins: ['https://mms.twiliocdn.com'],
      maxMediaBytes: 1024,
      deleteAfterArchive: true,
      s3ForcePathStyle: false,
      concurrency: 2,
      notFoundAttempts: 3,
      maxReceiveCount: 5,
      deadLetterQueueUrl: 'https://sqs.local/dlq',
      retryBackoffSeconds: 30,
      mediaQueueUrl: 'https://sqs.local/jobs',
      spoolDir,
    };
  });

  afterEach(async () => {
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('archives every record and reports no failures', async () => {
    // Prepare
    source.fetchAnswers.push({ body: makeMediaBody(100) });
    const jobs = [mediaJobFactory(), mediaJobFactory({ index: 1 }), mediaJobFactory()];

    // Act
    const response = await handler()(
      sqsEventFactory(jobs.map((job) => record(serializeMediaJob(job)))),
      lambdaContext(),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(store.objects.size).toBe(3);
    expect(source.deleted.map((ref) => ref.mediaSid).sort()).toEqual(
      jobs.map((job) => job.mediaSid).sort(),
    );
  });

  it('fails only the record with a transient error and postpones it with backoff', async () => {
    // Prepare
    source.fetchAnswers.push({ body: makeMediaBody(100) });
    // Only a later delivery HEADs first, so only the record on attempt 3 meets the failure.
    store.failures.head.push(new StorageUnavailableError('S3 down'));
    const bad = record(serializeMediaJob(mediaJobFactory()), 3);
    const good = record(serializeMediaJob(mediaJobFactory()), 1);

    // Act
    const response = await handler()(sqsEventFactory([bad, good]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
    expect(retryScheduler.postponed).toEqual([
      { receiptHandle: bad.receiptHandle, visibilityTimeoutSeconds: 120 },
    ]);
    expect(deadLetter.sent).toEqual([]);
  });

  it('dead-letters a malformed job with its reason and reports it done', async () => {
    // Prepare
    const bad = record('{"version":1,"accountSid":"nope"}');
    const addMetric = vi.spyOn(metrics, 'addMetric');

    // Act
    const response = await handler()(sqsEventFactory([bad]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deadLetter.sent).toEqual([
      { body: bad.body, reason: 'bad accountSid', errorName: 'InvalidJobError' },
    ]);
    expect(addMetric).toHaveBeenCalledWith(MetricName.DeadLettered, 'Count', 1);
  });

  it('dead-letters a job of another account', async () => {
    // Prepare
    const job = mediaJobFactory({ accountSid: `AC${'b2'.repeat(16)}` });

    // Act
    const response = await handler()(
      sqsEventFactory([record(serializeMediaJob(job))]),
      lambdaContext(),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetter.sent[0]?.errorName).toBe('ForeignAccountError');
  });

  it('fails a permanent record when no dead-letter queue is configured', async () => {
    // Prepare
    delete config.deadLetterQueueUrl;
    const bad = record('not json');

    // Act
    const response = await handler({ deadLetter: undefined })(
      sqsEventFactory([bad]),
      lambdaContext(),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
    expect(retryScheduler.postponed).toEqual([]);
  });

  it('dead-letters a transient failure on the last attempt', async () => {
    // Prepare
    source.fetchAnswers.push({ body: makeMediaBody(100) });
    source.deleteAnswers.push(new MediaNotDeletableYetError('20009'));
    const last = record(serializeMediaJob(mediaJobFactory()), 5);

    // Act
    const response = await handler()(sqsEventFactory([last]), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetter.sent[0]?.errorName).toBe('MediaNotDeletableYetError');
  });

  it('dead-letters media two downloads disagree on with the reason, counts it kept, never deletes', async () => {
    // Prepare: a body without Content-Length, different on each download.
    const job = mediaJobFactory();
    source.fetchAnswers.push(
      { body: makeMediaBody(300, 1), noLength: true },
      { body: makeMediaBody(200, 1), noLength: true },
    );
    const addMetric = vi.spyOn(metrics, 'addMetric');

    // Act
    const response = await handler()(
      sqsEventFactory([record(serializeMediaJob(job), 5)]),
      lambdaContext(),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetter.sent[0]).toMatchObject({
      errorName: 'UnstableMediaError',
      reason: expect.stringMatching(/two downloads .* differ .*kept at Twilio/),
    });
    expect(source.deleted).toEqual([]);
    expect(addMetric).toHaveBeenCalledWith(MetricName.MediaKeptUnproven, 'Count', 1);
  });

  it('sweeps spool files a stopped invocation left before the batch', async () => {
    // Prepare
    const left = join(spoolDir, 'media-00000000-0000-4000-8000-00000000000a.spool');
    await writeFile(left, 'partial');
    const longAgo = new Date(Date.now() - 60 * 60_000);
    await utimes(left, longAgo, longAgo);
    source.fetchAnswers.push({ body: makeMediaBody(100) });

    // Act
    await handler()(
      sqsEventFactory([record(serializeMediaJob(mediaJobFactory()))]),
      lambdaContext(),
    );

    // Assess
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('fails the record when the dead-letter send fails', async () => {
    // Prepare
    deadLetter.failure = new Error('SQS down');
    const bad = record('not json');

    // Act
    const response = await handler()(sqsEventFactory([bad]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: bad.messageId }] });
  });

  it('logs a Twilio auth failure as a configuration error with SIDs and without phone numbers', async () => {
    // Prepare
    const error = vi.spyOn(logger, 'error');
    source.fetchAnswers.push(new TwilioAuthError('refused'));
    const job = mediaJobFactory({ from: '+15550001111', to: '+15550002222' });

    // Act
    const response = await handler()(
      sqsEventFactory([record(serializeMediaJob(job), 2)]),
      lambdaContext(),
    );

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(error).toHaveBeenCalledWith(
      expect.stringContaining('configuration error'),
      expect.objectContaining({
        error: 'TwilioAuthError',
        mediaSid: job.mediaSid,
        messageSid: job.messageSid,
        attempt: 2,
      }),
    );
    expect(JSON.stringify(error.mock.calls)).not.toContain('555000');
  });

  it('stops a record before the Lambda deadline and reports it for a retry, as a warning', async () => {
    // Prepare: 3 s margin + 50 ms left, and a Twilio fetch that only ends when aborted.
    const warnings: string[] = [];
    const errors: string[] = [];
    vi.spyOn(logger, 'warn').mockImplementation((...args) => void warnings.push(String(args[0])));
    vi.spyOn(logger, 'error').mockImplementation((...args) => void errors.push(String(args[0])));
    const hanging = new FakeMediaSource();
    hanging.fetchMedia = (_ref, options) =>
      new Promise((_resolve, reject) => {
        options?.signal?.addEventListener('abort', () => reject(options.signal?.reason));
      });
    const stuck = record(serializeMediaJob(mediaJobFactory()));

    // Act
    const response = await handler({ source: hanging })(
      sqsEventFactory([stuck]),
      lambdaContext({ getRemainingTimeInMillis: () => 3_050 }),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: stuck.messageId }]);
    expect(warnings).toContain('job stopped at the invocation deadline, will be retried');
    expect(errors).toEqual([]);
    expect(deadLetter.sent).toEqual([]);
  });

  it('processes no more records at once than the configured concurrency', async () => {
    // Prepare
    let active = 0;
    let peak = 0;
    const slowStore = new FakeArchiveStore();
    const put = slowStore.put.bind(slowStore);
    slowStore.put = async (object) => {
      active += 1;
      peak = Math.max(peak, active);
      // Hold the write until a second record overlaps (or a second passes): the peak then shows
      // the limit itself, not how fast the spool happened to be.
      for (let waited = 0; active < 2 && waited < 1000; waited += 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      active -= 1;
      return put(object);
    };
    source.fetchAnswers.push({ body: makeMediaBody(10) });
    const records = Array.from({ length: 6 }, () =>
      record(serializeMediaJob(mediaJobFactory({ index: 1 }))),
    );

    // Act
    await handler({ store: slowStore })(sqsEventFactory(records), lambdaContext());

    // Assess
    expect(peak).toBe(2);
    expect(slowStore.objects.size).toBe(6);
  });

  describe('the per-message record step', () => {
    /** A message of `count` media as the webhook enqueues it: one job per media, all in one batch. */
    const messageJobs = (count: number): MediaJob[] => {
      const first = mediaJobFactory();
      const media = Array.from({ length: count }, (_, index) => ({
        sid: `ME${String(index).padStart(32, '0')}`,
        contentType: 'image/jpeg',
      }));
      return media.map((item, index) => ({
        ...first,
        mediaSid: item.sid,
        index,
        message: { media, numSegments: 1 },
      }));
    };

    const recordStore = (failPut = false) => {
      const calls: string[] = [];
      const records: MessageRecordStore = {
        headWithChecksum: async (key) => {
          calls.push(`head ${key}`);
          return undefined;
        },
        getRecord: async (key) => {
          calls.push(`get ${key}`);
          return undefined;
        },
        putRecord: async (key) => {
          calls.push(`put ${key}`);
          if (failPut) throw new StorageUnavailableError('S3 503');
          return 'created';
        },
      };
      return { calls, records };
    };

    it('records a message whose media all archived in this batch once, from their proofs', async () => {
      // Prepare
      const jobs = messageJobs(3);
      for (const _ of jobs) source.fetchAnswers.push({ body: makeMediaBody(100) });
      const { calls, records } = recordStore();
      const key = messageRecordKeyFor('media/', jobs[0] as MediaJob);

      // Act
      const response = await handler({ records })(
        sqsEventFactory(jobs.map((job) => record(serializeMediaJob(job)))),
        lambdaContext(),
      );

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect(calls).toEqual([`get ${key}`, `put ${key}`]);
    });

    it('indexes a recorded message by its record alone: no marker, except for jobs without their message', async () => {
      // Prepare
      const [recorded] = messageJobs(1) as [MediaJob];
      const unrecorded = mediaJobFactory();
      for (const _ of [recorded, unrecorded]) {
        source.fetchAnswers.push({ body: makeMediaBody(100) });
      }
      const { calls, records } = recordStore();

      // Act
      const response = await handler({ records })(
        sqsEventFactory([
          record(serializeMediaJob(recorded)),
          record(serializeMediaJob(unrecorded)),
        ]),
        lambdaContext(),
      );

      // Assess
      expect(response).toEqual({ batchItemFailures: [] });
      expect([...store.markers.keys()]).toEqual([messageIndexKeyFor('media/', unrecorded)]);
      expect(store.puts.map((put) => put.key)).toHaveLength(2);
      expect(calls).toEqual([
        `get ${messageRecordKeyFor('media/', recorded)}`,
        `put ${messageRecordKeyFor('media/', recorded)}`,
      ]);
    });

    it('writes the marker of a recorded message only when one of its jobs dead-letters', async () => {
      // Prepare: the second media's last attempt, Twilio still refusing the DELETE.
      const job = messageJobs(2)[1] as MediaJob;
      source.fetchAnswers.push({ body: makeMediaBody(100) });
      source.deleteAnswers.push(new MediaNotDeletableYetError('20009'));
      const { records } = recordStore();

      // Act
      const response = await handler({ records })(
        sqsEventFactory([record(serializeMediaJob(job), 5)]),
        lambdaContext(),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(deadLetter.sent[0]?.errorName).toBe('MediaNotDeletableYetError');
      expect([...store.markers.keys()]).toEqual([messageIndexKeyFor('media/', job)]);
    });

    it('writes no marker for a dead-lettered job of an account it does not serve', async () => {
      // Prepare
      const job = { ...(messageJobs(1)[0] as MediaJob), accountSid: `AC${'b2'.repeat(16)}` };
      const { records } = recordStore();

      // Act
      const response = await handler({ records })(
        sqsEventFactory([record(serializeMediaJob(job))]),
        lambdaContext(),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(deadLetter.sent[0]?.errorName).toBe('ForeignAccountError');
      expect(store.markers.size).toBe(0);
    });

    it('dead-letters a recorded message even when its marker cannot be written', async () => {
      // Prepare
      const [job] = messageJobs(1) as [MediaJob];
      source.fetchAnswers.push({ body: makeMediaBody(100) });
      source.deleteAnswers.push(new MediaNotDeletableYetError('20009'));
      store.failures.putMarker.push(new StorageUnavailableError('S3 503'));
      const { records } = recordStore();

      // Act
      const response = await handler({ records })(
        sqsEventFactory([record(serializeMediaJob(job), 5)]),
        lambdaContext(),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(deadLetter.sent).toHaveLength(1);
      expect(store.markers.size).toBe(0);
    });

    it('fails only the last archived job of the message when its record cannot be written', async () => {
      // Prepare
      const jobs = messageJobs(2);
      for (const _ of jobs) source.fetchAnswers.push({ body: makeMediaBody(100) });
      const { records } = recordStore(true);
      const batch = jobs.map((job) => record(serializeMediaJob(job)));

      // Act
      const response = await handler({ records })(sqsEventFactory(batch), lambdaContext());

      // Assess
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: batch[1]?.messageId }] });
      expect(source.deleted).toHaveLength(2);
    });
  });
});
