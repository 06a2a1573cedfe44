import { readFile } from 'node:fs/promises';

const TEMPLATE = new URL('../serverless.yml', import.meta.url);

export interface ArchiverTemplate {
  /** `custom.archiver.memorySize`: what the archiver Lambda is billed at (MB). */
  memorySizeMb: number;
  /** `custom.archiver.inProcessConcurrency`: ARCHIVER_CONCURRENCY on Lambda. */
  inProcessConcurrency: number;
  /** `custom.archiver.batchSize`: records per invocation (the event source mapping's). */
  batchSize: number;
}

/** The archiver's settings in serverless.yml that decide what its wall time costs. */
export const readArchiverTemplate = async (template: URL = TEMPLATE): Promise<ArchiverTemplate> => {
  const text = await readFile(template, 'utf8');
  // The `archiver:` block under `custom:` (two-space indent), up to the next block at that level.
  const block = /^ {2}archiver:\n((?: {4}.*\n|\s*\n)+)/m.exec(text)?.[1] ?? '';
  const number = (name: string) => {
    const value = new RegExp(`^ {4}${name}:\\s*(\\d+)\\s*$`, 'm').exec(block)?.[1];
    if (value === undefined) throw new Error(`serverless.yml: custom.archiver.${name} not found`);
    return Number(value);
  };
  return {
    memorySizeMb: number('memorySize'),
    inProcessConcurrency: number('inProcessConcurrency'),
    batchSize: number('batchSize'),
  };
};

/**
 * GB-seconds billed per 1,000 media, from a pass measured as one Lambda instance would run it:
 * batches back to back, `concurrency` media in flight inside each invocation. Lambda bills an
 * invocation's wall time × its memory, whatever runs concurrently inside it, so the per-media
 * share is the pass's wall time ÷ its media count (= size ÷ throughput), not the sum of each
 * media's own time. See bench/README.md.
 */
export const gbSecondsPer1000 = (size: number, bytesPerSecond: number, memoryMb: number): number =>
  1000 * (size / bytesPerSecond) * (memoryMb / 1024);
