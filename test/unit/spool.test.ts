import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaTooLargeError, TruncatedMediaError } from '../../lib/domain/errors.ts';
import { spoolMedia } from '../../lib/spool.ts';
import { makeMediaBody, sha256Hex } from '../helpers/media-fixtures.ts';

describe('spoolMedia', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const chunks = (body: Buffer, size: number) =>
    Readable.from(
      Array.from({ length: Math.ceil(body.length / size) }, (_, i) =>
        body.subarray(i * size, (i + 1) * size),
      ),
    );

  it('writes the bytes to a private file with their SHA-256, MD5 and size', async () => {
    // Prepare
    const body = makeMediaBody(100_000, 3);

    // Act
    const spooled = await spoolMedia(chunks(body, 7_000), {
      dir,
      maxBytes: 100_000,
      expectedLength: 100_000,
    });

    // Assess
    expect(spooled.size).toBe(100_000);
    expect(spooled.sha256Hex).toBe(sha256Hex(body));
    expect(spooled.md5Base64).toBe(createHash('md5').update(body).digest('base64'));
    expect((await buffer(spooled.body())).equals(body)).toBe(true);
    expect((await buffer(spooled.body())).equals(body)).toBe(true);
    expect((await stat(spooled.path)).mode & 0o777).toBe(0o600);
    await spooled.remove();
    expect(await readdir(dir)).toEqual([]);
  });

  it('stops at the first byte past the limit and leaves no file', async () => {
    // Prepare
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 1;
        this.push(Buffer.alloc(1_000));
      },
    });

    // Act
    const result = spoolMedia(endless, { dir, maxBytes: 10_000 });

    // Assess
    await expect(result).rejects.toBeInstanceOf(MediaTooLargeError);
    expect(pulled).toBeLessThan(50);
    expect(await readdir(dir)).toEqual([]);
  });

  it('accepts exactly the limit', async () => {
    // Act
    const spooled = await spoolMedia(Readable.from([Buffer.alloc(10)]), { dir, maxBytes: 10 });

    // Assess
    expect(spooled.size).toBe(10);
    await spooled.remove();
  });

  it('reports a body shorter than its Content-Length as truncated and leaves no file', async () => {
    // Act
    const result = spoolMedia(Readable.from([Buffer.alloc(10)]), {
      dir,
      maxBytes: 100,
      expectedLength: 20,
    });

    // Assess
    await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
    expect(await readdir(dir)).toEqual([]);
  });
});
