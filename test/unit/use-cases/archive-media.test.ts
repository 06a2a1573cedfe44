import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveKeyFor, messageIndexKeyFor } from '../../../lib/domain/archive-key.ts';
import {
  ForeignAccountError,
  MediaNotFoundError,
  MediaNotYetAvailableError,
  MediaTooLargeError,
  StorageUnavailableError,
  TruncatedMediaError,
  UnstableMediaError,
  VerificationFailedError,
} from '../../../lib/domain/errors.ts';
import { MetricName } from '../../../lib/domain/metric-names.ts';
import { archiveMedia } from '../../../lib/use-cases/archive-media.ts';
import {
  type ArchiveMediaFixture,
  archiveMediaFixture,
} from '../../helpers/archive-media-fixture.ts';
import { makeMediaBody, sha256Hex } from '../../helpers/media-fixtures.ts';
import { mediaJobFactory } from '../../helpers/sqs-event.ts';

describe('archiveMedia', () => {
  let spoolDir: string;
  let fx: ArchiveMediaFixture;

  const run = (job = mediaJobFactory(), attempt = 1) => archiveMedia(fx.deps(), job, { attempt });

  /** What the archiver writes: with `md5`, a single-part object's ETag (S3's MD5) proves it. */
  const verifiedMetadata = (body: Buffer) => ({
    sha256: sha256Hex(body),
    size: String(body.length),
    md5: createHash('md5').update(body).digest('hex'),
    'source-etag': '"abc"',
  });
  /** Metadata that agrees with itself (a 64-hex sha256, the stored size) but not with the bytes. */
  const plantedMetadata = (size: number) => ({
    sha256: sha256Hex(Buffer.from('some other bytes')),
    size: String(size),
    'source-etag': '"abc"',
  });

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'archive-media-'));
    fx = archiveMediaFixture({ spoolDir });
  });

  afterEach(async () => {
    // Assess (shared): whatever happened, no spool file stays behind.
    expect(await readdir(spoolDir)).toEqual([]);
    await rm(spoolDir, { recursive: true, force: true });
  });

  describe('first delivery', () => {
    it('writes the index marker, archives with metadata, then deletes at Twilio', async () => {
      // Prepare
      const body = makeMediaBody(5000, 7);
      const job = mediaJobFactory({ from: 'whatsapp:+15550001111' });
      fx.source.fetchAnswers.push({
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
        proof: {
          size: 5000,
          sha256Hex: sha256Hex(body),
          wholeBy: 'announced-length',
          s3: 's3-checksum',
        },
        contentType: 'image/jpeg',
      });
      expect(fx.calls).toEqual([
        `marker ${messageIndexKeyFor('media/', job)}`,
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
        `delete ${job.mediaSid}`,
      ]);
      const stored = fx.store.objects.get(key);
      expect(stored?.body.equals(body)).toBe(true);
      expect(stored?.object.metadata).toMatchObject({
        'account-sid': job.accountSid,
        'message-sid': job.messageSid,
        'media-sid': job.mediaSid,
        size: '5000',
        'received-at': job.receivedAt,
        'source-etag': '"e1"',
        'source-last-modified': 'Tue, 04 Mar 2025 05:06:07 GMT',
        'original-filename': encodeURIComponent('photo été.jpg'),
        from: 'whatsapp:+15550001111',
      });
      // One pass: the download itself is the body; its SHA-256 is known only at the end, so the
      // metadata carries none (S3's stored checksum is the digest) and no MD5 is computed.
      expect(fx.store.puts[0]?.oneShot).toBe(true);
      expect(stored?.object.metadata.sha256).toBeUndefined();
      expect(stored?.object.metadata.md5).toBeUndefined();
      expect(fx.metrics.total(MetricName.MediaArchived)).toBe(1);
      expect(fx.metrics.total(MetricName.BytesArchived)).toBe(5000);
      expect(fx.metrics.total(MetricName.DeletedAtTwilio)).toBe(1);
      // The marker names the message and its day, nothing more.
      expect(fx.store.markers.get(messageIndexKeyFor('media/', job))).toEqual({
        'account-sid': job.accountSid,
        'message-sid': job.messageSid,
        'received-at': job.receivedAt,
      });
      // Nothing was at the key: no reason to ask the bucket whether it keeps versions.
      expect(fx.store.versioningAsked).toBe(0);
      // One line an operator can search: SIDs, what happened, and how S3 vouched for it.
      expect(fx.logger.lines).toContainEqual({
        level: 'info',
        message: 'media archived',
        fields: expect.objectContaining({
          key,
          messageSid: job.messageSid,
          mediaSid: job.mediaSid,
          archive: 'archived',
          twilio: 'deleted',
          size: 5000,
          wholeBy: 'announced-length',
          proof: 's3-checksum',
        }),
      });
    });

    it('does not write the index marker for media other than the first', async () => {
      // Prepare
      const job = mediaJobFactory({ index: 2 });
      fx.source.fetchAnswers.push({ body: makeMediaBody(10) });

      // Act
      await run(job);

      // Assess
      expect(fx.store.markers.size).toBe(0);
      expect(fx.source.deleted).toHaveLength(1);
    });

    it('keeps the media at Twilio when deleteAfterArchive is false', async () => {
      // Prepare
      fx.config.deleteAfterArchive = false;
      fx.source.fetchAnswers.push({ body: makeMediaBody(10) });

      // Act
      const outcome = await run();

      // Assess
      expect(outcome.twilio).toBe('kept');
      expect(fx.calls.some((call) => call.startsWith('delete'))).toBe(false);
    });

    it('treats a 412 on the conditional PUT as archived when the existing copy is verified', async () => {
      // Prepare
      const body = makeMediaBody(300, 2);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, body, verifiedMetadata(body));
      fx.source.fetchAnswers.push({ body });

      // Act
      const outcome = await run(job, 1);

      // Assess
      expect(outcome.archive).toBe('already-archived');
      expect(fx.calls).toEqual([
        `marker ${messageIndexKeyFor('media/', job)}`,
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
        `head ${key}`,
        `delete ${job.mediaSid}`,
      ]);
      expect(fx.metrics.total(MetricName.DuplicatesSkipped)).toBe(1);
    });

    it('overwrites an unverified object found through a 412', async () => {
      // Prepare
      const body = makeMediaBody(300, 2);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, Buffer.from('junk'), { size: '300' });
      fx.source.fetchAnswers.push({ body });

      // Act
      const outcome = await run(job, 1);

      // Assess
      expect(outcome.archive).toBe('archived');
      // The body went into the refused PUT and cannot be sent twice: a fresh download.
      expect(fx.calls.slice(0, 6)).toEqual([
        `marker ${messageIndexKeyFor('media/', job)}`,
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
        `head ${key}`,
        `fetch ${job.mediaSid}`,
        `put ${key}`,
      ]);
      expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
    });
  });

  describe('later deliveries', () => {
    it('finds a verified copy by HEAD and deletes without downloading or writing', async () => {
      // Prepare
      const body = makeMediaBody(100);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, body, verifiedMetadata(body));

      // Act
      const outcome = await run(job, 2);

      // Assess
      expect(outcome).toMatchObject({ archive: 'already-archived', twilio: 'deleted' });
      // The marker went in before the copy did: a redelivery writes nothing.
      expect(fx.calls).toEqual([`head ${key}`, `delete ${job.mediaSid}`]);
    });

    it('reports already-gone when Twilio no longer has the media', async () => {
      // Prepare
      const body = makeMediaBody(100);
      const job = mediaJobFactory();
      fx.store.seed(archiveKeyFor('media/', job), body, verifiedMetadata(body));
      fx.source.deleteAnswers.push('already-gone');

      // Act
      const outcome = await run(job, 3);

      // Assess
      expect(outcome.twilio).toBe('already-gone');
      expect(fx.metrics.total(MetricName.DeletedAtTwilio)).toBe(0);
    });

    it('never trusts metadata alone: downloads an unproven copy afresh, without validators, and overwrites it', async () => {
      // Prepare: issue 12 — a 304 would have vouched for these bytes on their metadata's word.
      const body = makeMediaBody(50, 5);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, makeMediaBody(50, 6), {
        ...plantedMetadata(50),
        'source-last-modified': 'Mon, 03 Mar 2025 00:00:00 GMT',
      });
      fx.source.fetchAnswers.push({ body });

      // Act
      const outcome = await run(job, 2);

      // Assess
      expect(fx.source.fetchRequests[0]?.validators).toBeUndefined();
      expect(fx.calls.slice(0, 4)).toEqual([
        `head ${key}`,
        `marker ${messageIndexKeyFor('media/', job)}`,
        `fetch ${job.mediaSid}`,
        `put ${key}`,
      ]);
      expect(outcome).toMatchObject({ archive: 'archived', twilio: 'deleted' });
      expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
      expect(fx.logger.lines).toContainEqual({
        level: 'warn',
        message: 'object at the archive key lacks S3-confirmed checksums; downloading',
        fields: expect.objectContaining({ key, mediaSid: job.mediaSid }),
      });
    });

    it('on a later delivery that finds nothing at the key, downloads without a warning', async () => {
      // Prepare
      const job = mediaJobFactory();
      fx.source.fetchAnswers.push({ body: makeMediaBody(30, 2) });

      // Act
      const outcome = await run(job, 2);

      // Assess
      expect(outcome).toMatchObject({ archive: 'archived', twilio: 'deleted' });
      expect(fx.logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
    });

    it('on a bucket that keeps no versions, writes over an unproven copy only create-only, and refuses other bytes', async () => {
      // Prepare: the local S3, or a bucket with versioning off — an overwrite would lose the old bytes.
      const body = makeMediaBody(50, 5);
      const planted = makeMediaBody(50, 6);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.versioned = false;
      fx.store.seed(key, planted, plantedMetadata(50));
      fx.source.fetchAnswers.push({ body });

      // Act
      const result = run(job, 2);

      // Assess
      await expect(result).rejects.toThrow();
      expect(fx.calls).toContain(`put ${key} if-none-match`);
      expect(fx.calls).not.toContain(`put ${key}`);
      expect(fx.store.versioningAsked).toBeGreaterThan(0);
      expect(fx.store.objects.get(key)?.body.equals(planted)).toBe(true);
      expect(fx.source.deleted).toEqual([]);
    });

    it('finds the copy proven and logs how S3 vouched for it, without downloading', async () => {
      // Prepare
      const body = makeMediaBody(40, 3);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, body, verifiedMetadata(body));

      // Act
      await run(job, 2);

      // Assess
      expect(fx.source.fetchRequests).toEqual([]);
      expect(fx.logger.lines).toContainEqual({
        level: 'info',
        message: 'S3-confirmed copy found, no download',
        fields: expect.objectContaining({ mediaSid: job.mediaSid, proof: 'md5-etag' }),
      });
    });

    it("trusts a copy by S3's stored SHA-256 (ChecksumMode) without an md5 in its metadata", async () => {
      // Prepare
      const body = makeMediaBody(70, 8);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, body, { sha256: sha256Hex(body), size: '70' }, 70, { checksum: true });

      // Act
      const outcome = await run(job, 2);

      // Assess
      expect(outcome).toMatchObject({ archive: 'already-archived', twilio: 'deleted' });
      expect(outcome.proof).toMatchObject({ wholeBy: 'stored-copy', s3: 's3-checksum' });
      expect(fx.calls.filter((call) => call.startsWith('fetch'))).toEqual([]);
    });

    it("does not trust a copy whose metadata names other bytes than S3's own checksum and ETag", async () => {
      // Prepare: planted bytes with S3-computed checksums, metadata claiming Twilio's digest.
      const body = makeMediaBody(70, 8);
      const planted = makeMediaBody(70, 9);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, planted, verifiedMetadata(body), 70, { checksum: true });
      fx.source.fetchAnswers.push({ body });

      // Act
      const outcome = await run(job, 2);

      // Assess
      expect(outcome).toMatchObject({ archive: 'archived', twilio: 'deleted' });
      expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
      expect(fx.calls.indexOf(`put ${key}`)).toBeLessThan(
        fx.calls.indexOf(`delete ${job.mediaSid}`),
      );
    });

    it('refuses a 304 to the unconditional GET without deleting', async () => {
      // Prepare
      fx.source.fetchAnswers.push({ notModified: true });

      // Act
      const result = run(mediaJobFactory(), 2);

      // Assess
      await expect(result).rejects.toBeInstanceOf(VerificationFailedError);
      expect(fx.source.deleted).toEqual([]);
    });
  });

  describe('a different object at the key on the first delivery (412)', () => {
    it('overwrites an S3-proven copy of other bytes with the proven download, then deletes', async () => {
      // Prepare
      const body = makeMediaBody(300, 2);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      const other = makeMediaBody(300, 3);
      fx.store.seed(key, other, verifiedMetadata(other), 300, { checksum: true });
      fx.source.fetchAnswers.push({ body });

      // Act
      const outcome = await run(job, 1);

      // Assess
      expect(outcome).toMatchObject({ archive: 'archived', twilio: 'deleted' });
      expect(fx.calls).toEqual([
        `marker ${messageIndexKeyFor('media/', job)}`,
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
        `head ${key}`,
        `fetch ${job.mediaSid}`,
        `put ${key}`,
        `delete ${job.mediaSid}`,
      ]);
      expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
      expect(fx.metrics.total(MetricName.ArchiveOverwritten)).toBe(1);
      expect(fx.metrics.total(MetricName.DuplicatesSkipped)).toBe(0);
    });

    it('overwrites a planted object with self-consistent metadata and no S3 proof', async () => {
      // Prepare
      const body = makeMediaBody(300, 2);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, makeMediaBody(300, 4), plantedMetadata(300));
      fx.source.fetchAnswers.push({ body });

      // Act
      const outcome = await run(job, 1);

      // Assess
      expect(outcome.archive).toBe('archived');
      expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
      expect(fx.calls.at(-1)).toBe(`delete ${job.mediaSid}`);
    });
  });

  describe('bodies without a usable Content-Length', () => {
    it('archives a close-delimited body only after a second download gives the same SHA-256', async () => {
      // Prepare
      const body = makeMediaBody(4000, 11);
      const job = mediaJobFactory();
      fx.source.fetchAnswers.push({ body, noLength: true }, { body, noLength: true });

      // Act
      const outcome = await run(job);

      // Assess
      expect(outcome.proof).toMatchObject({ wholeBy: 'two-downloads', sha256Hex: sha256Hex(body) });
      expect(fx.calls.filter((call) => call.startsWith('fetch'))).toHaveLength(2);
      expect(fx.calls.at(-1)).toBe(`delete ${job.mediaSid}`);
    });

    it('keeps at Twilio and writes nothing when two downloads differ (a body cut short)', async () => {
      // Prepare
      const body = makeMediaBody(4000, 11);
      fx.source.fetchAnswers.push(
        { body: body.subarray(0, 1234), noLength: true },
        { body, noLength: true },
      );

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toThrow(UnstableMediaError);
      await expect(result).rejects.toThrow(/two downloads without a usable Content-Length differ/);
      expect(fx.store.objects.size).toBe(0);
      expect(fx.source.deleted).toEqual([]);
    });

    it('treats a decoded (gzip) body as having no length: two downloads, never "truncated"', async () => {
      // Prepare
      const body = makeMediaBody(900, 12);
      fx.source.fetchAnswers.push({ body, contentEncoding: 'gzip' });

      // Act
      const outcome = await run();

      // Assess
      expect(outcome.proof.wholeBy).toBe('two-downloads');
      expect(outcome.twilio).toBe('deleted');
      expect(fx.calls.filter((call) => call.startsWith('fetch'))).toHaveLength(2);
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
      await expect(result).rejects.toThrow(
        'job belongs to an account this deployment does not serve',
      );
      expect(fx.calls).toEqual([]);
    });

    it('refuses media over the limit while streaming, leaving no object', async () => {
      // Prepare
      fx.source.fetchAnswers.push({
        body: Readable.from([makeMediaBody(40_000), makeMediaBody(40_000)]),
        contentLength: undefined,
      });

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(MediaTooLargeError);
      expect(fx.store.objects.size).toBe(0);
      expect(fx.calls.some((call) => call.startsWith('delete'))).toBe(false);
    });

    it('refuses media whose Content-Length announces more than the limit', async () => {
      // Prepare
      fx.source.fetchAnswers.push({ body: makeMediaBody(10), contentLength: 64 * 1024 + 1 });

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(MediaTooLargeError);
      expect(fx.calls.filter((call) => call.startsWith('put'))).toEqual([]);
    });

    it('fails transiently on a body shorter than its Content-Length', async () => {
      // Prepare
      fx.source.fetchAnswers.push({ body: makeMediaBody(100), contentLength: 200 });

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
      expect(fx.store.objects.size).toBe(0);
      expect(fx.source.deleted).toEqual([]);
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
      fx.source.fetchAnswers.push(
        { body: brokenBody(), contentLength: 100 },
        { body: brokenBody(), contentLength: 100 },
      );

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
      expect(fx.calls.filter((call) => call.startsWith('fetch'))).toHaveLength(2);
      expect(fx.source.deleted).toEqual([]);
    });

    it('archives on the second download when only the first body broke', async () => {
      // Prepare
      const body = makeMediaBody(100, 3);
      fx.source.fetchAnswers.push({ body: brokenBody(), contentLength: 100 }, { body });

      // Act
      const outcome = await run();

      // Assess
      expect(outcome).toMatchObject({
        archive: 'archived',
        twilio: 'deleted',
        sha256: sha256Hex(body),
      });
      expect(fx.calls.filter((call) => call.startsWith('fetch'))).toHaveLength(2);
    });

    it('keeps a 404 transient before notFoundAttempts and makes it permanent from then on', async () => {
      // Prepare
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));

      // Act
      const early = run(mediaJobFactory(), 2);
      const late = run(mediaJobFactory(), 3);

      // Assess
      await expect(early).rejects.toBeInstanceOf(MediaNotYetAvailableError);
      await expect(late).rejects.toBeInstanceOf(MediaNotFoundError);
      expect(fx.source.deleted).toEqual([]);
    });

    it('on a first-delivery 404 looks for a copy a duplicate job archived', async () => {
      // Prepare
      const body = makeMediaBody(100);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.store.seed(key, body, verifiedMetadata(body));
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));
      fx.source.deleteAnswers.push('already-gone');

      // Act
      const outcome = await run(job, 1);

      // Assess
      expect(outcome).toMatchObject({ archive: 'already-archived', twilio: 'already-gone' });
      expect(fx.calls).toEqual([
        `marker ${messageIndexKeyFor('media/', job)}`,
        `fetch ${job.mediaSid}`,
        `head ${key}`,
        `delete ${job.mediaSid}`,
      ]);
    });

    it('finds the copy a webhook retry archived under the other side of UTC midnight', async () => {
      // Prepare
      const body = makeMediaBody(100);
      const first = mediaJobFactory({ receivedAt: '2026-11-26T23:59:58.000Z' });
      const retry = { ...first, receivedAt: '2026-11-27T00:00:14.000Z' };
      fx.store.seed(archiveKeyFor('media/', first), body, verifiedMetadata(body));
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));
      fx.source.deleteAnswers.push('already-gone');

      // Act
      const outcome = await run(retry, 1);

      // Assess
      expect(outcome).toMatchObject({ archive: 'already-archived', twilio: 'already-gone' });
      expect(fx.calls).toContain(`head ${archiveKeyFor('media/', first)}`);
      expect([...fx.store.objects.keys()]).toEqual([archiveKeyFor('media/', first)]);
    });

    it('on a 404 does not take a copy S3 cannot confirm for the media', async () => {
      // Prepare
      const job = mediaJobFactory();
      fx.store.seed(archiveKeyFor('media/', job), makeMediaBody(100, 3), plantedMetadata(100));
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));

      // Act
      const result = run(job, 3);

      // Assess
      await expect(result).rejects.toBeInstanceOf(MediaNotFoundError);
      expect(fx.source.deleted).toEqual([]);
    });

    it('binds the S3 write to the invocation deadline', async () => {
      // Prepare
      const signal = new AbortController().signal;
      fx.source.fetchAnswers.push({ body: makeMediaBody(100) });

      // Act
      await archiveMedia(fx.deps(), mediaJobFactory(), {
        attempt: 1,
        signal,
      });

      // Assess
      expect(fx.store.putSignals).toEqual([signal]);
    });

    it('removes the spool file when the deadline aborts the PUT, and never deletes', async () => {
      // Prepare: no length, so spooled on disk; the store aborts like the SDK does when the
      // signal fires.
      fx.config = { ...fx.config, spoolMemoryBytes: 0 };
      const controller = new AbortController();
      fx.source.fetchAnswers.push({ body: makeMediaBody(5_000), noLength: true });
      fx.store.put = async () => {
        expect(await readdir(spoolDir)).toHaveLength(1);
        controller.abort(new Error('invocation deadline'));
        throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      };

      // Act
      const result = archiveMedia(fx.deps(), mediaJobFactory(), {
        attempt: 1,
        signal: controller.signal,
      });

      // Assess (the shared afterEach checks the spool dir is empty)
      await expect(result).rejects.toThrow('aborted');
      expect(fx.source.deleted).toEqual([]);
    });

    it('removes the spool file when the second download of a no-length body breaks', async () => {
      // Prepare
      fx.config = { ...fx.config, spoolMemoryBytes: 0 };
      const broken = new Readable({
        read() {
          this.push(makeMediaBody(10));
          this.destroy(new Error('socket hang up'));
        },
      });
      fx.source.fetchAnswers.push(
        { body: makeMediaBody(3_000), noLength: true },
        { body: broken, noLength: true },
      );

      // Act
      const result = run();

      // Assess
      await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
      expect(fx.store.objects.size).toBe(0);
      expect(fx.source.deleted).toEqual([]);
    });

    it('never deletes when the PUT fails, after one fresh download for the retry', async () => {
      // Prepare
      const job = mediaJobFactory();
      fx.source.fetchAnswers.push({ body: makeMediaBody(100) });
      fx.store.failures.put.push(
        new StorageUnavailableError('S3 down'),
        new StorageUnavailableError('S3 down'),
      );

      // Act
      const result = run(job);

      // Assess
      await expect(result).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(fx.calls.filter((call) => call.startsWith('fetch'))).toHaveLength(2);
      expect(fx.source.deleted).toEqual([]);
    });

    it('retries a failed one-pass PUT with a fresh download, then archives', async () => {
      // Prepare: a streamed body cannot be sent twice.
      const body = makeMediaBody(100, 5);
      const job = mediaJobFactory();
      const key = archiveKeyFor('media/', job);
      fx.source.fetchAnswers.push({ body });
      fx.store.failures.put.push(new StorageUnavailableError('S3 down'));

      // Act
      const outcome = await run(job);

      // Assess
      expect(outcome).toMatchObject({ archive: 'archived', twilio: 'deleted' });
      expect(fx.calls.slice(0, 5)).toEqual([
        `marker ${messageIndexKeyFor('media/', job)}`,
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
        `fetch ${job.mediaSid}`,
        `put ${key} if-none-match`,
      ]);
      expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
    });

    it('neither downloads nor deletes when the index marker cannot be written', async () => {
      // Prepare
      fx.source.fetchAnswers.push({ body: makeMediaBody(100) });
      fx.store.failures.putMarker.push(new StorageUnavailableError('S3 down'));

      // Act
      const result = run(mediaJobFactory({ index: 0 }));

      // Assess
      await expect(result).rejects.toBeInstanceOf(StorageUnavailableError);
      expect(fx.source.deleted).toEqual([]);
      // A proven copy without its marker would let a redelivery skip the marker for good.
      expect(fx.store.objects.size).toBe(0);
    });
  });
});
