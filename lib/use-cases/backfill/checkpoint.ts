import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BackfillCounts } from './counts.ts';
import type { Direction } from './find-archivable-media.ts';

export const CHECKPOINT_VERSION = 1;

/** Written after each fully handled page: the walk resumes with the page after it. */
export interface Checkpoint {
  version: typeof CHECKPOINT_VERSION;
  accountSid: string;
  since: string;
  until: string;
  direction: Direction;
  /** The day being walked, and its next page (`null` = that day is done). */
  day: string;
  nextPageUri: string | null;
  counts: BackfillCounts;
  updatedAt: string;
}

export interface CheckpointStore {
  load(): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
  clear(): Promise<void>;
}

/** Not the archive's data, only where a walk stopped: a bad file is an error, not a silent restart. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export const checkpointPath = (
  directory: string,
  run: Pick<Checkpoint, 'accountSid' | 'since' | 'until' | 'direction'>,
): string =>
  join(
    directory,
    '.media-archive',
    `backfill-${run.accountSid}-${run.since}-${run.until}-${run.direction}.json`,
  );

/** One JSON file per run; written to a temporary name and renamed, so a crash never leaves half. */
export const createFileCheckpointStore = (path: string): CheckpointStore => ({
  async load() {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: Checkpoint;
    try {
      parsed = JSON.parse(text) as Checkpoint;
    } catch {
      throw new CheckpointError(`${path} is not valid JSON: delete it to start over`);
    }
    if (parsed.version !== CHECKPOINT_VERSION || typeof parsed.day !== 'string') {
      throw new CheckpointError(`${path} is not a checkpoint this version can resume`);
    }
    return parsed;
  },
  async save(checkpoint) {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(checkpoint, null, 2)}\n`);
    await rename(temporary, path);
  },
  async clear() {
    await rm(path, { force: true });
  },
});

export const createMemoryCheckpointStore = (): CheckpointStore & { current?: Checkpoint } => {
  const store: CheckpointStore & { current?: Checkpoint } = {
    load: async () => store.current && structuredClone(store.current),
    save: async (checkpoint) => {
      store.current = structuredClone(checkpoint);
    },
    clear: async () => {
      delete store.current;
    },
  };
  return store;
};
