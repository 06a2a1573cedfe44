import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptyCounts } from '../../../../lib/use-cases/backfill/backfill.ts';
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  CheckpointError,
  checkpointPath,
  createFileCheckpointStore,
} from '../../../../lib/use-cases/backfill/checkpoint.ts';

const AC = `AC${'a'.repeat(32)}`;
const RUN = {
  accountSid: AC,
  since: '2026-01-01',
  until: '2026-01-31',
  direction: 'inbound' as const,
};

const checkpoint = (overrides: Partial<Checkpoint> = {}): Checkpoint => ({
  version: CHECKPOINT_VERSION,
  ...RUN,
  day: '2026-01-07',
  nextPageUri: '/2010-04-01/Accounts/AC/Messages.json?Page=2',
  counts: { ...emptyCounts(), pages: 9, enqueued: 40 },
  updatedAt: '2026-02-01T10:00:00.000Z',
  ...overrides,
});

describe('file checkpoint store', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'checkpoint-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('names one file per account, range and direction under .media-archive/', () => {
    // Act
    const path = checkpointPath('/work', RUN);

    // Assess
    expect(path).toBe(`/work/.media-archive/backfill-${AC}-2026-01-01-2026-01-31-inbound.json`);
    expect(checkpointPath('/work', { ...RUN, direction: 'all' })).not.toBe(path);
  });

  it('loads what it saved, leaves no temporary file, and forgets it on clear', async () => {
    // Prepare
    const path = checkpointPath(directory, RUN);
    const store = createFileCheckpointStore(path);

    // Act
    const before = await store.load();
    await store.save(checkpoint());
    const loaded = await store.load();
    const files = await readdir(dirname(path));
    await store.clear();
    const after = await store.load();

    // Assess
    expect(before).toBeUndefined();
    expect(loaded).toEqual(checkpoint());
    expect(files).toEqual([`backfill-${AC}-2026-01-01-2026-01-31-inbound.json`]);
    expect(after).toBeUndefined();
  });

  it('refuses a damaged file or one of another version instead of starting over', async () => {
    // Prepare
    const broken = join(directory, 'broken.json');
    const foreign = join(directory, 'foreign.json');
    await writeFile(broken, '{"version": 1, "day": ');
    await writeFile(foreign, JSON.stringify({ ...checkpoint(), version: 99 }));

    // Act / Assess
    await expect(createFileCheckpointStore(broken).load()).rejects.toThrow(CheckpointError);
    await expect(createFileCheckpointStore(foreign).load()).rejects.toThrow(
      /not a checkpoint this version can resume/,
    );
  });
});
