import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAccountSid } from '../domain/sids.ts';
import { randomHex, randomSid } from './twilio-emulator/sids.ts';

/** The built-in emulator's account: valid only against the emulator, never at Twilio. */
export interface DemoCredentials {
  accountSid: string;
  authToken: string;
  apiKey: { sid: string; secret: string };
}

export const DEMO_CREDENTIALS_FILE = 'twilio-emulator.json';

const isDemoCredentials = (value: unknown): value is DemoCredentials => {
  const v = value as Partial<DemoCredentials> | null;
  return (
    typeof v?.accountSid === 'string' &&
    isAccountSid(v.accountSid) &&
    typeof v.authToken === 'string' &&
    /^[0-9a-f]{32}$/.test(v.authToken) &&
    typeof v.apiKey?.sid === 'string' &&
    typeof v.apiKey.secret === 'string'
  );
};

/** Reads `{dataDir}/twilio-emulator.json`; `undefined` when there is none (or it is unreadable). */
export const readDemoCredentials = async (
  dataDir: string,
): Promise<DemoCredentials | undefined> => {
  try {
    const parsed: unknown = JSON.parse(
      await readFile(join(dataDir, DEMO_CREDENTIALS_FILE), 'utf8'),
    );
    return isDemoCredentials(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The emulator's account, created once per data directory and reused on every start, so a signed
 * test request, a tunnel's configuration and `.local/` archives keep matching across restarts.
 */
export const loadDemoCredentials = async (dataDir: string): Promise<DemoCredentials> => {
  const existing = await readDemoCredentials(dataDir);
  if (existing) return existing;
  const created: DemoCredentials = {
    accountSid: randomSid('AC'),
    authToken: randomHex(16),
    apiKey: { sid: randomSid('SK'), secret: randomHex(16) },
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dataDir, DEMO_CREDENTIALS_FILE), `${JSON.stringify(created, null, 2)}\n`, {
    mode: 0o600,
  });
  return created;
};

/** For `--local` ops commands: the running stack's demo account, if its data directory has one. */
export const localDemoCredentials = async (
  local: boolean,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ demoCredentials?: { accountSid: string; authToken: string } }> => {
  if (!local) return {};
  const found = await readDemoCredentials(env.LOCAL_DATA_DIR?.trim() || '.local');
  return found
    ? { demoCredentials: { accountSid: found.accountSid, authToken: found.authToken } }
    : {};
};
