import { mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SPOOL_MEMORY_BYTES } from '../../lib/config.ts';
import { MediaTooLargeError, TruncatedMediaError } from '../../lib/domain/errors.ts';
import { measureMedia, meterMedia, spoolMedia, sweepStaleSpools } from '../../lib/spool.ts';
import { makeMediaBody, sha256Hex } from '../helpers/media-fixtures.ts';

describe('spoolMedia', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const slices = (body: Buffer, size: number) =>
    Array.from({ length: Math.ceil(body.length / size) }, (_, i) =>
      body.subarray(i * size, (i + 1) * size),
    );
  const chunks = (body: Buffer, size: number) => Readable.from(slices(body, size));

  /** Emits `parts`, waits until the spill file exists, then fails like a reset connection. */
  const failingAfterSpill = (parts: Buffer[], failure: Error, seen: string[][]) => {
    const queue = [...parts];
    return new Readable({
      read() {
        const next = queue.shift();
        if (next) {
          this.push(next);
          return;
        }
        void (async () => {
          for (let tries = 0; tries < 10_000; tries += 1) {
            const files = await readdir(dir);
            if (files.length > 0) {
              seen.push(files);
              break;
            }
            await new Promise((resolve) => setImmediate(resolve));
          }
          this.destroy(failure);
        })();
      },
    });
  };

  it('spills a body past the memory budget to a private file, with its SHA-256 and size', async () => {
    // Prepare
    const body = makeMediaBody(100_000, 3);

    // Act
    const spooled = await spoolMedia(chunks(body, 7_000), {
      dir,
      maxBytes: 100_000,
      memoryBytes: 10_000,
    });

    // Assess
    expect(spooled.size).toBe(100_000);
    expect(spooled.sha256Hex).toBe(sha256Hex(body));
    expect(spooled.path).toBeDefined();
    expect((await stat(spooled.path as string)).mode & 0o777).toBe(0o600);
    expect((await buffer(spooled.body())).equals(body)).toBe(true);
    expect((await buffer(spooled.body())).equals(body)).toBe(true);
    await spooled.remove();
    await spooled.remove();
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps a body within the memory budget off the disk, re-readable for every retry', async () => {
    // Prepare
    const body = makeMediaBody(100_000, 4);

    // Act
    const spooled = await spoolMedia(chunks(body, 7_000), {
      dir,
      maxBytes: 1_000_000,
      expectedLength: 100_000,
    });

    // Assess
    expect(await readdir(dir)).toEqual([]);
    expect(spooled.path).toBeUndefined();
    expect(spooled.size).toBe(100_000);
    expect(spooled.sha256Hex).toBe(sha256Hex(body));
    const first = spooled.body();
    const second = spooled.body();
    expect(first).not.toBe(second);
    expect((await buffer(first)).equals(body)).toBe(true);
    expect((await buffer(second)).equals(body)).toBe(true);
    await spooled.remove();
  });

  it('uses a 1 MiB memory budget by default', async () => {
    // Prepare
    const within = makeMediaBody(DEFAULT_SPOOL_MEMORY_BYTES, 5);
    const beyond = makeMediaBody(DEFAULT_SPOOL_MEMORY_BYTES + 1, 6);

    // Act
    const small = await spoolMedia(chunks(within, 65_536), { dir, maxBytes: 16 * 1024 ** 2 });
    const large = await spoolMedia(chunks(beyond, 65_536), { dir, maxBytes: 16 * 1024 ** 2 });

    // Assess
    expect(DEFAULT_SPOOL_MEMORY_BYTES).toBe(1024 * 1024);
    expect(small.path).toBeUndefined();
    expect(large.path).toBeDefined();
    expect((await buffer(large.body())).equals(beyond)).toBe(true);
    await Promise.all([small.remove(), large.remove()]);
  });

  it.each([
    { size: 10_000, expectedLength: undefined, onDisk: false },
    { size: 10_001, expectedLength: undefined, onDisk: true },
    { size: 10_000, expectedLength: 10_000, onDisk: false },
    { size: 10_001, expectedLength: 10_001, onDisk: true },
  ])(
    'spools $size bytes (Content-Length $expectedLength) with a 10,000-byte budget on disk: $onDisk',
    async ({ size, expectedLength, onDisk }) => {
      // Prepare: chunks that straddle the budget
      const body = makeMediaBody(size, size);

      // Act
      const spooled = await spoolMedia(chunks(body, 3_000), {
        dir,
        maxBytes: 20_000,
        memoryBytes: 10_000,
        ...(expectedLength !== undefined ? { expectedLength } : {}),
      });

      // Assess
      expect(spooled.path !== undefined).toBe(onDisk);
      expect((await readdir(dir)).length).toBe(onDisk ? 1 : 0);
      expect(spooled.sha256Hex).toBe(sha256Hex(body));
      expect((await buffer(spooled.body())).equals(body)).toBe(true);
      await spooled.remove();
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it.each([
    { where: 'in memory', memoryBytes: 1_000_000 },
    { where: 'on disk', memoryBytes: 0 },
  ])(
    'stops at the first byte past the limit and leaves nothing $where',
    async ({ memoryBytes }) => {
      // Prepare: what the source reads ahead into its own buffer is not consumed (its size is
      // the stream's highWaterMark, which Node 22 raised), so count what left that buffer.
      let produced = 0;
      let consumed: number | undefined;
      const endless = new Readable({
        read() {
          produced += 1_000;
          this.push(Buffer.alloc(1_000));
        },
        destroy(error, callback) {
          consumed = produced - this.readableLength;
          callback(error);
        },
      });

      // Act
      const result = spoolMedia(endless, { dir, maxBytes: 10_000, memoryBytes });

      // Assess: the chunk holding byte 10 001 was taken, none after it.
      await expect(result).rejects.toBeInstanceOf(MediaTooLargeError);
      expect(consumed).toBeGreaterThan(10_000);
      expect(consumed).toBeLessThanOrEqual(11_000);
      expect(endless.destroyed).toBe(true);
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it('refuses a body that stalls as a transient truncated download, leaving no file', async () => {
    // Prepare: one chunk past the memory budget (so a file exists), then silence.
    const stalled = new Readable({ read() {} });
    stalled.push(Buffer.alloc(2_000));

    // Act
    const result = spoolMedia(stalled, {
      dir,
      maxBytes: 10_000,
      memoryBytes: 1_000,
      idleTimeoutMs: 50,
    });

    // Assess
    await expect(result).rejects.toThrow(/stalled/);
    await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
    expect(stalled.destroyed).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('accepts exactly the limit', async () => {
    // Act
    const spooled = await spoolMedia(Readable.from([Buffer.alloc(10)]), { dir, maxBytes: 10 });

    // Assess
    expect(spooled.size).toBe(10);
    await spooled.remove();
  });

  it.each([
    { where: 'in memory', memoryBytes: 100 },
    { where: 'on disk', memoryBytes: 5 },
  ])(
    'reports a body shorter than its Content-Length as truncated and leaves nothing $where',
    async ({ memoryBytes }) => {
      // Act
      const result = spoolMedia(Readable.from([Buffer.alloc(10)]), {
        dir,
        maxBytes: 100,
        memoryBytes,
        expectedLength: 20,
      });

      // Assess
      await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it('removes the spill file when the source fails after the spill-over', async () => {
    // Prepare: 30,000 bytes go to the file (budget 10,000), then the connection resets
    const parts = slices(makeMediaBody(30_000, 7), 5_000);
    const seen: string[][] = [];
    const source = failingAfterSpill(parts, new Error('ECONNRESET'), seen);

    // Act
    const result = spoolMedia(source, { dir, maxBytes: 100_000, memoryBytes: 10_000 });

    // Assess
    await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[0]).toMatch(/^media-.+\.spool$/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes a body announced past the memory budget to disk from its first byte', async () => {
    // Prepare: only 5,000 of the announced 50,000 bytes arrive (budget 10,000)
    const seen: string[][] = [];
    const source = failingAfterSpill([makeMediaBody(5_000, 9)], new Error('ECONNRESET'), seen);

    // Act
    const result = spoolMedia(source, {
      dir,
      maxBytes: 100_000,
      memoryBytes: 10_000,
      expectedLength: 50_000,
    });

    // Assess
    await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
    expect(seen).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the spill file when the download is aborted after the spill-over', async () => {
    // Prepare
    const controller = new AbortController();
    const parts = slices(makeMediaBody(30_000, 8), 5_000);
    const source = new Readable({
      read() {
        const next = parts.shift();
        if (next) this.push(next);
        // Starved: the body never ends until the abort arrives.
        else setImmediate(() => controller.abort(new Error('Lambda timeout near')));
      },
    });

    // Act
    const result = spoolMedia(source, {
      dir,
      maxBytes: 100_000,
      memoryBytes: 10_000,
      signal: controller.signal,
    });

    // Assess
    await expect(result).rejects.toThrow();
    expect(source.destroyed).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('sweepStaleSpools', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spool-sweep-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('removes old spool files only, never a live one of this process or other files', async () => {
    // Prepare
    const old = join(dir, 'media-00000000-0000-4000-8000-000000000001.spool');
    const fresh = join(dir, 'media-00000000-0000-4000-8000-000000000002.spool');
    const other = join(dir, 'notes.txt');
    for (const path of [old, fresh, other]) await writeFile(path, 'x');
    const longAgo = new Date(Date.now() - 60 * 60_000);
    await utimes(old, longAgo, longAgo);
    await utimes(other, longAgo, longAgo);
    const live = await spoolMedia(Readable.from([makeMediaBody(300)]), {
      dir,
      maxBytes: 1_000,
      memoryBytes: 0,
    });

    // Act
    const removed = await sweepStaleSpools(dir, 0, Date.now() + 1_000);

    // Assess
    expect(removed).toBe(2);
    expect((await readdir(dir)).sort()).toEqual([live.path?.split('/').pop(), 'notes.txt'].sort());
    await live.remove();
    expect(await readdir(dir)).toEqual(['notes.txt']);
  });

  it('keeps files younger than the age limit', async () => {
    // Prepare
    await writeFile(join(dir, 'media-00000000-0000-4000-8000-000000000003.spool'), 'x');

    // Act
    const removed = await sweepStaleSpools(dir, 15 * 60_000);

    // Assess
    expect(removed).toBe(0);
    expect(await readdir(dir)).toHaveLength(1);
  });
});

describe('measureMedia', () => {
  it('hashes and counts a body without keeping it, and refuses one past the limit', async () => {
    // Prepare
    const body = makeMediaBody(5_000, 3);

    // Act
    const measured = await measureMedia(Readable.from([body]), { maxBytes: 5_000 });
    const tooLarge = measureMedia(Readable.from([body]), { maxBytes: 4_999 });

    // Assess
    expect(measured).toEqual({ size: 5_000, sha256Hex: sha256Hex(body) });
    await expect(tooLarge).rejects.toBeInstanceOf(MediaTooLargeError);
  });

  it('reports a body that breaks as a truncated download', async () => {
    // Prepare
    const broken = new Readable({
      read() {
        this.push(Buffer.from('part'));
        this.destroy(new Error('socket hang up'));
      },
    });

    // Act
    const result = measureMedia(broken, { maxBytes: 100 });

    // Assess
    await expect(result).rejects.toBeInstanceOf(TruncatedMediaError);
  });
});

describe('meterMedia', () => {
  /** Reads the metered stream to its end (or its error), as the SDK would. */
  const drain = async (stream: Readable) => {
    const seen: Buffer[] = [];
    try {
      for await (const chunk of stream) seen.push(chunk as Buffer);
      return { bytes: Buffer.concat(seen), error: undefined };
    } catch (error) {
      return { bytes: Buffer.concat(seen), error };
    }
  };
  const chunked = (body: Buffer, size: number) =>
    Readable.from(
      Array.from({ length: Math.ceil(body.length / size) }, (_, i) =>
        body.subarray(i * size, (i + 1) * size),
      ),
    );

  it('passes exactly the announced bytes through and resolves their SHA-256 at the end', async () => {
    // Prepare
    const body = makeMediaBody(50_000, 7);

    // Act
    const metered = meterMedia(chunked(body, 4_096), { expectedLength: 50_000, maxBytes: 100_000 });
    const { bytes, error } = await drain(metered.stream);

    // Assess
    expect(error).toBeUndefined();
    expect(bytes.equals(body)).toBe(true);
    expect(await metered.digest).toEqual({ size: 50_000, sha256Hex: sha256Hex(body) });
  });

  it('errors a body that ends cleanly short of its length before the end, never ending it', async () => {
    // Prepare
    const body = makeMediaBody(30_000, 8);

    // Act
    const metered = meterMedia(chunked(body, 4_096), { expectedLength: 50_000, maxBytes: 100_000 });
    const { error } = await drain(metered.stream);

    // Assess
    expect(error).toBeInstanceOf(TruncatedMediaError);
    expect((error as Error).message).toContain('30000 bytes, Content-Length announced 50000');
    await expect(metered.digest).rejects.toBeInstanceOf(TruncatedMediaError);
  });

  it('errors a body longer than its length at the first byte past it', async () => {
    // Prepare
    const body = makeMediaBody(60_000, 9);

    // Act
    const metered = meterMedia(chunked(body, 4_096), { expectedLength: 50_000, maxBytes: 100_000 });
    const { bytes, error } = await drain(metered.stream);

    // Assess
    expect(error).toBeInstanceOf(TruncatedMediaError);
    expect(bytes.length).toBeLessThanOrEqual(50_000);
    await expect(metered.digest).rejects.toBeInstanceOf(TruncatedMediaError);
  });

  it('turns a source that breaks mid-body into a truncated download and destroys it', async () => {
    // Prepare
    const source = new Readable({
      read() {
        this.push(makeMediaBody(1_000));
        this.destroy(new Error('socket hang up'));
      },
    });

    // Act
    const metered = meterMedia(source, { expectedLength: 5_000, maxBytes: 100_000 });
    const { error } = await drain(metered.stream);

    // Assess
    expect(error).toBeInstanceOf(TruncatedMediaError);
    expect(source.destroyed).toBe(true);
    await expect(metered.digest).rejects.toBeInstanceOf(TruncatedMediaError);
  });
});
