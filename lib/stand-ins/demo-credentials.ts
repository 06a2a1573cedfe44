import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DEMO_CREDENTIALS_FILE,
  type DemoCredentials,
  readDemoCredentials,
} from '../config/local-stack-files.ts';
import { randomHex, randomSid } from './twilio-emulator/sids.ts';

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
