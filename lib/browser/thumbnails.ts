import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import pLimit from 'p-limit';
import sharp, { type Metadata } from 'sharp';
import {
  DEFAULT_MAX_DECODE_PIXELS,
  DEFAULT_MAX_SOURCE_PIXELS,
  decideThumbnail,
} from './thumbnail-policy.ts';

/**
 * Thumbnails for the tiles: at most `maxEdge` px on the longer edge, WebP, made once per archived
 * object and kept on disk under `{cacheDir}/{sha256(key + etag)}.webp`. Archived objects never
 * change under their key, and the ETag in the name retires a thumbnail if one ever did.
 */
export interface Thumbnailer {
  /** The cached thumbnail, made from `open()` on the first call. */
  thumbnail(key: string, etag: string, open: () => Promise<Readable>): Promise<Buffer>;
}

export interface ThumbnailerOptions {
  cacheDir: string;
  maxEdge?: number;
  /** Sources above this are refused before decoding (default 64 MiB). */
  maxSourceBytes?: number;
  /** Decompression bombs: pixels a source may claim (default 100 megapixels). */
  maxSourcePixels?: number;
  /** Pixels a format that cannot shrink on load may decode (default 4096×4096). */
  maxDecodePixels?: number;
}

export class ThumbnailError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const DEFAULT_THUMBNAIL_EDGE = 340;

/**
 * One render at a time in the whole process, from fetching the source to the encoded thumbnail:
 * a day page asks for all its tiles at once, and libvips' memory is the process's, whichever
 * thumbnailer asked. Queued tiles hold no source bytes until their turn.
 */
const renderQueue = pLimit(1);

const readLimited = async (body: Readable, limit: number): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      body.destroy();
      throw new ThumbnailError(`the media is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
};

export const createThumbnailer = (options: ThumbnailerOptions): Thumbnailer => {
  // Process-wide libvips settings; sharp serves only thumbnails in the browser's process. Each
  // thumbnail is made once and kept on disk, so libvips' operation cache only held memory (peak
  // +207 MB → +166 MB over twelve 16 MP renders); one worker thread per render (the default on
  // glibc, not on macOS or musl) since renders already run one at a time.
  sharp.cache(false);
  sharp.concurrency(1);
  const maxEdge = options.maxEdge ?? DEFAULT_THUMBNAIL_EDGE;
  const maxSourceBytes = options.maxSourceBytes ?? 64 * 1024 * 1024;
  const limits = {
    maxSourcePixels: options.maxSourcePixels ?? DEFAULT_MAX_SOURCE_PIXELS,
    maxDecodePixels: options.maxDecodePixels ?? DEFAULT_MAX_DECODE_PIXELS,
  };
  // One render per thumbnail even when a page asks for it from several tiles at once.
  const inFlight = new Map<string, Promise<Buffer>>();

  const render = async (file: string, open: () => Promise<Readable>): Promise<Buffer> => {
    const source = await readLimited(await open(), maxSourceBytes);
    const input = { limitInputPixels: limits.maxSourcePixels, animated: false };
    let header: Metadata;
    try {
      header = await sharp(source, input).metadata();
    } catch (error) {
      throw new ThumbnailError('the media could not be read as an image', { cause: error });
    }
    const decision = decideThumbnail(header, limits);
    if (!decision.render) throw new ThumbnailError(decision.reason);
    let thumbnail: Buffer;
    try {
      thumbnail = await sharp(source, input)
        .rotate()
        .resize(maxEdge, maxEdge, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toBuffer();
    } catch (error) {
      throw new ThumbnailError('the media could not be decoded as an image', { cause: error });
    }
    await mkdir(options.cacheDir, { recursive: true });
    // Renamed into place: a crash mid-write leaves no truncated thumbnail behind.
    const partial = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(partial, thumbnail);
    await rename(partial, file);
    return thumbnail;
  };

  return {
    thumbnail: async (key, etag, open) => {
      const name = createHash('sha256').update(`${key}\n${etag}`).digest('hex');
      const file = join(options.cacheDir, `${name}.webp`);
      try {
        return await readFile(file);
      } catch {
        // Not made yet.
      }
      const running = inFlight.get(name);
      if (running) return running;
      const made = renderQueue(() => render(file, open)).finally(() => inFlight.delete(name));
      inFlight.set(name, made);
      return made;
    },
  };
};
