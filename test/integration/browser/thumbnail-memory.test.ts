import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PROBE = join(import.meta.dirname, '..', '..', 'helpers', 'thumbnail-memory-probe.ts');

/**
 * What rendering a day page of thumbnail bombs may add to the browser process's peak RSS.
 * Measured on this set: +1036 MB without the guards, +362 MB with the one-at-a-time queue alone
 * (one interlaced PNG decoded whole), ~+12 MB with both: only the baseline JPEG (shrunk 1/8
 * while decoded) and a small PNG are decoded. The budget leaves room for allocator noise.
 */
const BUDGET_MB = 200;

interface ProbeReport {
  warmKb: number;
  peakKb: number;
  outcomes: { key: string; rendered: boolean; reason?: string }[];
}

/** A solid picture: 100 megapixels (9990²) fit in a few hundred KB once compressed. */
const solid = (edge: number) =>
  sharp({
    create: { width: edge, height: edge, channels: 3, background: { r: 200, g: 40, b: 90 } },
  });

describe('thumbnails of a page of decompression bombs', () => {
  let dir: string;
  const sources: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'thumbnail-bombs-'));
    const files: [string, () => Sharp][] = [
      // The bomb: ~320 KB, 100 MP, Adam7.
      ['interlaced.png', () => solid(9990).png({ progressive: true, compressionLevel: 9 })],
      // 36 MP each: above the whole-decode limit; the JPEG is baseline, so it shrinks on load.
      ['plain.png', () => solid(6000).png({ compressionLevel: 9 })],
      ['progressive.jpg', () => solid(6000).jpeg({ quality: 40, progressive: true })],
      ['baseline.jpg', () => solid(6000).jpeg({ quality: 40, optimiseCoding: false })],
      ['small.png', () => solid(800).png()],
    ];
    // One at a time: this process's memory is not measured, but the machine's is shared.
    for (const [name, make] of files) await writeFile(join(dir, name), await make().toBuffer());
    // Four senders' copies of the same bomb: four keys, four renders.
    for (const n of [1, 2, 3, 4])
      sources.push(`media/bomb-${n}.png=${join(dir, 'interlaced.png')}`);
    for (const name of ['plain.png', 'progressive.jpg', 'baseline.jpg', 'small.png']) {
      sources.push(`media/${name}=${join(dir, name)}`);
    }
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`keeps the peak RSS within +${BUDGET_MB} MB, refusing the bombs and rendering the rest`, async () => {
    // Prepare
    const cacheDir = join(dir, 'cache');

    // Act
    const { stdout } = await promisify(execFile)(process.execPath, [PROBE, cacheDir, ...sources], {
      maxBuffer: 1024 * 1024,
    });
    const report = JSON.parse(stdout) as ProbeReport;
    const addedMb = (report.peakKb - report.warmKb) / 1024;
    console.info(`thumbnail bombs: peak RSS +${addedMb.toFixed(0)} MB (budget ${BUDGET_MB} MB)`);

    // Assess
    expect(addedMb).toBeLessThan(BUDGET_MB);
    expect(
      report.outcomes.filter((outcome) => outcome.rendered).map((outcome) => outcome.key),
    ).toEqual(['media/baseline.jpg', 'media/small.png']);
  });
});
