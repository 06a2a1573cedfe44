import { beforeEach, describe, expect, it } from 'vitest';
import {
  MediaNotYetAvailableError,
  StorageUnavailableError,
  TruncatedMediaError,
  UnstableMediaError,
  VerificationFailedError,
} from '../../../../lib/domain/errors.ts';
import type { PutArchiveObject, PutResult } from '../../../../lib/ports/pipeline.ts';
import { streamInto } from '../../../../lib/use-cases/archive-media/one-pass.ts';
import {
  type ArchiveMediaFixture,
  archiveMediaFixture,
} from '../../../helpers/archive-media-fixture.ts';
import { FakeArchiveStore } from '../../../helpers/fake-ports.ts';
import { makeMediaBody, sha256Hex } from '../../../helpers/media-fixtures.ts';

/** An S3 that answers "exists" to every PUT, conditional or not (a misbehaving stand-in). */
class AlwaysExistsStore extends FakeArchiveStore {
  override async put(object: PutArchiveObject): Promise<PutResult> {
    this.calls.push(`put ${object.key}${object.ifNoneMatch ? ' if-none-match' : ''}`);
    object.body().destroy();
    return { outcome: 'exists' };
  }
}

describe('archiveMedia one pass (streamInto)', () => {
  let fx: ArchiveMediaFixture;

  const setUp = (attempt = 1) => fx.download(attempt);

  beforeEach(() => {
    fx = archiveMediaFixture();
  });

  it('after a failed PUT, downloads once more and stores that download', async () => {
    // Prepare
    const body = makeMediaBody(3000, 2);
    fx.source.fetchAnswers.push({ body });
    fx.store.failures.put.push(new StorageUnavailableError('S3 503'));
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
    expect(fx.fetches).toBe(1);
    expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
  });

  it('a retry download that announces no length is refused: nothing stored', async () => {
    // Prepare
    const body = makeMediaBody(500, 4);
    fx.source.fetchAnswers.push({ body }, { body, noLength: true });
    fx.store.failures.put.push(new StorageUnavailableError('S3 503'));
    const { invocation, fetchAgain, first } = setUp();

    // Act
    const result = streamInto(invocation, await first(), true, fetchAgain);

    // Assess
    await expect(result).rejects.toThrow(UnstableMediaError);
    expect(fx.store.objects.size).toBe(0);
  });

  it('gives up after two truncated downloads, keeping the media at Twilio', async () => {
    // Prepare: 1000 bytes announced, 400 sent, every time.
    fx.source.fetchAnswers.push({ body: makeMediaBody(400, 1), contentLength: 1000 });
    const { invocation, fetchAgain, first } = setUp();

    // Act
    const result = streamInto(invocation, await first(), true, fetchAgain);

    // Assess
    await expect(result).rejects.toThrow(TruncatedMediaError);
    expect(fx.fetches).toBe(1);
    expect(fx.store.objects.size).toBe(0);
  });

  it('a retry that meets a 404 and a proven copy returns that copy as already archived', async () => {
    // Prepare
    const body = makeMediaBody(800, 6);
    const { invocation, fetchAgain, first, key } = setUp();
    fx.source.fetchAnswers.push({ body: body.subarray(0, 100), contentLength: 800 });
    const download = await first();
    // The first body breaks off; meanwhile a duplicate job archived it and Twilio answers 404.
    fx.source.fetchAnswers.splice(0, 1, new MediaNotYetAvailableError('404'));
    fx.store.seed(key, body, { sha256: sha256Hex(body), size: '800' }, 800, { checksum: true });

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
    fx.source.fetchAnswers.push({ body: makeMediaBody(200, 3) });
    fx.store.failures.put.push(new Error('access denied'));
    const { invocation, fetchAgain, first } = setUp();

    // Act / Assess
    await expect(streamInto(invocation, await first(), true, fetchAgain)).rejects.toThrow(
      'access denied',
    );
    expect(fx.fetches).toBe(0);
  });

  it('refuses an unconditional PUT that S3 answers as existing', async () => {
    // Prepare
    fx.store = new AlwaysExistsStore(fx.calls);
    fx.source.fetchAnswers.push({ body: makeMediaBody(200, 3) });
    const { invocation, fetchAgain, first } = setUp();

    // Act / Assess
    await expect(streamInto(invocation, await first(), false, fetchAgain)).rejects.toThrow(
      VerificationFailedError,
    );
  });
});
