import { beforeEach, describe, expect, it } from 'vitest';
import { archiveKeyFor } from '../../../../lib/domain/archive-key.ts';
import {
  MediaNotYetAvailableError,
  StorageUnavailableError,
  TruncatedMediaError,
  UnstableMediaError,
  VerificationFailedError,
} from '../../../../lib/domain/errors.ts';
import type { MediaDownload, PutArchiveObject, PutResult } from '../../../../lib/ports/pipeline.ts';
import { type Fetched, fetchOrNotFound } from '../../../../lib/use-cases/archive-media/fetch.ts';
import {
  type ArchiveMediaConfig,
  type Invocation,
  invocationFor,
} from '../../../../lib/use-cases/archive-media/invocation.ts';
import { streamInto } from '../../../../lib/use-cases/archive-media/one-pass.ts';
import {
  FakeArchiveStore,
  FakeMediaSource,
  recordingLogger,
  recordingMetrics,
} from '../../../helpers/fake-ports.ts';
import { makeMediaBody, sha256Hex } from '../../../helpers/media-fixtures.ts';
import { ACCOUNT_SID, mediaJobFactory } from '../../../helpers/sqs-event.ts';

/** An S3 that answers "exists" to every PUT, conditional or not (a misbehaving stand-in). */
class AlwaysExistsStore extends FakeArchiveStore {
  override async put(object: PutArchiveObject): Promise<PutResult> {
    this.calls.push(`put ${object.key}${object.ifNoneMatch ? ' if-none-match' : ''}`);
    object.body().destroy();
    return { outcome: 'exists' };
  }
}

describe('archiveMedia one pass (streamInto)', () => {
  let calls: string[];
  let store: FakeArchiveStore;
  let source: FakeMediaSource;
  let config: ArchiveMediaConfig;
  let fetches: number;

  const setUp = (attempt = 1) => {
    const job = mediaJobFactory();
    const invocation: Invocation = invocationFor(
      { source, store, config, logger: recordingLogger(), metrics: recordingMetrics() },
      job,
      { attempt },
    );
    const fetchAgain = (): Promise<Fetched> => {
      fetches += 1;
      return fetchOrNotFound(invocation, undefined);
    };
    const first = async (): Promise<MediaDownload> => {
      const fetched = await fetchOrNotFound(invocation, undefined);
      if ('foundAfterNotFound' in fetched) throw new Error('expected a download');
      return fetched;
    };
    return { job, invocation, fetchAgain, first, key: archiveKeyFor(config.archivePrefix, job) };
  };

  beforeEach(() => {
    calls = [];
    fetches = 0;
    store = new FakeArchiveStore(calls);
    source = new FakeMediaSource(calls);
    config = {
      accountSid: ACCOUNT_SID,
      archivePrefix: 'media/',
      maxMediaBytes: 64 * 1024,
      deleteAfterArchive: true,
      notFoundAttempts: 3,
      spoolDir: '/nonexistent',
    };
  });

  it('after a failed PUT, downloads once more and stores that download', async () => {
    // Prepare
    const body = makeMediaBody(3000, 2);
    source.fetchAnswers.push({ body });
    store.failures.put.push(new StorageUnavailableError('S3 503'));
    const { invocation, fetchAgain, first, key } = setUp();

    // Act
    const stored = await streamInto(invocation, await first(), true, fetchAgain);

    // Assess
    expect(stored).toEqual({
      proof: {
        size: 3000,
        sha256Hex: sha256Hex(body),
        wholeBy: 'announced-length',
        s3: 's3-checksum',
      },
      archive: 'archived',
      contentType: 'image/jpeg',
    });
    expect(fetches).toBe(1);
    expect(store.objects.get(key)?.body.equals(body)).toBe(true);
  });

  it('a retry download that announces no length is refused: nothing stored', async () => {
    // Prepare
    const body = makeMediaBody(500, 4);
    source.fetchAnswers.push({ body }, { body, noLength: true });
    store.failures.put.push(new StorageUnavailableError('S3 503'));
    const { invocation, fetchAgain, first } = setUp();

    // Act
    const result = streamInto(invocation, await first(), true, fetchAgain);

    // Assess
    await expect(result).rejects.toThrow(UnstableMediaError);
    expect(store.objects.size).toBe(0);
  });

  it('gives up after two truncated downloads, keeping the media at Twilio', async () => {
    // Prepare: 1000 bytes announced, 400 sent, every time.
    source.fetchAnswers.push({ body: makeMediaBody(400, 1), contentLength: 1000 });
    const { invocation, fetchAgain, first } = setUp();

    // Act
    const result = streamInto(invocation, await first(), true, fetchAgain);

    // Assess
    await expect(result).rejects.toThrow(TruncatedMediaError);
    expect(fetches).toBe(1);
    expect(store.objects.size).toBe(0);
  });

  it('a retry that meets a 404 and a proven copy returns that copy as already archived', async () => {
    // Prepare
    const body = makeMediaBody(800, 6);
    const { invocation, fetchAgain, first, key } = setUp();
    source.fetchAnswers.push({ body: body.subarray(0, 100), contentLength: 800 });
    const download = await first();
    // The first body breaks off; meanwhile a duplicate job archived it and Twilio answers 404.
    source.fetchAnswers.splice(0, 1, new MediaNotYetAvailableError('404'));
    store.seed(key, body, { sha256: sha256Hex(body), size: '800' }, 800, { checksum: true });

    // Act
    const stored = await streamInto(invocation, download, true, fetchAgain);

    // Assess
    expect(stored.archive).toBe('already-archived');
    expect(stored.proof).toMatchObject({
      size: 800,
      sha256Hex: sha256Hex(body),
      wholeBy: 'stored-copy',
    });
  });

  it('does not retry an error that is not transient', async () => {
    // Prepare
    source.fetchAnswers.push({ body: makeMediaBody(200, 3) });
    store.failures.put.push(new Error('access denied'));
    const { invocation, fetchAgain, first } = setUp();

    // Act / Assess
    await expect(streamInto(invocation, await first(), true, fetchAgain)).rejects.toThrow(
      'access denied',
    );
    expect(fetches).toBe(0);
  });

  it('refuses an unconditional PUT that S3 answers as existing', async () => {
    // Prepare
    store = new AlwaysExistsStore(calls);
    source.fetchAnswers.push({ body: makeMediaBody(200, 3) });
    const { invocation, fetchAgain, first } = setUp();

    // Act / Assess
    await expect(streamInto(invocation, await first(), false, fetchAgain)).rejects.toThrow(
      VerificationFailedError,
    );
  });
});
