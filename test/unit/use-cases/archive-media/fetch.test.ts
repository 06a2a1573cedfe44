import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { archiveKeyFor, neighbourDayKeysFor } from '../../../../lib/domain/archive-key.ts';
import {
  MediaNotFoundError,
  MediaNotYetAvailableError,
  MediaTooLargeError,
  VerificationFailedError,
} from '../../../../lib/domain/errors.ts';
import type { MediaJob } from '../../../../lib/domain/media-job.ts';
import type { MediaDownload } from '../../../../lib/ports/pipeline.ts';
import {
  archivedBefore,
  fetchOrNotFound,
  refuseTooLarge,
} from '../../../../lib/use-cases/archive-media/fetch.ts';
import {
  type ArchiveMediaFixture,
  archiveMediaFixture,
} from '../../../helpers/archive-media-fixture.ts';
import { makeMediaBody, sha256Hex } from '../../../helpers/media-fixtures.ts';
import { mediaJobFactory } from '../../../helpers/sqs-event.ts';

describe('archiveMedia fetch', () => {
  let fx: ArchiveMediaFixture;

  const invocation = (job: MediaJob, attempt: number) => fx.invocation(attempt, job);
  /** A copy S3 itself vouches for: its stored SHA-256 matches the metadata's. */
  const seedProven = (key: string, body: Buffer) =>
    fx.store.seed(key, body, { sha256: sha256Hex(body), size: String(body.length) }, body.length, {
      checksum: true,
    });

  beforeEach(() => {
    fx = archiveMediaFixture({ maxMediaBytes: 1024 });
  });

  describe('fetchOrNotFound', () => {
    it('hands back the download Twilio answered', async () => {
      // Prepare
      const body = makeMediaBody(100, 3);
      fx.source.fetchAnswers.push({ body, etag: '"e1"' });
      const job = mediaJobFactory();

      // Act
      const fetched = await fetchOrNotFound(invocation(job, 1), undefined);

      // Assess
      expect('foundAfterNotFound' in fetched).toBe(false);
      expect(fetched).toMatchObject({ status: 'ok', contentLength: 100, etag: '"e1"' });
      expect(fx.calls).toEqual([`fetch ${job.mediaSid}`]);
    });

    it('refuses a 304 to its unconditional GET', async () => {
      // Prepare
      fx.source.fetchAnswers.push({ notModified: true });

      // Act / Assess
      await expect(fetchOrNotFound(invocation(mediaJobFactory(), 1), undefined)).rejects.toThrow(
        VerificationFailedError,
      );
    });

    it('lets errors other than a 404 through without looking in S3', async () => {
      // Prepare
      fx.source.fetchAnswers.push(new Error('socket hang up'));

      // Act / Assess
      await expect(fetchOrNotFound(invocation(mediaJobFactory(), 2), undefined)).rejects.toThrow(
        'socket hang up',
      );
      expect(fx.calls.some((call) => call.startsWith('head'))).toBe(false);
    });

    it('on a 404 with a proven copy at the key, returns that copy as the proof', async () => {
      // Prepare
      const job = mediaJobFactory();
      const body = makeMediaBody(64, 5);
      seedProven(archiveKeyFor(fx.config.archivePrefix, job), body);
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));

      // Act
      const fetched = await fetchOrNotFound(invocation(job, 1), undefined);

      // Assess
      expect(fetched).toEqual({
        foundAfterNotFound: {
          size: 64,
          sha256Hex: sha256Hex(body),
          wholeBy: 'stored-copy',
          s3: 's3-checksum',
        },
      });
      if (!('foundAfterNotFound' in fetched)) throw new Error('expected a found copy');
      expect(archivedBefore(fetched)).toEqual({
        proof: fetched.foundAfterNotFound,
        archive: 'already-archived',
      });
    });

    it('on a 404 after a HEAD found nothing, does not HEAD the same key again', async () => {
      // Prepare: a redelivery HEADs first; that HEAD found nothing (undefined).
      const job = mediaJobFactory();
      const key = archiveKeyFor(fx.config.archivePrefix, job);
      seedProven(key, makeMediaBody(10, 1)); // appears after the up-front HEAD: not looked at
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));

      // Act / Assess
      await expect(fetchOrNotFound(invocation(job, 2), undefined)).rejects.toThrow(
        MediaNotYetAvailableError,
      );
      expect(fx.calls).not.toContain(`head ${key}`);
    });

    it('on a 404, a copy only metadata vouches for is no proof: the 404 stays transient', async () => {
      // Prepare
      const job = mediaJobFactory();
      const body = makeMediaBody(64, 5);
      fx.store.seed(archiveKeyFor(fx.config.archivePrefix, job), body, {
        sha256: sha256Hex(body),
        size: String(body.length),
      });
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));

      // Act / Assess
      await expect(fetchOrNotFound(invocation(job, 1), undefined)).rejects.toThrow(
        MediaNotYetAvailableError,
      );
    });

    it('on the last allowed attempt, a 404 with no archived copy is permanent', async () => {
      // Prepare
      const job = mediaJobFactory();
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));

      // Act
      const failure = fetchOrNotFound(invocation(job, fx.config.notFoundAttempts), undefined);

      // Assess
      await expect(failure).rejects.toThrow(MediaNotFoundError);
      await expect(failure).rejects.toThrow(/attempt 3/);
    });

    it('on a 404 near UTC midnight, finds the copy under the neighbouring day', async () => {
      // Prepare
      const job = mediaJobFactory({ receivedAt: '2025-03-04T00:05:00.000Z' });
      const [neighbour] = neighbourDayKeysFor(fx.config.archivePrefix, job);
      if (!neighbour) throw new Error('expected a neighbouring day key');
      const body = makeMediaBody(32, 9);
      seedProven(neighbour, body);
      fx.source.fetchAnswers.push(new MediaNotYetAvailableError('404'));

      // Act: a first delivery (no up-front HEAD), so the 404 HEADs its own key, then the neighbour.
      const fetched = await fetchOrNotFound(invocation(job, 1), undefined);

      // Assess
      expect(fetched).toMatchObject({ foundAfterNotFound: { sha256Hex: sha256Hex(body) } });
      expect(fx.calls).toEqual([
        `fetch ${job.mediaSid}`,
        `head ${archiveKeyFor(fx.config.archivePrefix, job)}`,
        `head ${neighbour}`,
      ]);
    });
  });

  describe('refuseTooLarge', () => {
    const media = (contentLength?: number): MediaDownload => ({
      status: 'ok',
      body: Readable.from([Buffer.alloc(1)]),
      contentType: 'image/jpeg',
      ...(contentLength === undefined ? {} : { contentLength }),
    });

    it('refuses a body announcing more than the limit, and drops it unread', () => {
      // Prepare
      const answer = media(fx.config.maxMediaBytes + 1);

      // Act / Assess
      expect(() => refuseTooLarge(invocation(mediaJobFactory(), 1), answer)).toThrow(
        MediaTooLargeError,
      );
      expect(answer.body.destroyed).toBe(true);
    });

    it('lets through a body announcing exactly the limit, or no length at all', () => {
      // Prepare
      const exact = media(fx.config.maxMediaBytes);
      const unannounced = media();

      // Act
      refuseTooLarge(invocation(mediaJobFactory(), 1), exact);
      refuseTooLarge(invocation(mediaJobFactory(), 1), unannounced);

      // Assess
      expect(exact.body.destroyed).toBe(false);
      expect(unannounced.body.destroyed).toBe(false);
    });
  });
});
