import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ArchiveMediaConfig, archiveMedia } from '../../lib/archive-media.ts';
import { archiveKeyFor, messageIndexKeyFor } from '../../lib/domain/archive-key.ts';
import {
  ForeignAccountError,
  MediaNotFoundError,
  MediaNotYetAvailableError,
  MediaTooLargeError,
  StorageUnavailableError,
  TruncatedMediaError,
} from '../../lib/domain/errors.ts';
import { MetricName } from '../../lib/observability.ts';
import {
  FakeArchiveStore,
  FakeMediaSource,
  recordingLogger,
  recordingMetrics,
} from '../helpers/fake-ports.ts';
import { makeMediaBody, sha256Hex } from '../helpers/media-fixtures.ts';
import { ACCOUNT_SID, mediaJobFactory } from '../helpers/sqs-event.ts';

describe('archiveMedia', () => {
  let spoolDir: string;
  let calls: string[];
  let store: FakeArchiveStore;
  let source: FakeMediaSource;
  let metrics: ReturnType<typeof recordingMetrics>;
  let config: ArchiveMediaConfig;

  const run = (job = mediaJobFactory(), attempt = 1) =>
    archiveMedia({ source, store, config, logger: recordingLogger(), metrics }, job, { attempt });

  const verifiedMetadata = (body: Buffer) => ({
    sha256: sha256Hex(body),
    size: String(body.length),
    'source-etag': '"abc"',
  });

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'archive-media-'));
    calls = [];
    store = new FakeArchiveStore(calls);
    source = new FakeMediaSource(calls);
    metrics = recordingMetrics();
    config = {
      accountSid: ACCOUNT_SID,
      archivePrefix: 'media/',
      maxMediaBytes: 64 * 1024,
      deleteAfterArchive: true,
      notFoundAttempts: 3,
      spoolDir,
    };
  });

  afterEach(async () => {
    // Assess (shared): whatever happened, no spool file stays behind.
    expect(await readdir(spoolDir)).toEqual([]);
    await rm(spoolDir, { recursive: true, force: true });
  });

  describe('first delivery', () => {
    it('archives with metadata, writes the index marker, then deletes at Twilio', async () => {
      // Prepare
      const body = makeMediaBody(5000, 7);
      const job = mediaJobFactory({ from: 'whatsapp:+15550001111' });
      source.fetchAnswers.push({
        body,
        contentType: 'image/jpeg',
        etag: '"e1"',
        lastModified: 'Tue, 04 Mar 2025 05:06:07 GMT',
        filename: 'photo été.jpg',
      });
      const key = archiveKeyFor('media/', job);

      // Act
      const outcome = await run(job);

      // Assess
      expect(outcome).toEqual({
        key,
        archive: 'archived',
        twilio: 'deleted',
        size: 5000,
        sha256: sha256Hex(body),
      });
      expect(calls).toEqual([
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
        `marker ${messageIndexKeyFor('media/', job)}`,
        `delete ${job.mediaSid}`,
      ]);
      const stored = store.objects.get(key);
      expect(stored?.body.equals(body)).toBe(true);
      expect(stored?.object.metadata).toMatchObject({
        'account-sid': job.accountSid,
        'message-sid': job.messageSid,
        'media-sid': job.mediaSid,
        sha256: sha256Hex(body),
        size: '5000',
        'received-at': job.receivedAt,
        'source-etag': '"e1"',
        'source-last-modified': 'Tue, 04 Mar 2025 05:06:07 GMT',
        'original-filename': encodeURIComponent('photo été.jpg'),
        from: 'whatsapp:+15550001111',
      });
      expect(store.puts[0]?.md5Base64).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(metrics.total(MetricName.MediaArchived)).toBe(1);
      expect(metrics.total(MetricName.BytesArchived)).toBe(5000);
      expect(metrics.total(MetricName.DeletedAtTwilio)).toBe(1);
    });

    it('does not write the index marker for media other than the first', async () => {
      // Prepare
      const job = mediaJobFactory({ index: 2 });
      source.fetchAnswers.push({ body: makeMediaBody(10) });

      // Act
      await run(job);

      // Assess
      expect(store.markers.size).toBe(0);
      expect(source.deleted).toHaveLength(1);
    });

    it('keeps the media at Twilio when deleteAfterArchive is false', async () => {
      // Prepare
      config.deleteAfterArchive = false;
      source.fetchAnswers.push({ body: makeMediaBody(10) });

      // Act
      const outcome = await run();

      // Assess
      expect(outcome.twilio).toBe('kept');
      expect(calls.some((call) => call.startsWith('delete'))).toBe(false);
    });

    it('treats a 412 on the conditional PUT as archived when the existing copy is verified', async () => {
      // Prepare
      const body = makeMediaBody(300, 2);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      store.seed(key, body, verifiedMetadata(body));
      source.fetchAnswers.push({ body });

      // Act
      const outcome = await run(job, 1);

      // Assess
      expect(outcome.archive).toBe('already-archived');
      expect(calls).toEqual([
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
        `head ${key}`,
        `marker ${messageIndexKeyFor('media/', job)}`,
        `delete ${job.mediaSid}`,
      ]);
      expect(metrics.total(MetricName.DuplicatesSkipped)).toBe(1);
    });

    it('overwrites an unverified object found through a 412', async () => {
      // Prepare
      const body = makeMediaBody(300, 2);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      store.seed(key, Buffer.from('junk'), { size: '300' });
      source.fetchAnswers.push({ body });

      // Act
      const outcome = await run(job, 1);

      // Assess
      expect(outcome.archive).toBe('archived');
      expect(calls.slice(0, 4)).toEqual([
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
        `head ${key}`,
        `put ${key}`,
      ]);
      expect(store.objects.get(key)?.body.equals(body)).toBe(true);
    });
  });

  describe('later deliveries', () => {
    it('finds a verified copy by HEAD and deletes without downloading', async () => {
      // Prepare
      const body = makeMediaBody(100);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      store.seed(key, body, verifiedMetadata(body));

      // Act
      const outcome = await run(job, 2);

      // Assess
      expect(outcome).toMatchObject({ archive: 'already-archived', twilio: 'deleted' });
      expect(calls).toEqual([
        `head ${key}`,
        `marker ${messageIndexKeyFor('media/', job)}`,
        `delete ${job.mediaSid}`,
      ]);
    });

    it('reports already-gone when Twilio no longer has the media', async () => {
      // Prepare
      const body = makeMediaBody(100);
      const job = mediaJobFactory();
      store.seed(archiveKeyFor('media/', job), body, verifiedMetadata(body));
      source.deleteAnswers.push('already-gone');

      // Act
      const outcome = await run(job, 3);

      // Assess
      expect(outcome.twilio).toBe('already-gone');
      expect(metrics.total(MetricName.DeletedAtTwilio)).toBe(0);
    });

    it('sends the stored validators for an unverified copy and accepts a whole copy on 304', async () => {
      // Prepare
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      store.seed(key, makeMediaBody(50), {
        size: '50',
        'source-etag': '"v1"',
        'source-last-modified': 'Mon, 03 Mar 2025 00:00:00 GMT',
      });
      source.fetchAnswers.push({ notModified: true });

      // Act
      const outcome = await run(job, 2);

      // Assess
      expect(source.fetchRequests[0]?.validators).toEqual({
        etag: '"v1"',
        lastModified: 'Mon, 03 Mar 2025 00:00:00 GMT',
      });
      expect(outcome).toMatchObject({ archive: 'already-archived', twilio: 'deleted' });
      expect(calls.some((call) => call.startsWith('put'))).toBe(false);
    });

    it('downloads unconditionally after a 304 when the stored copy is not whole', async () => {
      // Prepare
      const body = makeMediaBody(80, 4);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      store.seed(key, makeMediaBody(10), { size: '80', 'source-etag': '"v1"' });
      source.fetchAnswers.push({ notModified: true }, { body });

      // Act
      const outcome = await run(job, 2);

      // Assess
      expect(calls.slice(0, 4)).toEqual([
        `head ${key}`,
        `fetch ${job.mediaSid} conditional`,
        `fetch ${job.mediaSid}`,
        `put ${key}`,
      ]);
      expect(outcome.archive).toBe('archived');
      expect(store.objects.get(key)?.body.equals(body)).toBe(true);
    });
  });

  describe('failures', () => {
    it('refuses a job of another account without touching Twilio or S3', async () => {
      // Prepare
      const job = mediaJobFactory({ accountSid: `AC${'b2'.repeat(16)}` });

      // Act
      const result = run(job);

      // Assess
      await expect(result).rejects.toBeInstanceOf(ForeignAccountError);
      expect(calls).toEqual([]);
    });

    it('refuses media over the limit while streaming, leaving no object', async () => {
      // Prepare
      source.fetchAnswers.push({
        body: Readable.from([makeMediaBody(40_000), makeMediaBody(40_000)]),
        contentLength: undefined,
      });

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(MediaTooLargeError);
      expect(store.objects.size).toBe(0);
      expect(calls.some((call) => call.startsWith('delete'))).toBe(false);
    });

    it('refuses media whose Content-Length announces more than the limit', async () => {
      // Prepare
      source.fetchAnswers.push({ body: makeMediaBody(10), contentLength: 64 * 1024 + 1 });

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(MediaTooLargeError);
      expect(calls.filter((call) => call.startsWith('put'))).toEqual([]);
    });

    it('fails transiently on a body shorter than its Content-Length', async () => {
      // Prepare
      source.fetchAnswers.push({ body: makeMediaBody(100), contentLength: 200 });

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
      expect(store.objects.size).toBe(0);
      expect(source.deleted).toEqual([]);
    });

    const brokenBody = () =>
      new Readable({
        read() {
          this.push(makeMediaBody(10));
          this.destroy(new Error('socket hang up'));
        },
      });

    it('downloads a broken body once more, then fails transiently without deleting', async () => {
      // Prepare
      source.fetchAnswers.push(
        { body: brokenBody(), contentLength: 100 },
        { body: brokenBody(), contentLength: 100 },
      );

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
      expect(calls.filter((call) => call.startsWith('fetch'))).toHaveLength(2);
      expect(source.deleted).toEqual([]);
    });

    it('archives on the second download when only the first body broke', async () => {
      // Prepare
      const body = makeMediaBody(100, 3);
      source.fetchAnswers.push({ body: brokenBody(), contentLength: 100 }, { body });

      // Act
      const outcome = await run();

      // Assess
      expect(outcome).toMatchObject({
        archive: 'archived',
        twilio: 'deleted',
        sha256: sha256Hex(body),
      });
      expect(calls.filter((call) => call.startsWith('fetch'))).toHaveLength(2);
    });

    it('keeps a 404 transient before notFoundAttempts and makes it permanent from then on', async () => {
      // Prepare
      source.fetchAnswers.push(new MediaNotYetAvailableError('404'));

      // Act
      const early = run(mediaJobFactory(), 2);
      const late = run(mediaJobFactory(), 3);

      // Assess
      await expect(early).rejects.toBeInstanceOf(MediaNotYetAvailableError);
      await expect(late).rejects.toBeInstanceOf(MediaNotFoundError);
      expect(source.deleted).toEqual([]);
    });

    it('on a first-delivery 404 looks for a copy a duplicate job archived', async () => {
      // Prepare
      const body = makeMediaBody(100);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      store.seed(key, body, verifiedMetadata(body));
      source.fetchAnswers.push(new MediaNotYetAvailableError('404'));
      source.deleteAnswers.push('already-gone');

      // Act
      const outcome = await run(job, 1);

      // Assess
      expect(outcome).toMatchObject({ archive: 'already-archived', twilio: 'already-gone' });
      expect(calls).toEqual([
        `fetch ${job.mediaSid}`,
        `head ${key}`,
        `marker ${messageIndexKeyFor('media/', job)}`,
        `delete ${job.mediaSid}`,
      ]);
    });

    it('finds the copy a webhook retry archived under the other side of UTC midnight', async () => {
      // Prepare
      const body = makeMediaBody(100);
      const first = mediaJobFactory({ receivedAt: '2026-11-26T23:59:58.000Z' });
      const retry = { ...first, receivedAt: '2026-11-27T00:00:14.000Z' };
      store.seed(archiveKeyFor('media/', first), body, verifiedMetadata(body));
      source.fetchAnswers.push(new MediaNotYetAvailableError('404'));
      source.deleteAnswers.push('already-gone');

      // Act
      const outcome = await run(retry, 1);

      // Assess
      expect(outcome).toMatchObject({ archive: 'already-archived', twilio: 'already-gone' });
      expect(calls).toContain(`head ${archiveKeyFor('media/', first)}`);
      expect([...store.objects.keys()]).toEqual([archiveKeyFor('media/', first)]);
    });

    it('never deletes when the PUT fails', async () => {
      // Prepare
      source.fetchAnswers.push({ body: makeMediaBody(100) });
      store.failures.put.push(new StorageUnavailableError('S3 down'));

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(source.deleted).toEqual([]);
    });

    it('never deletes when the index marker cannot be written', async () => {
      // Prepare
      source.fetchAnswers.push({ body: makeMediaBody(100) });
      store.failures.putMarker.push(new StorageUnavailableError('S3 down'));

      // Act
      const result = run(mediaJobFactory({ index: 0 }));

      // Assess
      await expect(result).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(source.deleted).toEqual([]);
      expect(store.objects.size).toBe(1);
    });
  });
});
