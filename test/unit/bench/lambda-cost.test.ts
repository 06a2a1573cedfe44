import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gbSecondsPer1000, readArchiverTemplate } from '../../../bench/lambda-cost.ts';

describe('gbSecondsPer1000', () => {
  it('bills the pass wall time per media at the memory size', () => {
    // Prepare: 10 media of 16 MiB in 2 s (80 MiB/s) at 512 MB → 0.2 s × 0.5 GB per media
    const size = 16 * 2 ** 20;
    // Act
    const value = gbSecondsPer1000(size, (10 * size) / 2, 512);
    // Assess
    expect(value).toBeCloseTo(100, 10);
  });
});

describe('readArchiverTemplate', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lambda-cost-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads custom.archiver's memorySize, inProcessConcurrency and batchSize, not another block's", async () => {
    // Prepare
    const template = join(dir, 'serverless.yml');
    await writeFile(
      template,
      [
        'custom:',
        '  webhook:',
        '    memorySize: 128',
        '  archiver:',
        '    timeout: 120',
        '',
        '    memorySize: 768',
        '    batchSize: 7',
        '    inProcessConcurrency: 3',
        '  queue:',
        '    memorySize: 64',
        '    batchSize: 99',
        'functions:',
        '  archiver:',
        `    memorySize: $\{self:custom.archiver.memorySize}`,
        '',
      ].join('\n'),
    );
    // Act
    const settings = await readArchiverTemplate(pathToFileURL(template));
    // Assess
    expect(settings).toEqual({ memorySizeMb: 768, inProcessConcurrency: 3, batchSize: 7 });
  });

  it('reads the real template', async () => {
    // Act
    const { memorySizeMb, inProcessConcurrency, batchSize } = await readArchiverTemplate();
    // Assess
    expect(memorySizeMb).toBeGreaterThanOrEqual(128);
    expect(memorySizeMb).toBeLessThanOrEqual(10_240);
    expect(inProcessConcurrency).toBeGreaterThanOrEqual(1);
    expect(batchSize).toBeGreaterThanOrEqual(1);
  });
});
