import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_SPOOL_MEMORY_BYTES } from '../domain/bytes.ts';
import { ArchiverError, MediaTooLargeError, TruncatedMediaError } from '../domain/errors.ts';

/** A download held in memory (small) or on local disk (large): re-readable for S3 retries. */
export interface SpooledMedia {
  /** The spool file; `undefined` when the body stayed in memory. */
  path?: string;
  size: number;
  sha256Hex: string;
  /** A fresh stream over the spooled bytes. */
  body(): Readable;
  /** Deletes the spool file (if any); safe to call twice. */
  remove(): Promise<void>;
}

export interface SpoolOptions {
  dir: string;
  /** A body of `maxBytes + 1` bytes is refused without reading further. */
  maxBytes: number;
  /** The announced `Content-Length`; a body that ends short of it is a truncated download. */
  expectedLength?: number;
  /** Bodies up to this many bytes are kept in memory; default `DEFAULT_SPOOL_MEMORY_BYTES`. */
  memoryBytes?: number;
  /** A body that sends no byte for this long is a stalled (transient) download; default 30 s. */
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Long enough for any CDN hiccup, short enough to retry well inside a Lambda's timeout. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/** Spool files of this process that are still in use: a sweep never touches them. */
const live = new Set<string>();

/** Counts and hashes the bytes flowing through, and refuses any byte past the limit. */
class Meter extends Transform {
  size = 0;
  readonly sha256 = createHash('sha256');
  constructor(
    private readonly maxBytes: number,
    private readonly onChunk: () => void,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
    this.onChunk();
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new MediaTooLargeError(`media exceeds ${this.maxBytes} bytes`));
      return;
    }
    this.sha256.update(chunk);
    callback(null, chunk);
  }
}

/** `FileHandle.write` may write less than asked (full disk): loop until all of it is written. */
const writeAll = async (handle: FileHandle, chunk: Buffer): Promise<void> => {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
};

/**
 * Keeps chunks in memory until they exceed `memoryBytes`, then opens a private file, writes what
 * it held and appends the rest there. The file is opened with an awaited `open`, so `discard()`
 * (after any in-flight write has settled) can always close and remove it.
 */
class SpoolSink extends Writable {
  chunks: Buffer[] = [];
  held = 0;
  private handle: FileHandle | undefined;
  private opened = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly memoryBytes: number,
  ) {
    super();
  }

  get onDisk(): boolean {
    return this.opened;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error) => void) {
    this.inFlight = this.store(chunk);
    this.inFlight.then(() => callback(), callback);
  }

  override _final(callback: (error?: Error) => void) {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) {
      callback();
      return;
    }
    this.inFlight = handle.close();
    this.inFlight.then(() => callback(), callback);
  }

  private async store(chunk: Buffer): Promise<void> {
    if (!this.opened && this.held + chunk.length <= this.memoryBytes) {
      this.chunks.push(chunk);
      this.held += chunk.length;
      return;
    }
    if (!this.opened) {
      this.opened = true;
      this.handle = await open(this.path, 'wx', 0o600);
      const held = this.chunks;
      this.chunks = [];
      this.held = 0;
      for (const part of held) await writeAll(this.handle, part);
    }
    if (this.handle) await writeAll(this.handle, chunk);
  }

  /** Drops what was held and removes the file, once no write or open is pending any more. */
  async discard(): Promise<void> {
    this.chunks = [];
    this.held = 0;
    await this.inFlight.catch(() => undefined);
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
    if (this.opened) await rm(this.path, { force: true });
  }
}

/**
 * Errors `target` when no byte arrived for `idleTimeoutMs`: only a response's headers have a
 * timeout, so without this a CDN that stops mid-body would hold the record until the deadline.
 */
const stallWatchdog = (
  target: { destroy(error: Error): unknown },
  idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS,
): { rearm: () => void; stop: () => void } => {
  let idle: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(idle);
  const rearm = () => {
    stop();
    idle = setTimeout(() => {
      target.destroy(
        new TruncatedMediaError(`media body stalled: no byte for ${idleTimeoutMs} ms`),
      );
    }, idleTimeoutMs);
  };
  return { rearm, stop };
};

/**
 * Streams `body` into memory (up to `memoryBytes`) or a private file in `dir` while computing
 * SHA-256. On any failure nothing is left behind and the source is destroyed;
 * a source that errors mid-body is a truncated download.
 */
export const spoolMedia = async (body: Readable, options: SpoolOptions): Promise<SpooledMedia> => {
  const path = join(options.dir, `media-${randomUUID()}.spool`);
  // A body announced larger than the memory budget goes to disk from its first byte.
  const budget = options.memoryBytes ?? DEFAULT_SPOOL_MEMORY_BYTES;
  const memoryBytes =
    options.expectedLength !== undefined && options.expectedLength > budget ? 0 : budget;
  const { rearm, stop } = stallWatchdog(body, options.idleTimeoutMs);
  const meter = new Meter(options.maxBytes, rearm);
  const sink = new SpoolSink(path, memoryBytes);
  live.add(path);
  let sourceError: Error | undefined;
  body.once('error', (error) => {
    sourceError = error;
  });
  rearm();
  try {
    await pipeline(body, meter, sink, {
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    body.destroy();
    await sink.discard();
    live.delete(path);
    if (error instanceof ArchiverError) throw error;
    if (options.signal?.aborted) throw error;
    if (sourceError !== undefined && error === sourceError) {
      throw new TruncatedMediaError('media body ended early', { cause: error });
    }
    throw error;
  } finally {
    stop();
  }
  if (options.expectedLength !== undefined && meter.size !== options.expectedLength) {
    await sink.discard();
    live.delete(path);
    throw new TruncatedMediaError(
      `media body has ${meter.size} bytes, Content-Length announced ${options.expectedLength}`,
    );
  }
  const hashes = {
    size: meter.size,
    sha256Hex: meter.sha256.digest('hex'),
  };
  if (sink.onDisk) {
    return {
      ...hashes,
      path,
      body: () => createReadStream(path),
      remove: async () => {
        await rm(path, { force: true });
        live.delete(path);
      },
    };
  }
  live.delete(path);
  // One contiguous copy (≤ memoryBytes) rather than the stream's chunks, which may be views of
  // larger buffers.
  const bytes = Buffer.concat(sink.chunks, sink.held);
  sink.chunks = [];
  return {
    ...hashes,
    body: () => Readable.from([bytes], { objectMode: false }),
    remove: async () => undefined,
  };
};

/** A body on its way into one PUT: `digest` settles once it ended (or failed). */
export interface MeteredBody {
  /** Exactly the announced bytes, or an error before its end: never a clean short end. */
  stream: Readable;
  /** Rejects when the stream errored or was destroyed before its end. */
  digest: Promise<{ size: number; sha256Hex: string }>;
}

/**
 * The one-pass path: counts and hashes `body` on its way to S3 and errors the stream (before it
 * ends) when it delivers fewer or more bytes than `expectedLength`. No local S3 server checks the
 * decoded length of an aws-chunked upload (docs/LOCAL-S3.md), so a clean short end must never
 * reach the SDK as an end.
 */
export const meterMedia = (
  body: Readable,
  options: Pick<SpoolOptions, 'maxBytes' | 'idleTimeoutMs' | 'signal'> & { expectedLength: number },
): MeteredBody => {
  const { expectedLength } = options;
  // The stream is only created below; the watchdog fires at the earliest after idleTimeoutMs.
  const { rearm, stop } = stallWatchdog(
    { destroy: (error) => stream.destroy(error) },
    options.idleTimeoutMs,
  );
  const limit = Math.min(options.maxBytes, expectedLength);
  const sha256 = createHash('sha256');
  let size = 0;
  let settle: {
    resolve: (value: { size: number; sha256Hex: string }) => void;
    reject: (error: unknown) => void;
  };
  const digest = new Promise<{ size: number; sha256Hex: string }>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may await the digest (a PUT that failed first): no unhandled rejection.
  digest.catch(() => undefined);
  let done = false;
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      rearm();
      size += chunk.length;
      if (size > limit) {
        callback(
          size > options.maxBytes
            ? new MediaTooLargeError(`media exceeds ${options.maxBytes} bytes`)
            : new TruncatedMediaError(
                `media body longer than its Content-Length ${expectedLength}`,
              ),
        );
        return;
      }
      sha256.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      stop();
      if (size !== expectedLength) {
        callback(
          new TruncatedMediaError(
            `media body has ${size} bytes, Content-Length announced ${expectedLength}`,
          ),
        );
        return;
      }
      done = true;
      settle.resolve({ size, sha256Hex: sha256.digest('hex') });
      callback();
    },
  });
  const fail = (error: unknown) => {
    stop();
    if (!done) settle.reject(error);
    done = true;
  };
  stream.once('error', fail);
  stream.once('close', () => fail(new TruncatedMediaError('media body stopped before its end')));
  // A source that errors mid-body is a truncated download, whatever its own error says.
  body.once('error', (error) => {
    if (!stream.destroyed) {
      stream.destroy(
        error instanceof ArchiverError
          ? error
          : new TruncatedMediaError('media body ended early', { cause: error }),
      );
    }
  });
  stream.once('close', () => {
    if (!body.destroyed) body.destroy();
  });
  const onAbort = () => stream.destroy(options.signal?.reason ?? new Error('aborted'));
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => options.signal?.removeEventListener('abort', onAbort));
  rearm();
  body.pipe(stream);
  return { stream, digest };
};

/** A download's size and hashes, its bytes dropped: the second download of the no-length proof. */
export const measureMedia = async (
  body: Readable,
  options: Pick<SpoolOptions, 'maxBytes' | 'idleTimeoutMs' | 'signal'>,
): Promise<{ size: number; sha256Hex: string }> => {
  const { rearm, stop } = stallWatchdog(body, options.idleTimeoutMs);
  const meter = new Meter(options.maxBytes, rearm);
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  let sourceError: Error | undefined;
  body.once('error', (error) => {
    sourceError = error;
  });
  rearm();
  try {
    await pipeline(body, meter, sink, { ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    body.destroy();
    if (error instanceof ArchiverError || options.signal?.aborted) throw error;
    if (sourceError !== undefined && error === sourceError) {
      throw new TruncatedMediaError('media body ended early', { cause: error });
    }
    throw error;
  } finally {
    stop();
  }
  return { size: meter.size, sha256Hex: meter.sha256.digest('hex') };
};

/** Longer than any invocation (Lambda's limit is 15 minutes): such a spool file has no owner. */
export const STALE_SPOOL_MS = 15 * 60_000;
const SPOOL_FILE = /^media-[0-9a-f-]{36}\.spool$/;

/**
 * Removes spool files an earlier invocation left behind (a crash, a timeout that froze the
 * sandbox mid-download). Only files older than `staleMs` are touched, so a spool of a run in
 * progress elsewhere in this process (the local stack, the CLI) is left alone. Returns the count.
 */
export const sweepStaleSpools = async (
  dir: string,
  staleMs = STALE_SPOOL_MS,
  now = Date.now(),
): Promise<number> => {
  let removed = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    if (!SPOOL_FILE.test(name) || live.has(path)) continue;
    const info = await stat(path).catch(() => undefined);
    if (!info || now - info.mtimeMs < staleMs) continue;
    await rm(path, { force: true });
    removed += 1;
  }
  return removed;
};
