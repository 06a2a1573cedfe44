import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The local stack's ARCHIVE_PARTICIPANT_KEY: made once per data directory and kept beside the
 * emulator's demo account, so `.local/` archives stay searchable across restarts.
 */
export const LOCAL_PARTICIPANT_KEY_FILE = 'participant-key';

export const readLocalParticipantKey = async (dataDir: string): Promise<string | undefined> => {
  try {
    const value = (await readFile(join(dataDir, LOCAL_PARTICIPANT_KEY_FILE), 'utf8')).trim();
    return /^[0-9a-f]{64}$/.test(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

export const loadLocalParticipantKey = async (dataDir: string): Promise<string> => {
  const existing = await readLocalParticipantKey(dataDir);
  if (existing) return existing;
  const created = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, LOCAL_PARTICIPANT_KEY_FILE), `${created}\n`, { mode: 0o600 });
  return created;
};

/** For `--local` commands: the env with the running stack's key, unless the env names one. */
export const withLocalParticipantKey = async (
  local: boolean,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Readonly<Record<string, string | undefined>>> => {
  if (!local || env.ARCHIVE_PARTICIPANT_KEY?.trim()) return env;
  const key = await readLocalParticipantKey(env.LOCAL_DATA_DIR?.trim() || '.local');
  return key ? { ...env, ARCHIVE_PARTICIPANT_KEY: key } : env;
};
