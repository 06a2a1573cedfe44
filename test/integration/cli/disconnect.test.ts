import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../lib/cli/main.ts';
import { writeStackFile } from '../../../lib/config/local-stack-files.ts';
import {
  startTwilioEmulator,
  type TwilioEmulator,
} from '../../../lib/stand-ins/twilio-emulator.ts';
import { captureStream as capture } from '../../helpers/capture-stdout.ts';
import { startSinkRecorder } from '../../helpers/event-sink-recorder.ts';

const SINK_USER = 'twilio-events';
const SINK_PASSWORD = 'local-sink-password-0123456789';

describe('media-archive disconnect --local', () => {
  let emulator: TwilioEmulator;
  let sink: Awaited<ReturnType<typeof startSinkRecorder>>;
  let dataDir: string;

  const cli = async (command: string, ...args: string[]) => {
    const stdout = capture();
    const stderr = capture();
    const code = await runCli([command, ...args], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: { LOCAL_DATA_DIR: dataDir },
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };

  /** A sink another app made on the same account, straight at the emulator. */
  const otherAppSink = async () => {
    const response = await fetch(`${emulator.eventsBaseUrl}/v1/Sinks`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${emulator.accountSid}:${emulator.authToken}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        Description: 'another app',
        SinkType: 'webhook',
        SinkConfiguration: JSON.stringify({ destination: `${sink.baseUrl}/other-app` }),
      }).toString(),
    });
    return ((await response.json()) as { sid: string }).sid;
  };

  beforeEach(async () => {
    emulator = await startTwilioEmulator();
    sink = await startSinkRecorder();
    dataDir = await mkdtemp(join(tmpdir(), 'disconnect-'));
    await writeStackFile(dataDir, {
      pid: process.pid,
      webhookUrl: `${sink.baseUrl}/twilio/messages`,
      s3Endpoint: 'http://127.0.0.1:1',
      bucket: 'twilio-media-archive',
      archivePrefix: '',
      accountSid: emulator.accountSid,
      emulator: {
        apiBaseUrl: emulator.apiBaseUrl,
        authToken: emulator.authToken,
        eventsBaseUrl: emulator.eventsBaseUrl,
      },
      eventsUrl: `${sink.baseUrl}/twilio/events`,
      eventSink: { username: SINK_USER, password: SINK_PASSWORD },
    });
  });
  afterEach(async () => {
    await emulator.close();
    await sink.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("deletes connect's subscription and sink, keeps another app's sink, and a second run is a no-op", async () => {
    // Prepare
    expect((await cli('connect', '--local')).code).toBe(0);
    const [ours] = emulator.sinks;
    const [subscription] = emulator.eventSubscriptions;
    const other = await otherAppSink();

    // Act
    const first = await cli('disconnect', '--local', '--yes');
    const second = await cli('disconnect', '--local', '--yes');

    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      `deleted\t${subscription?.sid}\tsubscription\t${emulator.accountSid}\n` +
        `deleted\t${ours?.sid}\tsink\t${emulator.accountSid}\n`,
    );
    expect(first.stdout).toContain('1 account(s): 1 subscription(s) and 1 sink(s) deleted');
    expect(first.stdout).toContain(`${SINK_USER}:****@`);
    expect(first.stdout + first.stderr).not.toContain(SINK_PASSWORD);
    expect(emulator.sinks.map((s) => s.sid)).toEqual([other]);
    expect(emulator.eventSubscriptions).toEqual([]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('0 subscription(s) and 0 sink(s) deleted');
    expect(second.stderr).toBe('');
  });

  it('--dry-run lists what would go and deletes nothing', async () => {
    // Prepare
    await cli('connect', '--local');
    const [ours] = emulator.sinks;

    // Act
    const result = await cli('disconnect', '--local', '--dry-run');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`would delete\t${ours?.sid}\tsink\t${emulator.accountSid}`);
    expect(result.stdout).toContain('1 sink(s) would be deleted (dry run: nothing deleted)');
    expect(emulator.sinks).toHaveLength(1);
    expect(emulator.eventSubscriptions).toHaveLength(1);
    expect(
      emulator.requests.filter((r) => r.origin === 'events').map((r) => r.method),
    ).not.toContain('DELETE');
  });

  it('disconnects a subaccount with its own credential and leaves the main account', async () => {
    // Prepare
    const sub = emulator.addSubaccount();
    await cli('connect', '--local');
    await cli('connect', '--local', '--account', sub.sid);

    // Act
    const result = await cli('disconnect', '--local', '--yes', '--account', sub.sid);

    // Assess
    expect(result.code).toBe(0);
    expect(emulator.sinks.map((s) => s.accountSid)).toEqual([emulator.accountSid]);
    expect(emulator.eventSubscriptions.map((s) => s.accountSid)).toEqual([emulator.accountSid]);
  });

  it.each([
    [['--local'], 'disconnect deletes at Twilio: add --yes (or --dry-run)'],
    [['--yes'], 'one of --stage STAGE (a deployed stack) or --local'],
    [['--local', '--stage', 'dev', '--yes'], 'one of --stage STAGE (a deployed stack) or --local'],
    [['--local', '--yes', '--account', 'AC1'], '--account must be AC SIDs, got "AC1"'],
    [['--stage', 'dev', '--yes', '--sink', 'sqs'], '--sink must be webhook or kinesis'],
    [['--local', '--yes', '--test-id', 'x'], 'unknown option --test-id'],
  ])('refuses %j with a usage error (exit 64) and deletes nothing', async (args, message) => {
    // Prepare
    await cli('connect', '--local');

    // Act
    const result = await cli('disconnect', ...args);

    // Assess
    expect(result.code).toBe(64);
    expect(result.stderr.split('\n')[0]).toBe(`media-archive disconnect: ${message}`);
    expect(emulator.sinks).toHaveLength(1);
  });

  it('says which account is not a subaccount, exit 1', async () => {
    // Act
    const result = await cli('disconnect', '--local', '--yes', '--account', `AC${'0'.repeat(32)}`);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('is not a subaccount');
  });
});
