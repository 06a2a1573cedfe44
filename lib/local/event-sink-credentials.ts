import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The local stack's webhook-sink Basic credentials (worthless anywhere else). */
export interface EventSinkCredentials {
  username: string;
  password: string;
}

export const EVENT_SINK_CREDENTIALS_FILE = 'event-sink.json';
export const LOCAL_EVENT_SINK_USERNAME = 'twilio';

const isCredentials = (value: unknown): value is EventSinkCredentials => {
  const v = value as Partial<EventSinkCredentials> | null;
  return (
    typeof v?.username === 'string' &&
    v.username !== '' &&
    !v.username.includes(':') &&
    typeof v.password === 'string' &&
    v.password.length >= 16
  );
};

/**
 * `EVENT_SINK_USERNAME`/`EVENT_SINK_PASSWORD` when set, else a pair generated once per data
 * directory and reused, so a sink created at the emulator (or through a tunnel) keeps working
 * across restarts.
 */
export const loadEventSinkCredentials = async (
  dataDir: string,
  env: Readonly<Record<string, string | undefined>> = {},
): Promise<EventSinkCredentials> => {
  if (env.EVENT_SINK_USERNAME && env.EVENT_SINK_PASSWORD) {
    return { username: env.EVENT_SINK_USERNAME, password: env.EVENT_SINK_PASSWORD };
  }
  const path = join(dataDir, EVENT_SINK_CREDENTIALS_FILE);
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (isCredentials(parsed)) return parsed;
  } catch {
    // none yet, or unreadable: a new pair replaces it
  }
  const created = {
    username: LOCAL_EVENT_SINK_USERNAME,
    password: randomBytes(18).toString('base64url'),
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
};

/** The sink URL as Twilio is given it: the credentials in its userinfo. */
export const sinkUrlWithCredentials = (url: string, credentials: EventSinkCredentials): string => {
  const parsed = new URL(url);
  parsed.username = credentials.username;
  parsed.password = credentials.password;
  return parsed.toString();
};
