import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArchiverError, MediaTooLargeError, TruncatedMediaError } from './domain/errors.ts';

/** A download held on local disk: re-readable for S3 retries, never whole in memory. */
export interface SpooledMedia {
  path: string;
  size: number;
  sha256Hex: string;
  md5Base64: string;
  /** A fresh stream over the spooled bytes. */
  body(): Readable;
  /** Deletes the spool file; safe to call twice. */
  remove(): Promise<void>;
}

export interface SpoolOptions {
  dir: string;
  /** A body of `maxBytes + 1` bytes is refused without reading further. */
  maxBytes: number;
  /** The announced `Content-Length`; a body that ends short of it is a truncated download. */
  expectedLength?: number;
  signal?: AbortSignal;
}

/** Counts and hashes the bytes flowing through, and refuses any byte past the limit. */
class Meter extends Transform {
  size = 0;
  readonly sha256 = createHash('sha256');
  readonly md5 = createHash('md5');
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new MediaTooLargeError(`media exceeds ${this.maxBytes} bytes`));
      return;
    }
    this.sha256.update(chunk);
    this.md5.update(chunk);
    callback(null, chunk);
  }
}

/**
 * Streams `body` into a private file in `dir` while computing SHA-256 and MD5. On any failure the
 * file is removed and the source destroyed; a source that errors mid-body is a truncated download.
 */
export const spoolMedia = async (body: Readable, options: SpoolOptions): Promise<SpooledMedia> => {
  const path = join(options.dir, `media-${randomUUID()}.spool`);
  const remove = () => rm(path, { force: true });
  const meter = new Meter(options.maxBytes);
  let sourceError: Error | undefined;
  body.once('error', (error) => {
    sourceError = error;
  });
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  try {
    await pipeline(body, meter, file, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    body.destroy();
    // The file is opened asynchronously: removing it before the stream closed could race with
    // that open and leave a spool file behind.
    if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
    await remove();
    if (error instanceof ArchiverError) throw error;
    if (options.signal?.aborted) throw error;
    if (sourceError !== undefined && error === sourceError) {
      throw new TruncatedMediaError('media body ended early', { cause: error });
    }
    throw error;
  }
  if (options.expectedLength !== undefined && meter.size !== options.expectedLength) {
    await remove();
    throw new TruncatedMediaError(
      `media body has ${meter.size} bytes, Content-Length announced ${options.expectedLength}`,
    );
  }
  return {
    path,
    size: meter.size,
    sha256Hex: meter.sha256.digest('hex'),
    md5Base64: meter.md5.digest('base64'),
    body: () => createReadStream(path),
    remove,
  };
};
