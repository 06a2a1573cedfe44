import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVENT_SINK_CREDENTIALS_FILE,
  loadEventSinkCredentials,
  sinkUrlWithCredentials,
} from '../../../lib/local/event-sink-credentials.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sink-creds-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('loadEventSinkCredentials', () => {
  it('generates a pair once per data directory, private to its owner, and reuses it', async () => {
    const dir = await tempDir();
    const first = await loadEventSinkCredentials(dir);
    const again = await loadEventSinkCredentials(dir);
    expect(again).toEqual(first);
    expect(first.password.length).toBeGreaterThanOrEqual(16);
    expect((await stat(join(dir, EVENT_SINK_CREDENTIALS_FILE))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dir, EVENT_SINK_CREDENTIALS_FILE), 'utf8'))).toEqual(
      first,
    );
  });

  it('takes EVENT_SINK_USERNAME/PASSWORD when both are set', async () => {
    const dir = await tempDir();
    const pair = { EVENT_SINK_USERNAME: 'me', EVENT_SINK_PASSWORD: 'p'.repeat(20) };
    expect(await loadEventSinkCredentials(dir, pair)).toEqual({
      username: 'me',
      password: 'p'.repeat(20),
    });
  });

  it('puts the pair into the URL Twilio is given', () => {
    expect(
      sinkUrlWithCredentials('https://h.example/twilio/events', { username: 'u', password: 'p/w' }),
    ).toBe('https://u:p%2Fw@h.example/twilio/events');
  });
});
