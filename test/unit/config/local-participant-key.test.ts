import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LOCAL_PARTICIPANT_KEY_FILE,
  loadLocalParticipantKey,
  withLocalParticipantKey,
} from '../../../lib/config/local-participant-key.ts';

describe('the local stack participant key', () => {
  const dirs: string[] = [];
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'participant-key-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  it('is made once per data directory, readable by its owner only, and kept across starts', async () => {
    // Prepare
    const dir = await dataDir();

    // Act
    const first = await loadLocalParticipantKey(dir);
    const again = await loadLocalParticipantKey(dir);

    // Assess
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(again).toBe(first);
    expect((await stat(join(dir, LOCAL_PARTICIPANT_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('reaches --local commands, unless the environment names a key or the target is not local', async () => {
    // Prepare
    const dir = await dataDir();
    const key = await loadLocalParticipantKey(dir);
    const named = 'n'.repeat(40);

    // Act
    const local = await withLocalParticipantKey(true, { LOCAL_DATA_DIR: dir });
    const explicit = await withLocalParticipantKey(true, {
      LOCAL_DATA_DIR: dir,
      ARCHIVE_PARTICIPANT_KEY: named,
    });
    const aws = await withLocalParticipantKey(false, { LOCAL_DATA_DIR: dir });

    // Assess
    expect(local.ARCHIVE_PARTICIPANT_KEY).toBe(key);
    expect(explicit.ARCHIVE_PARTICIPANT_KEY).toBe(named);
    expect(aws.ARCHIVE_PARTICIPANT_KEY).toBeUndefined();
  });
});
