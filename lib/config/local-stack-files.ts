import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAccountSid } from '../domain/sids.ts';

/*
 * The local stack's contract with the CLI: what a running `npm start` publishes in its data
 * directory (LOCAL_DATA_DIR, `.local` by default) and `--local` commands read. It lives in the
 * product because the CLI reads it; the stack (lib/local, lib/stand-ins) writes it through here.
 */
/**
 * What a running `npm start` publishes in its data directory for `media-archive send-test`:
 * where to post, where to look, and (demo mode only) the emulator's demo account. Removed on stop.
 */
export interface RunningStack {
  pid: number;
  webhookUrl: string;
  /** Event Streams webhook sink; its credentials are in `{dataDir}/event-sink.json`. */
  eventsUrl?: string;
  s3Endpoint: string;
  bucket: string;
  archivePrefix: string;
  accountSid: string;
  browserUrl?: string;
  /** Demo mode only: the emulator and its own demo credentials (worthless at Twilio). */
  emulator?: { apiBaseUrl: string; authToken: string; eventsBaseUrl?: string };
  /** The sink's Basic credentials (also in `{dataDir}/event-sink.json`, for `connect --local`). */
  eventSink?: { username: string; password: string };
  /** LOCAL_INTAKE: `event-streams` = the emulator's numbers point at another app; events only. */
  intake?: 'webhook' | 'event-streams';
}

export const STACK_FILE = 'stack.json';

export const writeStackFile = (dataDir: string, stack: RunningStack): Promise<void> =>
  writeFile(join(dataDir, STACK_FILE), `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });

export const removeStackFile = (dataDir: string): Promise<void> =>
  rm(join(dataDir, STACK_FILE), { force: true });

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The stack started from this data directory, if it is still running. */
export const readStackFile = async (dataDir: string): Promise<RunningStack | undefined> => {
  let parsed: RunningStack;
  try {
    parsed = JSON.parse(await readFile(join(dataDir, STACK_FILE), 'utf8')) as RunningStack;
  } catch {
    return undefined;
  }
  if (typeof parsed?.pid !== 'number' || typeof parsed.webhookUrl !== 'string') return undefined;
  return isAlive(parsed.pid) ? parsed : undefined;
};

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
