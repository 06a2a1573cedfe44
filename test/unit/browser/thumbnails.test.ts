import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createArchiveBrowser } from '../../../lib/browser/archive-browser.ts';
import { createThumbnailer, ThumbnailError } from '../../../lib/browser/thumbnails.ts';
import { makePng } from '../../../lib/stand-ins/demo-media.ts';
import {
  BROWSER_AC,
  browserMediaSid,
  browserMessageSid,
  type FakeMedia,
  fakeReader,
  request,
} from '../../helpers/archive-browser.ts';

/** A real encoded picture of `width`×`height`, so the thumbnailer reads a real header. */
const picture = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 90, g: 140, b: 30 } } });
const of = (bytes: Buffer) => async () => Readable.from([bytes]);
const outcome = (promise: Promise<Buffer>) =>
  promise.then(
    () => 'thumbnail',
    (error: Error) => `${error.name}: ${error.message}`,
  );

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

  it('reads the header first: refuses an interlaced PNG, and above the decode limit all but a baseline JPEG', async () => {
    // Prepare
    const thumbnailer = createThumbnailer({ cacheDir, maxDecodePixels: 1_000_000 });
    const sources = {
      interlaced: await picture(200, 100).png({ progressive: true }).toBuffer(),
      png: await picture(1500, 1000).png().toBuffer(),
      gif: await picture(1500, 1000).gif().toBuffer(),
      progressive: await picture(1500, 1000).jpeg({ progressive: true }).toBuffer(),
      baseline: await picture(1500, 1000).jpeg().toBuffer(),
      smallPng: await picture(1000, 1000).png().toBuffer(),
      smallJpeg: await picture(800, 600).jpeg().toBuffer(),
      tiff: await picture(100, 100).tiff().toBuffer(),
    };

    // Act
    const results = Object.fromEntries(
      await Promise.all(
        Object.entries(sources).map(async ([name, bytes]) => [
          name,
          await outcome(thumbnailer.thumbnail(name, '"1"', of(bytes))),
        ]),
      ),
    );

    // Assess
    expect(results).toEqual({
      interlaced: 'ThumbnailError: an interlaced PNG is decoded whole, whatever its size',
      png: 'ThumbnailError: decoding 1.5 MP of png whole is above 1.0 MP',
      gif: 'ThumbnailError: decoding 1.5 MP of gif whole is above 1.0 MP',
      progressive: 'ThumbnailError: decoding 1.5 MP of progressive jpeg whole is above 1.0 MP',
      baseline: 'thumbnail',
      smallPng: 'thumbnail',
      smallJpeg: 'thumbnail',
      tiff: 'ThumbnailError: no thumbnails are made of tiff format',
    });
    expect(await readdir(cacheDir)).toHaveLength(3);
  });

  it('renders one thumbnail at a time in the process, whichever thumbnailer asks', async () => {
    // Prepare
    const thumbnailers = [createThumbnailer({ cacheDir }), createThumbnailer({ cacheDir })];
    const source = await picture(600, 400).png().toBuffer();
    const doneAtOpen: number[] = [];
    const open = async () => {
      // Every render before this one has put its thumbnail in place.
      doneAtOpen.push((await readdir(cacheDir)).filter((name) => name.endsWith('.webp')).length);
      return Readable.from([source]);
    };

    // Act
    await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) => thumbnailers[n % 2]?.thumbnail(`tile-${n}`, '"1"', open)),
    );

    // Assess
    expect(doneAtOpen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('gives a tile of an interlaced PNG bomb the no-preview picture, and a normal PNG its thumbnail', async () => {
    // Prepare
    const media = (n: number, body: Buffer): FakeMedia => ({
      messageSid: browserMessageSid(1),
      mediaSid: browserMediaSid(n),
      day: '2026-11-26',
      extension: '.png',
      body,
    });
    const bomb = media(
      1,
      await picture(3000, 3000).png({ progressive: true, compressionLevel: 9 }).toBuffer(),
    );
    const normal = media(2, await picture(900, 600).png().toBuffer());
    const browser = createArchiveBrowser({
      reader: fakeReader([bomb, normal]),
      prefix: 'media/',
      thumbnails: createThumbnailer({ cacheDir }),
    });
    const thumbUrl = (item: FakeMedia) =>
      `/archive/thumb/${BROWSER_AC}/2026/11/26/${item.messageSid}/${item.mediaSid}${item.extension}`;

    // Act
    const refused = await request(browser, thumbUrl(bomb));
    const shown = await request(browser, thumbUrl(normal));

    // Assess
    expect(refused.status).toBe(200);
    expect(refused.headers['content-type']).toBe('image/svg+xml');
    expect(shown.status).toBe(200);
    expect(shown.headers['content-type']).toBe('image/webp');
  });
});
