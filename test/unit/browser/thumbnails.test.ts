import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createThumbnailer, ThumbnailError } from '../../../lib/browser/thumbnails.ts';
import { makePng } from '../../../lib/local/demo-media.ts';

describe('createThumbnailer', () => {
  let cacheDir: string;

  beforeEach(async () => {
    cacheDir = await mkdtemp(join(tmpdir(), 'thumbnails-'));
  });

  afterEach(async () => {
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('shrinks an image to 340 px on its longer edge as WebP and caches it by key and ETag', async () => {
    // Prepare
    const thumbnailer = createThumbnailer({ cacheDir });
    const source = makePng(1000, 500, [10, 120, 200]);
    let opened = 0;
    const open = async () => {
      opened += 1;
      return Readable.from([source]);
    };

    // Act
    const first = await thumbnailer.thumbnail('media/a.png', '"e1"', open);
    const again = await thumbnailer.thumbnail('media/a.png', '"e1"', open);
    const otherTag = await thumbnailer.thumbnail('media/a.png', '"e2"', open);
    const meta = await sharp(first).metadata();

    // Assess
    expect(meta).toMatchObject({ format: 'webp', width: 340, height: 170 });
    expect(again).toEqual(first);
    expect(otherTag).toEqual(first);
    expect(opened).toBe(2);
    expect((await readdir(cacheDir)).filter((name) => name.endsWith('.webp'))).toHaveLength(2);
  });

  it('renders a thumbnail once when several tiles ask at the same time, and never enlarges', async () => {
    // Prepare
    const thumbnailer = createThumbnailer({ cacheDir });
    let opened = 0;
    const open = async () => {
      opened += 1;
      return Readable.from([makePng(100, 80, [1, 2, 3])]);
    };

    // Act
    const all = await Promise.all([1, 2, 3].map(() => thumbnailer.thumbnail('k', '"t"', open)));

    // Assess
    expect(opened).toBe(1);
    expect(await sharp(all[0]).metadata()).toMatchObject({ width: 100, height: 80 });
  });

  it('refuses what is not an image, a source too large and too many pixels, caching nothing', async () => {
    // Prepare
    const thumbnailer = createThumbnailer({ cacheDir, maxSourceBytes: 10_000 });
    const fewPixels = createThumbnailer({ cacheDir, maxSourcePixels: 1_000_000 });
    const of = (bytes: Buffer) => async () => Readable.from([bytes]);

    // Act
    const results = await Promise.allSettled([
      thumbnailer.thumbnail('a', '"1"', of(Buffer.from('<html>not an image</html>'))),
      thumbnailer.thumbnail('b', '"1"', of(Buffer.alloc(20_000))),
      fewPixels.thumbnail('c', '"1"', of(makePng(1500, 1000, [0, 0, 0]))),
    ]);

    // Assess
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ThumbnailError);
    }
    expect(await readdir(cacheDir)).toEqual([]);
  });
});
