import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaNotYetAvailableError, UnstableMediaError } from '../../../../lib/domain/errors.ts';
import { spoolInto } from '../../../../lib/use-cases/archive-media/spooled.ts';
import {
  type ArchiveMediaFixture,
  archiveMediaFixture,
} from '../../../helpers/archive-media-fixture.ts';
import { makeMediaBody, sha256Hex } from '../../../helpers/media-fixtures.ts';

describe('archiveMedia spooled (spoolInto)', () => {
  let spoolDir: string;
  let fx: ArchiveMediaFixture;

  const setUp = () => fx.download();

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'spooled-'));
    fx = archiveMediaFixture({ spoolDir, spoolMemoryBytes: 0 });
  });

  afterEach(async () => {
    // Assess (shared): the spool file is removed whatever happened.
    expect(await readdir(spoolDir)).toEqual([]);
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('without a length, archives once a second download gives the same SHA-256', async () => {
    // Prepare
    const body = makeMediaBody(2000, 8);
    fx.source.fetchAnswers.push({ body, noLength: true });
    const { invocation, fetchAgain, first, key } = setUp();

    // Act
    const stored = await spoolInto(invocation, await first(), true, fetchAgain);

    // Assess
    expect(stored).toEqual({
      proof: {
        size: 2000,
        sha256Hex: sha256Hex(body),
        wholeBy: 'two-downloads',
        s3: 's3-checksum',
      },
      archive: 'archived',
      contentType: 'image/jpeg',
    });
    expect(fx.fetches).toBe(1);
    expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
  });

  it('without a length, two downloads that differ keep the media at Twilio', async () => {
    // Prepare
    fx.source.fetchAnswers.push(
      { body: makeMediaBody(2000, 8), noLength: true },
      { body: makeMediaBody(2000, 9), noLength: true },
    );
    const { invocation, fetchAgain, first } = setUp();

    // Act
    const result = spoolInto(invocation, await first(), true, fetchAgain);

    // Assess
    await expect(result).rejects.toThrow(UnstableMediaError);
    expect(fx.store.objects.size).toBe(0);
  });

  it('without a length, media gone at Twilio before the second download is kept unproven', async () => {
    // Prepare: the 404 comes with no archived copy to prove anything.
    fx.source.fetchAnswers.push(
      { body: makeMediaBody(700, 2), noLength: true },
      new MediaNotYetAvailableError('404'),
    );
    const { invocation, fetchAgain, first } = setUp();

    // Act
    const result = spoolInto(invocation, await first(), true, fetchAgain);

    // Assess
    await expect(result).rejects.toThrow(MediaNotYetAvailableError);
    expect(fx.store.objects.size).toBe(0);
  });

  it('without a length, a 404 with a copy on the second download is still no proof of these bytes', async () => {
    // Prepare
    const body = makeMediaBody(700, 2);
    fx.source.fetchAnswers.push({ body, noLength: true }, new MediaNotYetAvailableError('404'));
    const { invocation, fetchAgain, first, key } = setUp();
    const download = await first();
    fx.store.seed(key, body, { sha256: sha256Hex(body), size: '700' }, 700, { checksum: true });

    // Act
    const result = spoolInto(invocation, download, true, fetchAgain);

    // Assess
    await expect(result).rejects.toThrow(/vanished at Twilio/);
    expect(fx.store.puts).toHaveLength(0);
  });

  it('a truncated body is downloaded once more, and the whole one archived', async () => {
    // Prepare
    const body = makeMediaBody(1500, 5);
    fx.source.fetchAnswers.push({ body: body.subarray(0, 600), contentLength: 1500 }, { body });
    const { invocation, fetchAgain, first, key } = setUp();

    // Act
    const stored = await spoolInto(invocation, await first(), true, fetchAgain);

    // Assess
    expect(stored.archive).toBe('archived');
    expect(stored.proof).toMatchObject({ size: 1500, wholeBy: 'announced-length' });
    expect(fx.fetches).toBe(1);
    expect(fx.store.objects.get(key)?.body.equals(body)).toBe(true);
  });

  it('an existing copy with the same proven bytes is already archived, not overwritten', async () => {
    // Prepare
    const body = makeMediaBody(900, 1);
    fx.source.fetchAnswers.push({ body });
    const { invocation, fetchAgain, first, key } = setUp();
    fx.store.seed(key, body, { sha256: sha256Hex(body), size: '900' }, 900, { checksum: true });

    // Act
    const stored = await spoolInto(invocation, await first(), true, fetchAgain);

    // Assess
    expect(stored.archive).toBe('already-archived');
    expect(stored.proof).toMatchObject({ sha256Hex: sha256Hex(body), wholeBy: 'announced-length' });
    expect(fx.store.puts).toHaveLength(1);
  });
});
